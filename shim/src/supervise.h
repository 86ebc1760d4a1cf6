/* The container's lifecycle: start, exits, leftovers, the restart policy, stop. Every change
 * goes to status.json (and exit.json at the end) and out as an event. */
#ifndef BOSUN_SUPERVISE_H
#define BOSUN_SUPERVISE_H

#include "shim.h"

void sup_on_sigchld(struct shim *sh);
void sup_on_exec_report(struct shim *sh);
void sup_on_output_eof(struct shim *sh);
void sup_on_timers(struct shim *sh, int64_t now);
int64_t sup_next_deadline(const struct shim *sh);
bool sup_done(const struct shim *sh, int64_t now);

/* Commands. sup_start returns true when the reply is deferred until the exec report. */
bool sup_start(struct shim *sh, struct buf *reply);
void sup_kill(struct shim *sh, int sig, struct buf *reply);
void sup_stop(struct shim *sh, int sig, int64_t timeout_ms, bool by_user);
/* A stop by the shim itself (a sandbox bound), with the reason exit.json and the final exit event
 * give (unless a stop is already under way, whose reason stands); sig 0 sends nothing now. */
void sup_stop_for(struct shim *sh, const char *reason, int sig, int64_t timeout_ms);
void sup_pause(struct shim *sh, struct buf *reply);
void sup_unpause(struct shim *sh, struct buf *reply);
void sup_status_event(const struct shim *sh, struct buf *out);
/* Z: the size of the container's terminal (--tty), now and for every restart. */
void sup_resize(struct shim *sh, const struct winsize *ws);

#endif
