/* Pause and unpause: every process of the container stops, and goes on, as one. */
#ifndef BOSUN_FREEZE_H
#define BOSUN_FREEZE_H

#include <sys/types.h>

/* SIGSTOPs the container's process group (pgid) and every other process of the container, in
 * rounds until one finds them all stopped, or FREEZE_WAIT_MS passed. Returns how many were not
 * seen stopped (0: the whole container is frozen). */
int freeze_container(pid_t self, pid_t pgid);

/* SIGCONTs the group and every process of the container. */
void thaw_container(pid_t self, pid_t pgid);

#define FREEZE_WAIT_MS 200

#endif
