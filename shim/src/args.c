#include "args.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

int args_parse(int argc, char **argv, struct config *cfg, char *err, size_t errlen) {
  *cfg = (struct config){.policy = {POLICY_NO, -1}, .log_max_files = 1};
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (strcmp(a, "--stdin") == 0) {
      cfg->stdin_pipe = true;
      continue;
    }
    if (strcmp(a, "--tty") == 0) {
      cfg->tty = true;
      continue;
    }
    bool takes_value = strcmp(a, "--dir") == 0 || strcmp(a, "--cwd") == 0 ||
                       strcmp(a, "--restart") == 0 || strcmp(a, "--log-max-size") == 0 ||
                       strcmp(a, "--log-max-files") == 0;
    if (!takes_value) {
      snprintf(err, errlen, "unknown option %s (the command comes after --)", a);
      return -1;
    }
    if (i + 1 >= argc) {
      snprintf(err, errlen, "%s needs a value", a);
      return -1;
    }
    const char *v = argv[++i];
    unsigned long long n;
    if (strcmp(a, "--dir") == 0) {
      cfg->dir = v;
    } else if (strcmp(a, "--cwd") == 0) {
      cfg->cwd = v;
    } else if (strcmp(a, "--restart") == 0) {
      if (policy_parse(v, &cfg->policy) != 0) {
        snprintf(err, errlen,
                 "invalid --restart %s (no, always, unless-stopped, on-failure, on-failure:N)", v);
        return -1;
      }
    } else if (strcmp(a, "--log-max-size") == 0) {
      if (parse_uint(v, (1ULL << 62), &n) != 0) {
        snprintf(err, errlen, "invalid --log-max-size %s (a number of bytes)", v);
        return -1;
      }
      cfg->log_max_size = n;
    } else {
      if (parse_uint(v, 1000000, &n) != 0 || n < 1) {
        snprintf(err, errlen, "invalid --log-max-files %s (a number >= 1)", v);
        return -1;
      }
      cfg->log_max_files = (unsigned)n;
    }
  }
  if (!cfg->dir || !*cfg->dir) {
    snprintf(err, errlen, "--dir is required");
    return -1;
  }
  if (i >= argc || !*argv[i]) {
    snprintf(err, errlen, "no command (give it after --)");
    return -1;
  }
  cfg->argv = argv + i;
  return 0;
}
