/* Time: CLOCK_MONOTONIC for every timer (immune to clock steps), CLOCK_REALTIME for what
 * people read (log records, status and event times), as ISO-8601 UTC with nanoseconds. */
#ifndef BOSUN_CLOCK_H
#define BOSUN_CLOCK_H

#include <stdint.h>
#include <time.h>

#define TS_LEN 30 /* 2026-11-21T23:38:17.619726507Z */

int64_t mono_ms(void);
int64_t mono_us(void);
struct timespec wall_now(void);
/* Writes TS_LEN characters and a NUL. */
void ts_format(const struct timespec *ts, char out[TS_LEN + 1]);

#endif
