/* The container's cgroups (docs/shim-limits.md): bosund makes them and writes the limits; the
 * shim's children join them before exec, so nothing of the container runs outside them. The shim
 * itself stays outside: it freezes, kills and watches them from there. */
#ifndef BOSUN_CGROUP_H
#define BOSUN_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "args.h"

struct shim;

/* In a child, before exec: moves the calling process into every --cgroup directory. 0, or -1
 * with errno and *failed set to the index of the directory that refused it. */
int cgroup_join(const struct config *cfg, int *failed);

/* In the shim, once, before it serves commands: finds which --cgroup directory has the freezer,
 * the memory controller and the process list to kill from, and starts watching for OOM kills. */
void cgroup_init(struct shim *sh);

/* One interface file, in one write(2) (cgroupfs parses each write on its own) / one read. 0 or
 * the length read; -1 with errno. */
int cgroup_write(const char *dir, const char *file, const char *value);
ssize_t cgroup_read(const char *dir, const char *file, char *out, size_t len);

/* The directory whose freezer pauses the container, v2's cgroup.freeze (*v2) or v1's
 * freezer.state; NULL when none of the --cgroup directories has one. */
const char *cgroup_freezer(bool *v2);

/* SIGKILLs every process listed in the container's cgroup (v2: cgroup.kill), never the shim.
 * Returns how many were listed: 0 when it is empty, or there is no cgroup. */
int cgroup_kill_all(pid_t self);

/* OOM kills, from v1's eventfd on memory.oom_control or v2's inotify on memory.events: the fd
 * to poll (-1: no memory cgroup, nothing to watch) and what to do when it is readable. */
int cgroup_oom_fd(void);
void cgroup_oom_on_ready(struct shim *sh);
/* A run of the main process starts / has ended: whether OOM kills happened since its start (the
 * counter is read again: the notification of the last kill may not have been read yet). */
void cgroup_oom_run_start(void);
bool cgroup_oom_run_killed(struct shim *sh);
/* The re-read that follows each notification (see cgroup.c). */
int64_t cgroup_next_deadline(void);
void cgroup_on_timers(struct shim *sh, int64_t now);

#endif
