/* Starting an exec'd process (docs/shim.md, "Exec"): the X payload, its pipes or terminal, the
 * fork into the container's context, and the wait for its exec report. */
#ifndef BOSUN_EXEC_FORK_H
#define BOSUN_EXEC_FORK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "shim.h"

struct exec_child {
  pid_t pid;      /* 0: none was forked */
  bool tty;       /* its own terminal: out_fd and in_fd are dups of the master, err_fd -1 */
  bool own_group; /* outside the container's process group (a terminal of its own, or --tty's) */
  int out_fd, err_fd, in_fd;
  int pty_fd;    /* tty: the master, kept for the window size; -1 otherwise */
  char *command; /* its arguments as a JSON array (malloc'd) */
};

/* Parses an X payload and forks its process. 0: it runs (*c filled). -1: `reply` holds the err,
 * and c->pid is a failed child, to be reaped, or 0. */
int exec_fork(const struct shim *sh, const char *payload, size_t len, struct exec_child *c,
              struct buf *reply);

#endif
