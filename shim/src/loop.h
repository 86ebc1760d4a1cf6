/* The single poll loop: signals (a signalfd), the container's pipes, its stdin, the exec
 * report, the control socket and the timers. Nothing in it blocks on a client. */
#ifndef BOSUN_LOOP_H
#define BOSUN_LOOP_H

#include "shim.h"

/* Blocks SIGCHLD, SIGTERM and SIGINT (read through the returned signalfd) and ignores SIGPIPE
 * and SIGHUP. Called before the first fork, so no SIGCHLD is missed. */
int loop_signals(void);

/* Runs until the shim's work is done (exit.json written, clients flushed). */
void loop_run(struct shim *sh, int sigfd);

#endif
