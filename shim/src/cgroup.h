/* The container's cgroups (docs/shim.md, "Cgroups"): bosund makes them and writes the limits;
 * the shim's children join them before exec, so nothing of the container runs outside them. */
#ifndef BOSUN_CGROUP_H
#define BOSUN_CGROUP_H

#include "args.h"

/* In a child, before exec: moves the calling process into every --cgroup directory. 0, or -1
 * with errno and *failed set to the index of the directory that refused it. */
int cgroup_join(const struct config *cfg, int *failed);

#endif
