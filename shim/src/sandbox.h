/* Sandbox bounds (docs/shim-limits.md, "Sandbox bounds"): --max-lifetime and --heartbeat-timeout.
 * Both are timers of the loop; when one runs out the container is stopped for good, with a
 * reason (lifetime, stale). */
#ifndef BOSUN_SANDBOX_H
#define BOSUN_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "shim.h"

/* Once, before the shim serves commands: creates DIR/heartbeat and watches it (inotify). */
void sandbox_init(struct shim *sh);

/* A run of the main process starts (S, or a restart): the lifetime is counted from the first,
 * the heartbeat's silence from each. */
void sandbox_on_start(const struct shim *sh, int64_t now);
/* The main process ended: no heartbeat is due until the next start. */
void sandbox_on_exit(void);
/* A paused container cannot touch the file: the heartbeat waits, and restarts in full after U. */
void sandbox_on_pause(const struct shim *sh, bool paused, int64_t now);
/* The end: nothing more to time. */
void sandbox_disarm(void);

int sandbox_fd(void); /* the heartbeat's inotify instance; -1: none */
void sandbox_on_ready(struct shim *sh);
int64_t sandbox_next_deadline(void);
void sandbox_on_timers(struct shim *sh, int64_t now);

/* How long a bound's SIGTERM has before the SIGKILL: a tenth of the bound, 1 to 10 s. */
int64_t sandbox_grace_ms(uint64_t bound_ms);

#endif
