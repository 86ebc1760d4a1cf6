/* Exec sessions (docs/shim.md, "Exec"): extra processes run in the container's context on a
 * client's X command, with their own pipes or terminal, streamed to that client only and never
 * logged; listed in status.json and announced to subscribers. */
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

/* I, C and Z from the owner of an exec session; false if `owner` has none. */
bool exec_stdin(void *owner, const char *data, size_t len);
bool exec_stdin_close(void *owner);
bool exec_resize(void *owner, const struct winsize *ws);
void exec_owner_gone(void *owner);
/* The owner's stdin queue is full: read nothing more from it until the process takes some. */
bool exec_stdin_full(void *owner); /* the process runs on; its output is discarded */

/* K and T: the signal to every session outside the container's process group (a terminal of its
 * own, or in a --tty container); those inside get the group's. */
void exec_signal(int sig);

/* The container's main process is gone and so is every child of the shim: reads what the ended
 * sessions left in their pipes and sends their exec-exit, before the container's own exit. */
void exec_drain(struct shim *sh);

size_t exec_npoll(void);
size_t exec_pollfds(struct pollfd *pfd);
void exec_dispatch(struct shim *sh, const struct pollfd *pfd, size_t n);

#endif
