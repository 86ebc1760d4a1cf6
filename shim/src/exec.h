/* Exec sessions (docs/shim.md, "Exec"): extra processes run in the container's context on a
 * client's X command, with their own pipes, streamed to that client only and never logged. */
#ifndef BOSUN_EXEC_H
#define BOSUN_EXEC_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "shim.h"

/* Starts one from an X payload for `owner` (a ctl client); fills the reply (ok ID PID / err). */
void exec_start(struct shim *sh, void *owner, const char *payload, size_t len, struct buf *reply);

/* A reaped child: true if it was an exec'd process (never the container's exit). */
bool exec_reaped(pid_t pid, int status);
bool exec_is(pid_t pid);

/* I and C from the owner of an exec session; false if `owner` has none. */
bool exec_stdin(void *owner, const char *data, size_t len);
bool exec_stdin_close(void *owner);
void exec_owner_gone(void *owner); /* the process runs on; its output is discarded */

size_t exec_npoll(void);
size_t exec_pollfds(struct pollfd *pfd);
void exec_dispatch(const struct pollfd *pfd, size_t n);

#endif
