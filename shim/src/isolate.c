#include "isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "caps.h"
#include "util.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Fills *f from errno; returns -1 for `return fail(...)`. */
static int fail(struct exec_failure *f, int step, int index) {
  *f = (struct exec_failure){.stage = EXEC_STAGE_ISOLATE, .err = errno, .index = index, .step = step};
  return -1;
}

pid_t isolate_fork(const struct config *cfg) {
  if (!cfg->ns_flags) return fork();
  /* clone without a new stack behaves as fork in the child (the shim is single-threaded, so
   * glibc's fork handlers have nothing to do); with CLONE_NEWPID the child is PID 1 of the new
   * namespace, while clone returns to the shim its pid in the shim's own. */
  return (pid_t)syscall(SYS_clone, (unsigned long)cfg->ns_flags | SIGCHLD, 0, 0, 0, 0);
}

/* --hostname, or the last component of --dir cut to 12 characters: the shim never learns the
 * container's id, and bosund names DIR after it. */
static const char *hostname(const struct config *cfg, char buf[13]) {
  if (cfg->hostname) return cfg->hostname;
  size_t end = strlen(cfg->dir);
  while (end > 1 && cfg->dir[end - 1] == '/') end--;
  size_t start = end;
  while (start > 0 && cfg->dir[start - 1] != '/') start--;
  size_t n = end - start > 12 ? 12 : end - start;
  memcpy(buf, cfg->dir + start, n);
  buf[n] = '\0';
  return buf;
}

/* A new network namespace has one device, lo, and it is down: nothing could even reach
 * 127.0.0.1 until it is up. */
static int loopback_up(void) {
  int s _cleanup_close_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, "lo", 3);
  if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0) return -1;
  ifr.ifr_flags |= IFF_UP;
  return ioctl(s, SIOCSIFFLAGS, &ifr);
}

/* /proc/self/fd/N: mount(2) follows this magic link to the very object the fd holds, so a target
 * resolved once (open_in) is the one mounted on, whatever the tree's links say by then. Usable
 * while the host's /proc is mounted, that is until pivot_root. */
static const char *fd_path(int fd, char buf[32]) {
  snprintf(buf, 32, "/proc/self/fd/%d", fd);
  return buf;
}

static int resolve(int rootfd, const char *path) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

/* PATH (absolute) inside the tree `rootfd`, as an O_PATH fd. Links resolve as if rootfd were "/"
 * (RESOLVE_IN_ROOT, Linux 5.6): an absolute or ../ link in an image never leads to the host's
 * files. With `kind` S_IFDIR or S_IFREG, a missing path is made, and each missing directory on
 * the way, one name at a time under a parent resolved the same way; mkdirat and mknodat never
 * follow a link, so nothing is ever created outside the tree. -1 with errno. */
static int open_in(int rootfd, const char *path, mode_t kind) {
  int fd = resolve(rootfd, path);
  if (fd >= 0 || errno != ENOENT || !kind) return fd;
  const char *slash = strrchr(path, '/');
  char parent[4096];
  if (!slash || (size_t)(slash - path) >= sizeof parent) return -1;
  memcpy(parent, path, (size_t)(slash - path));
  parent[slash - path] = '\0';
  int dir _cleanup_close_ = open_in(rootfd, *parent ? parent : "/", S_IFDIR);
  if (dir < 0) return -1;
  int r = S_ISDIR(kind) ? mkdirat(dir, slash + 1, 0755) : mknodat(dir, slash + 1, S_IFREG | 0644, 0);
  if (r != 0 && errno != EEXIST) return -1;
  return resolve(rootfd, path);
}

/* A bind remount sets exactly the flags it is given: the ones already on the mount are read back
 * and kept, or read-only would lift nosuid, nodev or noexec. */
static int remount_ro(const char *path, unsigned long extra) {
  static const struct {
    unsigned long st, ms;
  } kept[] = {{ST_NOSUID, MS_NOSUID},   {ST_NODEV, MS_NODEV},           {ST_NOEXEC, MS_NOEXEC},
              {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME}};
  struct statvfs sv;
  if (statvfs(path, &sv) != 0) return -1;
  for (size_t i = 0; i < COUNT(kept); i++)
    if (sv.f_flag & kept[i].st) extra |= kept[i].ms;
  return mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | extra, NULL);
}

