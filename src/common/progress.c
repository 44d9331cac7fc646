/* A one-line progress bar on stderr, drawn only on a terminal, at most 10 times a second. */
#include <stdio.h>
#include <unistd.h>

#include "q35/common.h"
#include "q35/progress.h"

void q35_progress_begin(q35_progress *p, const char *label, uint64_t total, const char *unit)
{
    p->label = label;
    p->total = total;
    p->done = 0;
    p->unit = unit ? unit : "it";
    p->t_start = q35_now();
    p->t_last_draw = 0;
    p->enabled = isatty(fileno(stderr));
}

static void draw(q35_progress *p, int final)
{
    double t = q35_now();
    if (!final && t - p->t_last_draw < 0.1) return;
    p->t_last_draw = t;
    double el = t - p->t_start;
    double frac = p->total ? (double)p->done / (double)p->total : 0.0;
    if (frac > 1) frac = 1;
    int width = 30, fill = (int)(frac * width + 0.5);
    char bar[64];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    double rate = el > 0 ? (double)p->done / el : 0;
    double eta = (rate > 0 && p->total > p->done) ? (double)(p->total - p->done) / rate : 0;
    fprintf(stderr, "\r%s [%s] %3.0f%% %llu/%llu %.1f %s/s ETA %.0fs ", p->label, bar, 100 * frac,
            (unsigned long long)p->done, (unsigned long long)p->total, rate, p->unit, eta);
    fflush(stderr);
}

void q35_progress_update(q35_progress *p, uint64_t done)
{
    p->done = done;
    if (p->enabled) draw(p, 0);
}

void q35_progress_end(q35_progress *p)
{
    if (!p->enabled) return;
    draw(p, 1);
    fputc('\n', stderr);
}
