/* q35/progress.h: a progress bar for long jobs. It draws on stderr only when stderr is a
 * terminal, and stays silent in a pipe or a log file. */
#ifndef Q35_PROGRESS_H
#define Q35_PROGRESS_H

#include <stdint.h>

typedef struct q35_progress {
    const char *label;
    uint64_t total;
    uint64_t done;
    double t_start;
    double t_last_draw;
    int enabled;
    const char *unit; /* e.g. "tok", "tensors"; used for the rate */
} q35_progress;

void q35_progress_begin(q35_progress *p, const char *label, uint64_t total, const char *unit);
void q35_progress_update(q35_progress *p, uint64_t done);
void q35_progress_end(q35_progress *p);

#endif
