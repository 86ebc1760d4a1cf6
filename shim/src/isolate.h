/* Isolation (docs/shim-isolation.md): the container's namespaces, its root filesystem, its user
 * and privileges, and exec's way into all of them. Everything here but isolate_fork_exec,
 * isolate_init_ignores and isolate_describe runs in a freshly forked child, before exec. */
#ifndef BOSUN_ISOLATE_H
#define BOSUN_ISOLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "args.h"
#include "spawn.h"

/* What failed, in exec_failure.step of an EXEC_STAGE_ISOLATE report (index: see each). */
enum isolate_step {
  ISO_HOSTNAME = 1,
  ISO_LOOPBACK,
  ISO_PRIVATE,    /* make / private */
  ISO_PROC,       /* a fresh proc on /proc */
  ISO_PROC_RO,    /* index: which read-only path */
  ISO_MASK,       /* index: which masked path */
  ISO_ROOT,       /* bind the rootfs onto itself */
  ISO_DEV,        /* tmpfs on /dev */
  ISO_DEVNODE,    /* index: which device node */
  ISO_DEVPTS,
  ISO_DEVLINK,    /* index: which symlink */
  ISO_SHM,
  ISO_SYS,
  ISO_ETC,        /* index: 0 /etc/resolv.conf, 1 /etc/hosts */
  ISO_MOUNT,      /* index: which --mount */
  ISO_MOUNT_RO,   /* index: which --mount */
  ISO_PIVOT,
  ISO_READ_ONLY,
  ISO_BOUNDING,   /* index: the capability that could not be dropped */
  ISO_AMBIENT,
  ISO_CAPSET,
  ISO_GROUPS,
  ISO_GID,
  ISO_UID,
  ISO_NO_NEW_PRIVS,
  ISO_SETNS,      /* exec: index: which namespace (0 ipc, 1 uts, 2 net, 3 mnt) */
};

/* Forks the container's process: with --ns, a clone into the new namespaces (in the child, as
 * fork). The parent's view is fork's: the host pid, or -1 with errno. */
pid_t isolate_fork(const struct config *cfg);

/* The container's child, after stdio, as root: hostname, loopback, mounts, the root filesystem.
 * 0, or -1 with *f filled. */
int isolate_container(const struct config *cfg, struct exec_failure *f);

/* An exec child: joins the ipc, uts, net and mount namespaces of the container's main process
 * `main` (those of --ns; the pid namespace is isolate_fork_exec's). 0, or -1 with *f filled. */
int isolate_enter(const struct config *cfg, pid_t main, struct exec_failure *f);

/* Both children, last before chdir: the bounding set (--caps), the user (--user), the other
 * capability sets, no_new_privs. 0, or -1 with *f filled. */
int isolate_privileges(const struct config *cfg, struct exec_failure *f);

/* The working directory to chdir to: --cwd, or "/" with --rootfs; NULL: stay where it is. */
const char *isolate_cwd(const struct config *cfg);

/* In the shim: forks an exec child, in the pid namespace of `main` with --ns pid (the shim's own
 * is untouched). As fork; a failure before the fork names its step in *step (else NULL). */
pid_t isolate_fork_exec(const struct config *cfg, pid_t main, const char **step);

/* True when `pid` is the init of a pid namespace of its own and the kernel has discarded `sig`
 * sent to it: no handler, not ignored, and a signal whose default action ends a process. */
bool isolate_init_ignores(pid_t pid, int sig);

/* The message of an EXEC_STAGE_ISOLATE failure, naming the step and the path. */
void isolate_describe(const struct config *cfg, const struct exec_failure *f, char *out, size_t len);

#endif
