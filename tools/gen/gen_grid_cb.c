/* gen_grid_cb: writes the 2-D codebook tables of the pair-code types: K = 128 points for
 * q35_cb (src/format/grid_cb.c) and K = 512 for the 4.5-bit sibling q45_cb
 * (src/format/grid_cb512.c).
 *
 * The codebook is Lloyd's k-means on pairs of standard normal samples (Box-Muller on a
 * fixed-seed splitmix64 stream), started by k-means++ from several fixed seeds; the run
 * with the lowest error on a separate test set wins. Its points are scaled so that the
 * largest |coordinate| is 120, rounded to int8, and ordered by radius then angle, so
 * code 0 is the point nearest the origin. Plain C and libm only, so anyone can rerun it:
 *
 *     build/gen_grid_cb > src/format/grid_cb.c
 *     build/gen_grid_cb 512 > src/format/grid_cb512.c
 *
 * Lloyd's iterations skip points by Hamerly's bounds (an upper bound on the distance to
 * the assigned centre, a lower bound on the distance to every other centre, and half the
 * distance from each centre to its nearest neighbour): a point whose bounds prove its
 * assignment unchanged is not compared with all K centres. The assignments, and so the
 * centroids, are those of plain Lloyd's; only the work shrinks, which K = 512 needs.
 *
 * A 4-fold symmetric codebook (32 points trained on |x|, |y|, then reflected) was tried
 * and measured about 1% worse in test MSE, so the table is left unconstrained. The run
 * prints its statistics on stderr, including the 11 x 11 product code's error at its
 * best step for comparison (L x L levels, L the largest odd number with L^2 <= K). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define K_MAX 1024
#define N_TRAIN (1L << 18)
#define N_TEST (1L << 17)
#define MAX_ITERS 300
#define RESTARTS 4

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double uniform(uint64_t *s) { return ((double)(splitmix(s) >> 11) + 0.5) * 0x1p-53; }

static void normal_pairs(uint64_t seed, double *p, long n)
{
    uint64_t s = seed;
    for (long i = 0; i < n; i++) {
        double r = sqrt(-2.0 * log(uniform(&s))), t = 6.283185307179586 * uniform(&s);
        p[2 * i] = r * cos(t);
        p[2 * i + 1] = r * sin(t);
    }
}

static int nearest(const double *c, int k, double x, double y, double *dist)
{
    int best = 0;
    double bd = INFINITY;
    for (int j = 0; j < k; j++) {
        double dx = x - c[2 * j], dy = y - c[2 * j + 1], d = dx * dx + dy * dy;
        if (d < bd) {
            bd = d;
            best = j;
        }
    }
    *dist = bd;
    return best;
}

/* Mean squared error per coordinate. */
static double mse(const double *p, long n, const double *c, int k)
{
    double s = 0, d;
    for (long i = 0; i < n; i++) {
        nearest(c, k, p[2 * i], p[2 * i + 1], &d);
        s += d;
    }
    return s / (double)n / 2.0;
}

static void kmeanspp(const double *p, long n, double *c, int k, uint64_t seed, double *dd)
{
    uint64_t s = seed;
    long i0 = (long)(splitmix(&s) % (uint64_t)n);
    c[0] = p[2 * i0];
    c[1] = p[2 * i0 + 1];
    for (long i = 0; i < n; i++) dd[i] = INFINITY;
    for (int j = 1; j <= k; j++) {
        double tot = 0;
        for (long i = 0; i < n; i++) {
            double dx = p[2 * i] - c[2 * j - 2], dy = p[2 * i + 1] - c[2 * j - 1], d = dx * dx + dy * dy;
            if (d < dd[i]) dd[i] = d;
            tot += dd[i];
        }
        if (j == k) break;
        double r = uniform(&s) * tot;
        long i = 0;
        for (; i < n - 1; i++) {
            r -= dd[i];
            if (r <= 0) break;
        }
        c[2 * j] = p[2 * i];
        c[2 * j + 1] = p[2 * i + 1];
    }
}

/* Per-point state of Hamerly's bounds: upper bound on the distance to the assigned
 * centre, lower bound on the distance to any other centre. */
typedef struct bounds {
    double *upper, *lower;
} bounds;

