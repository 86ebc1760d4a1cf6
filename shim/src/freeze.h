/* Pause and unpause: every process of the container stops, and goes on, as one. */
#ifndef BOSUN_FREEZE_H
#define BOSUN_FREEZE_H

#include <stdbool.h>
#include <sys/types.h>

/* With a freezer among the --cgroup directories, freezes the cgroup and waits (up to
 * FREEZE_WAIT_MS) for the kernel to say it is frozen; without one (or if the freezer refuses the
 * write), SIGSTOPs the container's process group (pgid) and every other process of the
 * container, in rounds until one finds them all stopped, or FREEZE_WAIT_MS passed. Returns 0 when
 * the whole container is frozen, -1 when the cgroup is not frozen yet (it finishes on its own),
 * or how many processes were not seen stopped. */
int freeze_container(pid_t self, pid_t pgid);

/* Undoes it the way it was done: thaws the cgroup, or SIGCONTs the group and every process. */
void thaw_container(pid_t self, pid_t pgid);

/* The main process of a paused container ended and what it left was SIGKILLed: the cgroup
 * freezer is thawed so the killed processes can die (a v1-frozen task takes no signal, not even
 * SIGKILL, until thawed). Stopped processes need nothing: SIGKILL needs no SIGCONT. */
void thaw_for_kill(void);

/* Whether a SIGKILL to the paused container stays pending until a thaw: v1's freezer. */
bool freeze_holds_kill(void);

#define FREEZE_WAIT_MS 200

#endif
