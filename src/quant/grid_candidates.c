/* The candidate lists of grid_candidates.h. */
#include <string.h>

#include "quant/grid_candidates.h"

static int all_codes(const q35_grid_search *gs, uint16_t *out)
{
    for (int c = 0; c < gs->n; c++) out[c] = (uint16_t)c;
    return gs->n;
}

static int clampi(int x, int lo, int hi) { return x < lo ? lo : x > hi ? hi : x; }

/* floor(u) for |u| well inside int range; NaN gives lo */
static int cell_floor(float u, int lo, int hi)
{
    if (!(u >= (float)lo)) return lo;
    if (u >= (float)hi) return hi;
    return (int)(u - (float)lo) + lo;
}

static int product_candidates(const q35_grid_search *gs, float u, float v, int reach, uint16_t *out)
{
    const int n1 = gs->hi[1] - gs->lo[1] + 1;
    const int a0 = cell_floor(u + 0.5f, gs->lo[0], gs->hi[0]), b0 = cell_floor(v + 0.5f, gs->lo[1], gs->hi[1]);
    int n = 0;
    for (int a = clampi(a0 - reach, gs->lo[0], gs->hi[0]); a <= clampi(a0 + reach, gs->lo[0], gs->hi[0]); a++)
        for (int b = clampi(b0 - reach, gs->lo[1], gs->hi[1]); b <= clampi(b0 + reach, gs->lo[1], gs->hi[1]); b++)
            out[n++] = gs->code_of[(a - gs->lo[0]) * n1 + (b - gs->lo[1])];
    return n;
}

int q35_grid_candidates(const q35_grid_search *gs, float u, float v, int reach, uint16_t *out)
{
    if (reach < 0) reach = 0;
    if (gs->product) return product_candidates(gs, u, v, reach, out);
    const float span = (float)gs->span, inv_cell = 1.0f / (float)gs->cell;
    if (!(u >= -span && u < span && v >= -span && v < span)) return all_codes(gs, out);
    const int cx = clampi((int)((u + span) * inv_cell), 0, Q35_GS_NCELL - 1);
    const int cy = clampi((int)((v + span) * inv_cell), 0, Q35_GS_NCELL - 1);
    uint8_t seen[Q35_GS_MAX_POINTS];
    memset(seen, 0, sizeof seen);
    int n = 0;
    for (int y = cy - reach; y <= cy + reach; y++)
        for (int x = cx - reach; x <= cx + reach; x++) {
            if (x < 0 || y < 0 || x >= Q35_GS_NCELL || y >= Q35_GS_NCELL) continue;
            const int cell = y * Q35_GS_NCELL + x, k = gs->count[cell];
            if (k == Q35_GS_BRUTE) return all_codes(gs, out);
            for (int i = 0; i < k; i++) {
                const uint16_t c = gs->cand[cell][i];
                if (!seen[c]) {
                    seen[c] = 1;
                    out[n++] = c;
                }
            }
        }
    return n;
}
