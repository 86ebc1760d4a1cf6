#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "clock.h"
#include "ctl.h"
#include "shim.h"
#include "state.h"
#include "util.h"

/* The kernel notifies a v1 OOM before it picks and counts its victim (mem_cgroup_oom_notify runs
 * first), so a notification may find the counter unchanged: it is read once more this much later.
 * One read per notification, never a poll. */
#define OOM_RECHECK_MS 50

int cgroup_join(const struct config *cfg, int *failed) {
  for (unsigned i = 0; i < cfg->ncgroups; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/cgroup.procs", cfg->cgroups[i]);
    /* "0" is the writer itself, whatever its pid is in its own namespace. */
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : write(fd, "0", 1);
    int e = errno;
    if (fd >= 0) close(fd);
    if (n != 1) {
      *failed = (int)i;
      errno = fd < 0 || n < 0 ? e : EIO;
      return -1;
    }
  }
  return 0;
}

/* What cgroup_init found: directories by role (NULL: none). */
static struct {
  const char *freezer, *memory, *procs;
  bool freezer_v2, memory_v2, kill_v2;
} cg;

static struct {
  int fd; /* v1: an eventfd; v2: an inotify instance; -1: not watching */
  unsigned long long at_start, seen, run_start;
  int64_t recheck_at;
} oom = {.fd = -1};

static int open_in(const char *dir, const char *file, int flags) {
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return open(path, flags | O_CLOEXEC);
}

static bool has(const char *dir, const char *file) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  return access(path, F_OK) == 0;
}

int cgroup_write(const char *dir, const char *file, const char *value) {
  int fd _cleanup_close_ = open_in(dir, file, O_WRONLY);
  if (fd < 0) return -1;
  size_t len = strlen(value);
  ssize_t n = write(fd, value, len);
  if (n < 0) return -1;
  if ((size_t)n != len) {
    errno = EIO;
    return -1;
  }
  return 0;
}

ssize_t cgroup_read(const char *dir, const char *file, char *out, size_t len) {
  int fd _cleanup_close_ = open_in(dir, file, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, out, len - 1);
  if (n < 0) return -1;
  out[n] = '\0';
  return n;
}

/* The value of a "KEY VALUE" line (memory.oom_control, memory.events). */
static bool read_key(const char *dir, const char *file, const char *key, unsigned long long *v) {
  char text[4096];
  if (cgroup_read(dir, file, text, sizeof text) < 0) return false;
  size_t klen = strlen(key);
  for (const char *line = text;;) {
    if (strncmp(line, key, klen) == 0 && line[klen] == ' ') return sscanf(line + klen, "%llu", v) == 1;
    const char *nl = strchr(line, '\n');
    if (!nl) return false;
    line = nl + 1;
  }
}

/*
 * Roles by the files a directory has, so it works for any mix bosund passes. A v2 directory has
 * every core file (cgroup.freeze, cgroup.kill) but the memory files only with the controller.
 * Any v1 hierarchy lists every process of the container (each joined them all): the pids or the
 * memory one is preferred, as bosund always makes those.
 */
static void find_roles(const struct config *cfg) {
  const char *any = NULL;
  for (unsigned i = 0; i < cfg->ncgroups; i++) {
    const char *d = cfg->cgroups[i];
    bool v2 = has(d, "cgroup.controllers");
    if (!cg.freezer && (has(d, "freezer.state") || (v2 && has(d, "cgroup.freeze")))) {
      cg.freezer = d;
      cg.freezer_v2 = v2;
    }
    if (!cg.memory && (v2 ? has(d, "memory.events") : has(d, "memory.oom_control"))) {
      cg.memory = d;
      cg.memory_v2 = v2;
    }
    if (!v2 && has(d, "pids.max")) cg.procs = d;
    if (!any || v2) any = d;
  }
  if (!cg.procs) cg.procs = cg.memory ? cg.memory : any;
  cg.kill_v2 = cg.procs && has(cg.procs, "cgroup.controllers") && has(cg.procs, "cgroup.kill");
}

static int oom_count(unsigned long long *v) {
  if (!cg.memory) return -1;
  return read_key(cg.memory, cg.memory_v2 ? "memory.events" : "memory.oom_control", "oom_kill", v)
             ? 0
             : -1;
}

/* v1: an eventfd registered through cgroup.event_control fires on every OOM of the cgroup. The
 * kernel keeps its own references, so only the eventfd stays open. */
static int watch_v1(const char *dir) {
  int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  int ofd _cleanup_close_ = open_in(dir, "memory.oom_control", O_RDONLY);
  int cfd _cleanup_close_ = open_in(dir, "cgroup.event_control", O_WRONLY);
  char line[32];
  int n = snprintf(line, sizeof line, "%d %d", efd, ofd);
  if (efd < 0 || ofd < 0 || cfd < 0 || write(cfd, line, (size_t)n) != n) {
    if (efd >= 0) close(efd);
    return -1;
  }
  return efd;
}

