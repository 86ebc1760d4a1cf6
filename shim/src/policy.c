#include "policy.h"

#include <string.h>

#include "util.h"

int policy_parse(const char *s, struct policy *out) {
  out->max_restarts = -1;
  if (strcmp(s, "no") == 0) {
    out->kind = POLICY_NO;
  } else if (strcmp(s, "always") == 0) {
    out->kind = POLICY_ALWAYS;
  } else if (strcmp(s, "unless-stopped") == 0) {
    out->kind = POLICY_UNLESS_STOPPED;
  } else if (strcmp(s, "on-failure") == 0) {
    out->kind = POLICY_ON_FAILURE;
  } else if (strncmp(s, "on-failure:", 11) == 0) {
    unsigned long long n;
    if (parse_uint(s + 11, 1000000000ULL, &n) != 0) return -1;
    out->kind = POLICY_ON_FAILURE;
    out->max_restarts = (long long)n;
  } else {
    return -1;
  }
  return 0;
}

bool policy_restarts(const struct policy *p, int exit_code, unsigned restarts_done) {
  switch (p->kind) {
  case POLICY_NO:
    return false;
  case POLICY_ALWAYS:
  case POLICY_UNLESS_STOPPED:
    return true;
  case POLICY_ON_FAILURE:
    return exit_code != 0 && (p->max_restarts < 0 || (long long)restarts_done < p->max_restarts);
  }
  return false;
}

unsigned backoff_next(unsigned delay_ms) {
  if (delay_ms == 0) return BACKOFF_FIRST_MS;
  return delay_ms >= BACKOFF_MAX_MS / 2 ? BACKOFF_MAX_MS : delay_ms * 2;
}