/* Nearest and second-nearest distance (not squared) from a point to the k centres. */
static int nearest2(const double *c, int k, double x, double y, double *d1, double *d2)
{
    int best = 0;
    double b1 = INFINITY, b2 = INFINITY;
    for (int j = 0; j < k; j++) {
        double dx = x - c[2 * j], dy = y - c[2 * j + 1], d = dx * dx + dy * dy;
        if (d < b1) {
            b2 = b1;
            b1 = d;
            best = j;
        } else if (d < b2) {
            b2 = d;
        }
    }
    *d1 = sqrt(b1);
    *d2 = sqrt(b2);
    return best;
}

static int lloyd(const double *p, long n, double *c, int k, int *assign, bounds *b)
{
    double sum[3 * K_MAX], half[K_MAX], moved[K_MAX];
    int it;
    for (long i = 0; i < n; i++) assign[i] = -1;
    for (it = 0; it < MAX_ITERS; it++) {
        long changed = 0;
        for (int j = 0; j < k; j++) { /* half the distance to the nearest other centre */
            double m = INFINITY;
            for (int q = 0; q < k; q++) {
                if (q == j) continue;
                double dx = c[2 * j] - c[2 * q], dy = c[2 * j + 1] - c[2 * q + 1], d = dx * dx + dy * dy;
                if (d < m) m = d;
            }
            half[j] = 0.5 * sqrt(m);
        }
        memset(sum, 0, sizeof sum);
        for (long i = 0; i < n; i++) {
            double x = p[2 * i], y = p[2 * i + 1];
            int a = assign[i];
            if (a >= 0) {
                double m = fmax(half[a], b->lower[i]);
                if (b->upper[i] > m) {
                    double dx = x - c[2 * a], dy = y - c[2 * a + 1];
                    b->upper[i] = sqrt(dx * dx + dy * dy);
                    if (b->upper[i] > m) a = -1; /* the bounds cannot tell: compare with all */
                }
            }
            if (a < 0) {
                a = nearest2(c, k, x, y, &b->upper[i], &b->lower[i]);
                changed += a != assign[i];
                assign[i] = a;
            }
            sum[3 * a] += x;
            sum[3 * a + 1] += y;
            sum[3 * a + 2] += 1;
        }
        double most = 0;
        for (int j = 0; j < k; j++) {
            moved[j] = 0;
            if (sum[3 * j + 2] > 0) {
                double nx = sum[3 * j] / sum[3 * j + 2], ny = sum[3 * j + 1] / sum[3 * j + 2];
                moved[j] = hypot(nx - c[2 * j], ny - c[2 * j + 1]);
                c[2 * j] = nx;
                c[2 * j + 1] = ny;
            }
            if (moved[j] > most) most = moved[j];
        }
        if (!changed) break;
        for (long i = 0; i < n; i++) {
            b->upper[i] += moved[assign[i]];
            b->lower[i] -= most;
        }
    }
    return it;
}

static int cmp_points(const void *a, const void *b)
{
    const int *p = a, *q = b;
    long rp = (long)p[0] * p[0] + (long)p[1] * p[1], rq = (long)q[0] * q[0] + (long)q[1] * q[1];
    if (rp != rq) return rp < rq ? -1 : 1;
    double ap = atan2(p[1], p[0]), aq = atan2(q[1], q[0]);
    return ap < aq ? -1 : ap > aq;
}

/* Best mean squared error per coordinate of the L x L product code (levels -(L-1)/2 ..
 * (L-1)/2 times a step), over a sweep of steps scaled to L. */
static double product_mse(const double *test, long n, int levels, double *best_step)
{
    double half = (levels - 1) / 2.0, best = INFINITY;
    for (int k = 0; k <= 60; k++) {
        double st = (0.30 + 0.005 * k) * 11.0 / levels, s = 0;
        for (long i = 0; i < 2 * n; i++) {
            double q = fmin(half, fmax(-half, round(test[i] / st)));
            s += (test[i] - q * st) * (test[i] - q * st);
        }
        if (s / (2.0 * n) < best) {
            best = s / (2.0 * n);
            *best_step = st;
        }
    }
    return best;
}

