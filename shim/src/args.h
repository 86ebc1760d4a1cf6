/* The command line (docs/shim.md, "Command line"). */
#ifndef BOSUN_ARGS_H
#define BOSUN_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

struct config {
  const char *dir;
  const char *cwd; /* NULL: the shim's cwd */
  struct policy policy;
  bool stdin_pipe;
  bool tty; /* a pseudo-terminal instead of pipes */
  uint64_t log_max_size; /* 0: no cap */
  unsigned log_max_files;
  char **argv; /* COMMAND ARG..., NULL-terminated */
};

/* 0, or -1 with a message in err. */
int args_parse(int argc, char **argv, struct config *cfg, char *err, size_t errlen);

#define USAGE                                                                                    \
  "usage: bosun-shim --dir DIR [--cwd DIR] [--restart POLICY] [--stdin] [--tty]\n"               \
  "                  [--log-max-size BYTES] [--log-max-files N] -- COMMAND [ARG...]\n"

#endif