/* v2: memory.events is a kernfs file that raises IN_MODIFY whenever one of its counters moves. */
static int watch_v2(const char *dir) {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  char path[4096];
  snprintf(path, sizeof path, "%s/memory.events", dir);
  if (fd >= 0 && inotify_add_watch(fd, path, IN_MODIFY) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void cgroup_init(struct shim *sh) {
  find_roles(&sh->cfg);
  if (!cg.memory) return;
  if (oom_count(&oom.at_start) != 0) {
    say("cannot read the OOM kill counter in %s: %s; OOM kills are not reported", cg.memory,
        strerror(errno));
    cg.memory = NULL;
    return;
  }
  oom.seen = oom.run_start = oom.at_start;
  oom.fd = cg.memory_v2 ? watch_v2(cg.memory) : watch_v1(cg.memory);
  /* The counter is still read at every exit: oomKilled holds without the live events. */
  if (oom.fd < 0) say("cannot watch %s for OOM kills: %s", cg.memory, strerror(errno));
}

const char *cgroup_freezer(bool *v2) {
  *v2 = cg.freezer_v2;
  return cg.freezer;
}

/* The pids of cgroup.procs, into *pids (malloc'd); how many. */
static size_t list_procs(const char *dir, pid_t **pids) {
  *pids = NULL;
  int fd _cleanup_close_ = open_in(dir, "cgroup.procs", O_RDONLY);
  if (fd < 0) return 0;
  struct buf b _cleanup_buf_ = {0};
  for (;;) {
    buf_reserve(&b, 4096);
    ssize_t r = read(fd, b.data + b.len, b.cap - b.len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    b.len += (size_t)r;
  }
  size_t n = 0, cap = 0;
  for (size_t i = 0; i < b.len;) {
    if (b.data[i] < '0' || b.data[i] > '9') {
      i++;
      continue;
    }
    long v = 0;
    while (i < b.len && b.data[i] >= '0' && b.data[i] <= '9') v = v * 10 + (b.data[i++] - '0');
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      *pids = xrealloc(*pids, cap * sizeof **pids);
    }
    (*pids)[n++] = (pid_t)v;
  }
  return n;
}

/*
 * A process that left the shim's tree (re-parented elsewhere, or put there by other means) is
 * still in the cgroup, which no process of the container can leave on its own. v2's cgroup.kill
 * kills the whole subtree at once, so no fork can outrun it; it is used only while the shim is
 * not listed (bosund never puts it there). v1 has no such switch: each listed pid is killed, and
 * the caller's next round gets what forked meanwhile. A pid that exits and is reused between the
 * read and the kill would be hit: the window is a few microseconds, and pids are reused last.
 */
int cgroup_kill_all(pid_t self) {
  if (!cg.procs) return 0;
  pid_t *pids _cleanup_free_ = NULL;
  size_t n = list_procs(cg.procs, &pids);
  bool self_in = false;
  for (size_t i = 0; i < n; i++) self_in |= pids[i] == self;
  if (n > 0 && cg.kill_v2 && !self_in && cgroup_write(cg.procs, "cgroup.kill", "1") == 0)
    return (int)n;
  for (size_t i = 0; i < n; i++)
    if (pids[i] != self) kill(pids[i], SIGKILL);
  return (int)n - (self_in ? 1 : 0);
}

int cgroup_oom_fd(void) { return oom.fd; }

static void event_oom(unsigned count) {
  struct buf b _cleanup_buf_ = {0};
  char fields[32];
  snprintf(fields, sizeof fields, "\"count\":%u", count);
  state_event_now(&b, "oom", fields);
  ctl_event(b.data, b.len);
}

/* Reads the counter; when it grew, the new total goes out as an event and into status.json. */
static void oom_check(struct shim *sh) {
  unsigned long long now;
  if (oom_count(&now) != 0 || now <= oom.seen) return;
  oom.seen = now;
  sh->st.oom_kills = (unsigned)(now - oom.at_start);
  say("OOM kill in %s (%u since the shim started)", cg.memory, sh->st.oom_kills);
  event_oom(sh->st.oom_kills);
  /* After exit.json nothing is rewritten: its presence means every other file is final. */
  if (sh->phase != PH_FINAL) state_write_status(sh->dirfd, &sh->st);
}

static void oom_unwatch(const char *why) {
  say("stopped watching %s for OOM kills: %s", cg.memory, why);
  close(oom.fd);
  oom.fd = -1;
  oom.recheck_at = 0;
}

void cgroup_oom_on_ready(struct shim *sh) {
  char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
  bool gone = false;
  ssize_t n;
  while ((n = read(oom.fd, ev, sizeof ev)) > 0) {
    /* v2: IN_IGNORED means the file went with its cgroup. v1's eventfd also fires when the
     * cgroup is removed, which the read of the counter below tells. */
    for (char *p = ev; cg.memory_v2 && p < ev + n;) {
      const struct inotify_event *e = (const struct inotify_event *)p;
      gone |= (e->mask & IN_IGNORED) != 0;
      p += sizeof *e + e->len;
    }
  }
  unsigned long long v;
  if (gone || oom_count(&v) != 0) {
    oom_unwatch("the cgroup is gone");
    return;
  }
  oom_check(sh);
  oom.recheck_at = mono_ms() + OOM_RECHECK_MS;
}

void cgroup_oom_run_start(void) {
  unsigned long long v;
  if (oom_count(&v) == 0) oom.run_start = v;
}

bool cgroup_oom_run_killed(struct shim *sh) {
  oom_check(sh);
  return oom.seen > oom.run_start;
}

int64_t cgroup_next_deadline(void) { return oom.recheck_at; }

void cgroup_on_timers(struct shim *sh, int64_t now) {
  if (!oom.recheck_at || now < oom.recheck_at) return;
  oom.recheck_at = 0;
  oom_check(sh);
}