int main(int argc, char **argv)
{
    int k = argc > 1 ? atoi(argv[1]) : 128;
    if (argc > 2 || (k != 128 && k != 512)) {
        fprintf(stderr, "usage: gen_grid_cb [128|512] > src/format/grid_cb{,512}.c\n");
        return 2;
    }
    double *train = malloc(sizeof(double) * 2 * N_TRAIN), *test = malloc(sizeof(double) * 2 * N_TEST);
    double *dd = malloc(sizeof(double) * N_TRAIN);
    int *assign = malloc(sizeof(int) * N_TRAIN);
    bounds b = {malloc(sizeof(double) * N_TRAIN), malloc(sizeof(double) * N_TRAIN)};
    if (!train || !test || !dd || !assign || !b.upper || !b.lower) return 1;
    normal_pairs(0x35c0deb00c5eedull, train, N_TRAIN);
    normal_pairs(0x7e57da7a5eed0001ull, test, N_TEST);

    static double best[2 * K_MAX], c[2 * K_MAX], rounded[2 * K_MAX];
    static int pts[K_MAX][2];
    double best_mse = INFINITY;
    for (int r = 0; r < RESTARTS; r++) {
        kmeanspp(train, N_TRAIN, c, k, 1000 + (uint64_t)r, dd);
        int it = lloyd(train, N_TRAIN, c, k, assign, &b);
        double m = mse(test, N_TEST, c, k);
        fprintf(stderr, "restart %d: %d iterations, test mse %.6f\n", r, it, m);
        if (m < best_mse) {
            best_mse = m;
            memcpy(best, c, sizeof(double) * 2 * (size_t)k);
        }
    }

    double amax = 0;
    for (int j = 0; j < 2 * k; j++) amax = fmax(amax, fabs(best[j]));
    double f = 120.0 / amax;
    for (int j = 0; j < k; j++) {
        pts[j][0] = (int)lround(best[2 * j] * f);
        pts[j][1] = (int)lround(best[2 * j + 1] * f);
    }
    qsort(pts, (size_t)k, sizeof pts[0], cmp_points);
    for (int j = 0; j < k; j++) {
        rounded[2 * j] = pts[j][0] / f;
        rounded[2 * j + 1] = pts[j][1] / f;
    }
    double m8 = mse(test, N_TEST, rounded, k);
    int levels = 1;
    while ((levels + 2) * (levels + 2) <= k) levels += 2;
    double step = 0, prod = product_mse(test, N_TEST, levels, &step);
    fprintf(stderr, "codebook test mse %.6f (int8: %.6f); product %dx%d at step %.3f: %.6f (%.1f%% lower)\n",
            best_mse, m8, levels, levels, step, prod, 100.0 * (1.0 - m8 / prod));

    if (k == 128)
        printf("/* The 128-point 2-D codebook of q35_cb. Generated by tools/gen/gen_grid_cb.c (target\n"
               " * gen_grid_cb; rerun it to check): Lloyd's k-means on %ld standard normal pairs from\n"
               " * a fixed-seed generator, best of %d k-means++ starts by error on %ld held-out pairs,\n"
               " * scaled to max |coordinate| 120, rounded, ordered by radius then angle.\n"
               " * Held-out MSE per coordinate, unit Gaussian: %.5f, against %.5f for the %d x %d\n"
               " * product code at its best step. */\n",
               N_TRAIN, RESTARTS, N_TEST, m8, prod, levels, levels);
    else
        printf("/* The %d-point 2-D codebook of the 4.5-bit type q45_cb. Generated by\n"
               " * tools/gen/gen_grid_cb.c (target gen_grid_cb, argument %d; rerun it to check):\n"
               " * Lloyd's k-means on %ld standard normal pairs from a fixed-seed generator, best of\n"
               " * %d k-means++ starts by error on %ld held-out pairs, scaled to max |coordinate| 120,\n"
               " * rounded, ordered by radius then angle. Held-out MSE per coordinate, unit Gaussian:\n"
               " * %.5f (%.5f before rounding to int8), against %.5f for the %d x %d product code\n"
               " * at its best step. */\n",
               k, k, N_TRAIN, RESTARTS, N_TEST, m8, best_mse, prod, levels, levels);
    const char *table = k == 128 ? "q35_grid_cb" : "q35_grid_cb512";
    const char *size = k == 128 ? "Q35_GRID_SIZE" : "Q35_Q45_GRID_SIZE";
    printf("#include \"grids.h\"\n\nconst int8_t %s[%s][2] = {\n", table, size);
    for (int j = 0; j < k; j++)
        printf("%s{%4d, %4d},%s", j % 8 == 0 ? "    " : "", pts[j][0], pts[j][1], j % 8 == 7 ? "\n" : " ");
    printf("};\n");
    free(train);
    free(test);
    free(dd);
    free(assign);
    free(b.upper);
    free(b.lower);
    return 0;
}
