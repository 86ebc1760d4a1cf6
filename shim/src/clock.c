#include "clock.h"

#include <string.h>

int64_t mono_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int64_t mono_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

struct timespec wall_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return t;
}

void ts_format(const struct timespec *ts, char out[TS_LEN + 1]) {
  /* The seconds part changes once a second; the log path formats a stamp per read, so
   * gmtime_r runs at most once a second. */
  static time_t cached_sec = (time_t)-1;
  static char cached[20]; /* YYYY-MM-DDTHH:MM:SS */
  if (ts->tv_sec != cached_sec) {
    struct tm tm;
    gmtime_r(&ts->tv_sec, &tm);
    strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_sec = ts->tv_sec;
  }
  memcpy(out, cached, 19);
  out[19] = '.';
  long ns = ts->tv_nsec;
  for (int i = 28; i >= 20; i--) {
    out[i] = (char)('0' + ns % 10);
    ns /= 10;
  }
  out[29] = 'Z';
  out[30] = '\0';
}