/* Binds the host's `src` onto `dst` in the tree (`flags`: MS_BIND, or with MS_REC the mounts
 * below src too), then with `ro` remounts it read-only: only that mount, not those below it. */
static int bind_in(int rootfd, const char *src, const char *dst, mode_t kind, unsigned long flags,
                   bool ro) {
  char p[32];
  int fd _cleanup_close_ = open_in(rootfd, dst, kind);
  if (fd < 0 || mount(src, fd_path(fd, p), NULL, flags, NULL) != 0) return -1;
  if (!ro) return 0;
  /* fd holds what the bind covered; the remount needs the new mount's root: a new lookup. */
  int top _cleanup_close_ = resolve(rootfd, dst);
  return top < 0 ? -1 : remount_ro(fd_path(top, p), MS_NOSUID | MS_NODEV);
}

static int mount_in(int rootfd, const char *fs, const char *dst, unsigned long flags,
                    const char *data) {
  char p[32];
  int fd _cleanup_close_ = open_in(rootfd, dst, S_IFDIR);
  return fd < 0 ? -1 : mount(fs, fd_path(fd, p), fs, flags, data);
}

static const struct {
  const char *name;
  unsigned major, minor;
} devices[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
               {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

static const char *const dev_links[][2] = {{"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
                                           {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
                                           {"ptmx", "pts/ptmx"}};

/* A device node, 0666 whatever the umask. Where mknod is refused (EPERM: a device cgroup, no
 * CAP_MKNOD), the host's node is bound onto an empty file instead. */
static int device(int devfd, size_t i) {
  const char *name = devices[i].name;
  if (mknodat(devfd, name, S_IFCHR | 0666, makedev(devices[i].major, devices[i].minor)) == 0)
    return fchmodat(devfd, name, 0666, 0);
  if (errno != EPERM || mknodat(devfd, name, S_IFREG | 0666, 0) != 0) return -1;
  char host[32], p[32];
  snprintf(host, sizeof host, "/dev/%s", name);
  int fd _cleanup_close_ = openat(devfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  return fd < 0 ? -1 : mount(host, fd_path(fd, p), NULL, MS_BIND, NULL);
}

/* A minimal /dev of its own: a tmpfs (not nodev: it holds the nodes), the nodes, the links, a
 * devpts instance of its own (newinstance: the container's terminals are not the host's, and
 * /dev/ptmx must lead to its ptmx), and a tmpfs for POSIX shared memory. */
static int make_dev(int rootfd, struct exec_failure *f) {
  if (mount_in(rootfd, "tmpfs", "/dev", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") != 0)
    return fail(f, ISO_DEV, 0);
  int dev _cleanup_close_ = resolve(rootfd, "/dev"); /* now the tmpfs */
  if (dev < 0) return fail(f, ISO_DEV, 0);
  for (size_t i = 0; i < COUNT(devices); i++)
    if (device(dev, i) != 0) return fail(f, ISO_DEVNODE, (int)i);
  for (size_t i = 0; i < COUNT(dev_links); i++)
    if (symlinkat(dev_links[i][1], dev, dev_links[i][0]) != 0) return fail(f, ISO_DEVLINK, (int)i);
  if (mount_in(rootfd, "devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC,
               "newinstance,ptmxmode=0666,mode=0620,gid=5") != 0)
    return fail(f, ISO_DEVPTS, 0);
  if (mount_in(rootfd, "tmpfs", "/dev/shm", MS_NOSUID | MS_NODEV | MS_NOEXEC,
               "mode=1777,size=65536k") != 0)
    return fail(f, ISO_SHM, 0);
  return 0;
}

/* A sysfs lists the network devices of the namespace that mounts it: a fresh one with a network
 * namespace of the container's own; otherwise the host's, bound without what is mounted below it
 * (cgroup filesystems, tracing), which a read-only remount would leave writable. */
static int make_sys(const struct config *cfg, int rootfd, struct exec_failure *f) {
  int r = cfg->ns_flags & CLONE_NEWNET
              ? mount_in(rootfd, "sysfs", "/sys", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)
              : bind_in(rootfd, "/sys", "/sys", S_IFDIR, MS_BIND, true);
  return r != 0 ? fail(f, ISO_SYS, 0) : 0;
}

/* Docker's lists. Uid 0 needs no capability to write most of /proc/sys or /proc/sysrq-trigger
 * (one byte there reboots the machine): those are read-only. The masked ones leak the host's
 * memory (kcore), keys, timers or firmware: /dev/null over a file, a read-only tmpfs over a
 * directory. What this kernel lacks is skipped. */
static const char *const read_only_paths[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                              "/proc/sysrq-trigger"};
static const char *const masked_paths[] = {
    "/proc/acpi",        "/proc/asound",      "/proc/interrupts",   "/proc/kcore",
    "/proc/keys",        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
    "/proc/sched_debug", "/proc/scsi",        "/sys/firmware",      "/sys/devices/virtual/powercap",
};

/* Binds a path of the tree onto itself and remounts that read-only. */
static int self_bind_ro(int rootfd, const char *path) {
  char p[32], q[32];
  int fd _cleanup_close_ = resolve(rootfd, path);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  if (mount(fd_path(fd, p), fd_path(fd, q), NULL, MS_BIND | MS_REC, NULL) != 0) return -1;
  int top _cleanup_close_ = resolve(rootfd, path);
  return top < 0 ? -1 : remount_ro(fd_path(top, p), MS_NOSUID | MS_NODEV | MS_NOEXEC);
}

static int mask(int rootfd, const char *path) {
  char p[32];
  struct stat st;
  int fd _cleanup_close_ = resolve(rootfd, path);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  if (fstat(fd, &st) != 0) return -1;
  return S_ISDIR(st.st_mode) ? mount("tmpfs", fd_path(fd, p), "tmpfs", MS_RDONLY, "size=0")
                             : mount("/dev/null", fd_path(fd, p), NULL, MS_BIND, NULL);
}

/* After a fresh /proc (and with a rootfs, /sys) is mounted in the tree; `sys`: /sys's too. */
static int harden(int rootfd, bool sys, struct exec_failure *f) {
  for (size_t i = 0; i < COUNT(read_only_paths); i++)
    if (self_bind_ro(rootfd, read_only_paths[i]) != 0) return fail(f, ISO_PROC_RO, (int)i);
  for (size_t i = 0; i < COUNT(masked_paths); i++)
    if ((sys || strncmp(masked_paths[i], "/sys/", 5) != 0) && mask(rootfd, masked_paths[i]) != 0)
      return fail(f, ISO_MASK, (int)i);
  return 0;
}

static const char *const etc_files[] = {"/etc/resolv.conf", "/etc/hosts"};

/* The host's name resolution, read-only, when the image has an /etc to put it in. */
static int bind_etc(int rootfd, struct exec_failure *f) {
  struct stat st;
  int etc _cleanup_close_ = resolve(rootfd, "/etc");
  if (etc < 0 || fstat(etc, &st) != 0 || !S_ISDIR(st.st_mode)) return 0;
  for (size_t i = 0; i < COUNT(etc_files); i++) {
    if (access(etc_files[i], F_OK) != 0) continue; /* the host has none */
    if (bind_in(rootfd, etc_files[i], etc_files[i], S_IFREG, MS_BIND, true) != 0)
      return fail(f, ISO_ETC, (int)i);
  }
  return 0;
}

/* --mount: recursive binds. A missing target is made in the rootfs, a directory or an empty file
 * as its source is; without --rootfs the target is the host's own path and must exist. */
static int user_mounts(const struct config *cfg, int rootfd, struct exec_failure *f) {
  for (unsigned i = 0; i < cfg->nmounts; i++) {
    const struct mount_spec *m = &cfg->mounts[i];
    struct stat st;
    if (stat(m->src, &st) != 0) return fail(f, ISO_MOUNT, (int)i);
    mode_t kind = !cfg->rootfs ? 0 : S_ISDIR(st.st_mode) ? S_IFDIR : S_IFREG;
    if (bind_in(rootfd, m->src, m->dst, kind, MS_BIND | MS_REC, false) != 0)
      return fail(f, ISO_MOUNT, (int)i);
    char p[32];
    int top _cleanup_close_ = m->ro ? resolve(rootfd, m->dst) : -1;
    if (m->ro && (top < 0 || remount_ro(fd_path(top, p), 0) != 0))
      return fail(f, ISO_MOUNT_RO, (int)i);
  }
  return 0;
}

static int make_root(const struct config *cfg, struct exec_failure *f) {
  /* pivot_root needs a mount point: the rootfs bound onto itself (with what is mounted below). */
  if (mount(cfg->rootfs, cfg->rootfs, NULL, MS_BIND | MS_REC, NULL) != 0) return fail(f, ISO_ROOT, 0);
  int root _cleanup_close_ = open(cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return fail(f, ISO_ROOT, 0);
  /* Mounted by the child, it shows the child's pid namespace (the host's without --ns pid). */
  if (mount_in(root, "proc", "/proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
    return fail(f, ISO_PROC, 0);
  if (make_dev(root, f) != 0 || make_sys(cfg, root, f) != 0 || harden(root, true, f) != 0 ||
      bind_etc(root, f) != 0 || user_mounts(cfg, root, f) != 0)
    return -1;
  /* pivot_root(".", ".") stacks the old root on top of the new one (pivot_root(2): new_root and
   * put_old may be the same directory), and the detach drops it: no directory to make in the
   * rootfs, none to remove. The host's tree is then unreachable from the container. */
  if (fchdir(root) != 0 || syscall(SYS_pivot_root, ".", ".") != 0 || umount2(".", MNT_DETACH) != 0 ||
      chdir("/") != 0)
    return fail(f, ISO_PIVOT, 0);
  /* Last, once every mount point exists; /proc, /dev, /sys and the binds are mounts of their own
   * and keep their own flags. */
  if (cfg->read_only && remount_ro("/", 0) != 0) return fail(f, ISO_READ_ONLY, 0);
  return 0;
}

int isolate_container(const struct config *cfg, struct exec_failure *f) {
  char name[13];
  const char *host = hostname(cfg, name);
  if ((cfg->ns_flags & CLONE_NEWUTS) && sethostname(host, strlen(host)) != 0)
    return fail(f, ISO_HOSTNAME, 0);
  if ((cfg->ns_flags & CLONE_NEWNET) && loopback_up() != 0) return fail(f, ISO_LOOPBACK, 0);
  if (!(cfg->ns_flags & CLONE_NEWNS)) return 0;
  /* The new mount namespace is a copy whose mounts keep the host's propagation: through a shared
   * one, every mount made below would appear on the host too. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return fail(f, ISO_PRIVATE, 0);
  if (cfg->rootfs) return make_root(cfg, f);
  int root _cleanup_close_ = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return fail(f, ISO_PRIVATE, 0);
  if (cfg->ns_flags & CLONE_NEWPID) {
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
      return fail(f, ISO_PROC, 0);
    if (harden(root, false, f) != 0) return -1;
  }
  return user_mounts(cfg, root, f);
}

int isolate_privileges(const struct config *cfg, struct exec_failure *f) {
  int cap = 0;
  /* First: dropping from the bounding set needs CAP_SETPCAP, which uid 0 has. */
  if (cfg->has_caps && caps_bound(cfg->caps, &cap) != 0) return fail(f, ISO_BOUNDING, cap);
  if (cfg->has_caps && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
    return fail(f, ISO_AMBIENT, 0);
  if (cfg->has_user) {
    if (setgroups(0, NULL) != 0) return fail(f, ISO_GROUPS, 0);
    if (setgid(cfg->gid) != 0) return fail(f, ISO_GID, 0);
    /* Leaving uid 0 empties the permitted and effective sets (no SECBIT_KEEP_CAPS): after exec a
     * non-root user holds only what file capabilities grant, within the bounding set. */
    if (setuid(cfg->uid) != 0) return fail(f, ISO_UID, 0);
  }
  /* After the user switch, which needs CAP_SETUID and CAP_SETGID even when --caps leaves them
   * out. For root, exec grants the whole bounding set again; the inheritable set it keeps. */
  if (cfg->has_caps && caps_limit(cfg->caps) != 0) return fail(f, ISO_CAPSET, 0);
  if (cfg->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return fail(f, ISO_NO_NEW_PRIVS, 0);
  return 0;
}

const char *isolate_cwd(const struct config *cfg) {
  return cfg->cwd ? cfg->cwd : cfg->rootfs ? "/" : NULL;
}

static const struct {
  const char *name;
  int flag;
} joined[] = {{"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"net", CLONE_NEWNET}, {"mnt", CLONE_NEWNS}};

int isolate_enter(const struct config *cfg, pid_t main, struct exec_failure *f) {
  int fds[COUNT(joined)];
  int r = 0;
  /* Every one opened before any is joined: /proc is the host's until the mount namespace, last,
   * is joined; joining it also makes the root and cwd the namespace's (its pivoted rootfs). */
  for (size_t i = 0; i < COUNT(joined); i++) {
    fds[i] = -1;
    if (r != 0 || !(cfg->ns_flags & joined[i].flag)) continue;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)main, joined[i].name);
    fds[i] = open(path, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) r = fail(f, ISO_SETNS, (int)i);
  }
  for (size_t i = 0; i < COUNT(joined) && r == 0; i++)
    if (fds[i] >= 0 && setns(fds[i], joined[i].flag) != 0) r = fail(f, ISO_SETNS, (int)i);
  for (size_t i = 0; i < COUNT(joined); i++)
    if (fds[i] >= 0) close(fds[i]);
  return r;
}

pid_t isolate_fork_exec(const struct config *cfg, pid_t main, const char **step) {
  *step = NULL;
  if (!(cfg->ns_flags & CLONE_NEWPID)) return fork();
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)main);
  int own _cleanup_close_ = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
  int theirs _cleanup_close_ = open(path, O_RDONLY | O_CLOEXEC);
  /* setns(CLONE_NEWPID) never moves the caller: it sets the namespace of its next children
   * (pid_for_children). The child is born in the container's namespace, and fork returns its
   * pid in the shim's. */
  if (own < 0 || theirs < 0 || setns(theirs, CLONE_NEWPID) != 0) {
    *step = "join the container's pid namespace";
    return -1;
  }
  pid_t pid = fork();
  if (pid == 0) return 0; /* the child's own children belong in the container's namespace too */
  int e = errno;
  /* Back to the shim's own for its next children (restarts, the next exec). Returning to one's
   * own namespace is always allowed; a shim that could not would start restarts in the wrong
   * one, so it gives up. */
  if (setns(own, CLONE_NEWPID) != 0) die("cannot return to the shim's pid namespace: %s", strerror(errno));
  errno = e;
  return pid;
}

/* Signals whose default action does not end a process: ignore (SIGCHLD, SIGCONT, SIGURG,
 * SIGWINCH) or stop; and SIGKILL and SIGSTOP, which the kernel delivers to a namespace's init
 * from its ancestors' namespaces anyway. */
static bool ends_by_default(int sig) {
  switch (sig) {
  case SIGKILL: case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
  case SIGCHLD: case SIGCONT: case SIGURG: case SIGWINCH:
    return false;
  default:
    return sig > 0 && sig < NSIG;
  }
}

bool isolate_init_ignores(pid_t pid, int sig) {
  if (!ends_by_default(sig)) return false;
  char path[64], line[512];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f) return false;
  bool init = false;
  unsigned long long ign = 0, cgt = 0;
  while (fgets(line, sizeof line, f)) {
    /* NSpid: its pid in each namespace from the shim's down; the last is its own namespace's. */
    if (strncmp(line, "NSpid:", 6) == 0) {
      char *last = strrchr(line, '\t');
      init = last && last != strchr(line, '\t') && strtol(last + 1, NULL, 10) == 1;
    } else if (strncmp(line, "SigIgn:", 7) == 0) {
      ign = strtoull(line + 7, NULL, 16);
    } else if (strncmp(line, "SigCgt:", 7) == 0) {
      cgt = strtoull(line + 7, NULL, 16);
    }
  }
  fclose(f);
  unsigned long long bit = 1ULL << (sig - 1);
  return init && !(ign & bit) && !(cgt & bit);
}

/* The step, with the path it was about; `rootfs` says whether it happened in --rootfs. */
static void step_text(const struct config *cfg, const struct exec_failure *f, char *out, size_t len) {
  char name[13];
  int i = f->index;
  const struct mount_spec *m = i >= 0 && (unsigned)i < cfg->nmounts ? &cfg->mounts[i] : NULL;
  switch (f->step) {
  case ISO_HOSTNAME: snprintf(out, len, "sethostname %s", hostname(cfg, name)); break;
  case ISO_LOOPBACK: snprintf(out, len, "bring up lo"); break;
  case ISO_PRIVATE: snprintf(out, len, "make / private"); break;
  case ISO_PROC: snprintf(out, len, "mount proc on /proc"); break;
  case ISO_PROC_RO:
    snprintf(out, len, "make %s read-only", i >= 0 && (size_t)i < COUNT(read_only_paths) ? read_only_paths[i] : "?");
    break;
  case ISO_MASK:
    snprintf(out, len, "mask %s", i >= 0 && (size_t)i < COUNT(masked_paths) ? masked_paths[i] : "?");
    break;
  case ISO_ROOT: snprintf(out, len, "bind mount"); break;
  case ISO_DEV: snprintf(out, len, "mount tmpfs on /dev"); break;
  case ISO_DEVNODE:
    snprintf(out, len, "create /dev/%s", i >= 0 && (size_t)i < COUNT(devices) ? devices[i].name : "?");
    break;
  case ISO_DEVPTS: snprintf(out, len, "mount devpts on /dev/pts"); break;
  case ISO_DEVLINK:
    snprintf(out, len, "symlink /dev/%s", i >= 0 && (size_t)i < COUNT(dev_links) ? dev_links[i][0] : "?");
    break;
  case ISO_SHM: snprintf(out, len, "mount tmpfs on /dev/shm"); break;
  case ISO_SYS:
    snprintf(out, len, cfg->ns_flags & CLONE_NEWNET ? "mount sysfs on /sys" : "bind /sys read-only");
    break;
  case ISO_ETC:
    snprintf(out, len, "bind %s read-only", i >= 0 && (size_t)i < COUNT(etc_files) ? etc_files[i] : "?");
    break;
  case ISO_MOUNT: snprintf(out, len, "mount %s on %s", m ? m->src : "?", m ? m->dst : "?"); break;
  case ISO_MOUNT_RO:
    snprintf(out, len, "mount %s on %s read-only", m ? m->src : "?", m ? m->dst : "?");
    break;
  case ISO_PIVOT: snprintf(out, len, "pivot_root"); break;
  case ISO_READ_ONLY: snprintf(out, len, "remount / read-only"); break;
  case ISO_BOUNDING:
    snprintf(out, len, "drop CAP_%s from the bounding set", caps_name(i) ? caps_name(i) : "?");
    break;
  case ISO_AMBIENT: snprintf(out, len, "clear the ambient capabilities"); break;
  case ISO_CAPSET: snprintf(out, len, "capset"); break;
  case ISO_GROUPS: snprintf(out, len, "setgroups"); break;
  case ISO_GID: snprintf(out, len, "setgid %u", cfg->gid); break;
  case ISO_UID: snprintf(out, len, "setuid %u", cfg->uid); break;
  case ISO_NO_NEW_PRIVS: snprintf(out, len, "set no_new_privs"); break;
  case ISO_SETNS:
    snprintf(out, len, "join the container's %s namespace",
             i >= 0 && (size_t)i < COUNT(joined) ? joined[i].name : "?");
    break;
  default: snprintf(out, len, "isolation"); break;
  }
}

void isolate_describe(const struct config *cfg, const struct exec_failure *f, char *out, size_t len) {
  char what[600];
  step_text(cfg, f, what, sizeof what);
  bool in_rootfs = cfg->rootfs && f->step >= ISO_PROC && f->step <= ISO_READ_ONLY;
  if (in_rootfs) snprintf(out, len, "rootfs %s: %s: %s", cfg->rootfs, what, strerror(f->err));
  else snprintf(out, len, "%s: %s", what, strerror(f->err));
}
