/* The command line (docs/shim.md, "Command line"). */
#ifndef BOSUN_ARGS_H
#define BOSUN_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define MAX_CGROUPS 8
#define MAX_MOUNTS 64

/* -v HOST:CONTAINER[:ro] */
struct mount_spec {
  char *src, *dst;
  bool ro;
};

struct config {
  const char *dir;
  const char *cwd; /* NULL: the shim's cwd */
  struct policy policy;
  bool stdin_pipe;
  bool tty; /* a pseudo-terminal instead of pipes */
  uint64_t log_max_size; /* 0: no cap */
  unsigned log_max_files;

  /* Limits (docs/shim.md, "Cgroups"): directories every process of the container joins before
   * exec (one per v1 hierarchy, or the one v2 directory), made by bosund. */
  const char *cgroups[MAX_CGROUPS];
  unsigned ncgroups;

  /* Sandbox bounds (docs/shim.md, "Sandbox"); 0: none. */
  uint64_t max_lifetime_ms, heartbeat_timeout_ms;

  /* Isolation (docs/shim.md, "Isolation"). */
  int ns_flags;         /* CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET */
  const char *hostname; /* needs the uts namespace */
  const char *rootfs;   /* needs the mount namespace */
  bool read_only;       /* the root filesystem read-only (with rootfs) */
  struct mount_spec mounts[MAX_MOUNTS];
  unsigned nmounts;
  bool has_user;
  unsigned uid, gid;
  bool no_new_privs;
  bool has_caps;
  uint64_t caps; /* the capability bounding set to keep, a bit per capability number */

  char **argv; /* COMMAND ARG..., NULL-terminated */
};

/* 0, or -1 with a message in err. */
int args_parse(int argc, char **argv, struct config *cfg, char *err, size_t errlen);

#define USAGE                                                                                    \
  "usage: bosun-shim --dir DIR [--cwd DIR] [--restart POLICY] [--stdin] [--tty]\n"               \
  "                  [--log-max-size BYTES] [--log-max-files N] [--cgroup DIR]...\n"             \
  "                  [--max-lifetime MS] [--heartbeat-timeout MS] [--ns pid,mount,uts,ipc,net]\n" \
  "                  [--hostname NAME] [--rootfs DIR] [--read-only] [--mount SRC:DST[:ro]]...\n"  \
  "                  [--user UID[:GID]] [--no-new-privs] [--caps NAME,...]\n"                    \
  "                  -- COMMAND [ARG...]\n"

#endif
