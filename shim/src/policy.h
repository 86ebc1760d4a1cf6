/* The restart policy and its backoff: pure decisions over data, no I/O. */
#ifndef BOSUN_POLICY_H
#define BOSUN_POLICY_H

#include <stdbool.h>
#include <stdint.h>

enum policy_kind { POLICY_NO, POLICY_ALWAYS, POLICY_UNLESS_STOPPED, POLICY_ON_FAILURE };

struct policy {
  enum policy_kind kind;
  long long max_restarts; /* on-failure:N; -1 = no limit */
};

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 10000
#define STABLE_RUN_MS 10000 /* a run this long resets the backoff */

int policy_parse(const char *s, struct policy *out);

/* Whether an exit that was not caused by a stop is followed by a restart. */
bool policy_restarts(const struct policy *p, int exit_code, unsigned restarts_done);

/* The delay after `delay_ms`: 0 (immediate), then 100, 200, 400, ... capped at 10 s. */
unsigned backoff_next(unsigned delay_ms);

#endif
