#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>

#include "clock.h"
#include "ctl.h"
#include "state.h"
#include "supervise.h"
#include "util.h"

#define HEARTBEAT_FILE "heartbeat"
/* touch(1) is IN_ATTRIB, a write IN_MODIFY, a close after writing IN_CLOSE_WRITE. The SELF
 * events say the watched inode is no longer the path's (removed, renamed away or over). */
#define HEARTBEAT_EVENTS (IN_ATTRIB | IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF)
#define HEARTBEAT_LOST (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)

static struct {
  int64_t lifetime_at, heartbeat_at; /* CLOCK_MONOTONIC ms; 0: not armed */
  bool started;                      /* the first start happened: the lifetime runs */
  bool held;                         /* the heartbeat was due when the container was paused */
  int fd, wd;                        /* inotify on DIR/heartbeat; -1: none */
} sb = {.fd = -1, .wd = -1};

static int64_t after(int64_t now, uint64_t ms) {
  return ms > (uint64_t)(INT64_MAX - now) ? INT64_MAX : now + (int64_t)ms;
}

int64_t sandbox_grace_ms(uint64_t bound_ms) {
  uint64_t g = bound_ms / 10;
  return g < 1000 ? 1000 : g > 10000 ? 10000 : (int64_t)g;
}

/* Owned by the container's user (--user): touching a file needs ownership or write access. */
static int create_file(const struct shim *sh, bool truncate) {
  int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (truncate ? O_TRUNC : 0);
  int fd _cleanup_close_ = openat(sh->dirfd, HEARTBEAT_FILE, flags, 0644);
  if (fd < 0) return -1;
  if (sh->cfg.has_user && fchown(fd, sh->cfg.uid, sh->cfg.gid) != 0)
    say("cannot give %s to uid %u: %s", HEARTBEAT_FILE, sh->cfg.uid, strerror(errno));
  return 0;
}

static int watch(const struct shim *sh) {
  char path[4096];
  snprintf(path, sizeof path, "%s/" HEARTBEAT_FILE, sh->cfg.dir);
  return inotify_add_watch(sb.fd, path, HEARTBEAT_EVENTS);
}

/* A bound that cannot be observed still holds: the container is stopped as stale, which says
 * why in shim.log, rather than left unbounded. */
void sandbox_init(struct shim *sh) {
  if (!sh->cfg.heartbeat_timeout_ms) return;
  sb.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (sb.fd < 0 || create_file(sh, true) != 0 || (sb.wd = watch(sh)) < 0)
    say("cannot create or watch DIR/%s: %s; touches will not be seen", HEARTBEAT_FILE,
        strerror(errno));
}

void sandbox_on_start(const struct shim *sh, int64_t now) {
  /* Restarts by the policy do not reset the lifetime: it bounds the container, not one run. */
  if (!sb.started && sh->cfg.max_lifetime_ms) sb.lifetime_at = after(now, sh->cfg.max_lifetime_ms);
  sb.started = true;
  sb.held = false;
  if (sh->cfg.heartbeat_timeout_ms) sb.heartbeat_at = after(now, sh->cfg.heartbeat_timeout_ms);
}

void sandbox_on_exit(void) { sb.heartbeat_at = 0, sb.held = false; }

void sandbox_on_pause(const struct shim *sh, bool paused, int64_t now) {
  if (paused && sb.heartbeat_at) {
    sb.heartbeat_at = 0;
    sb.held = true;
  } else if (!paused && sb.held) {
    sb.held = false;
    sb.heartbeat_at = after(now, sh->cfg.heartbeat_timeout_ms);
  }
}

void sandbox_disarm(void) { sb.lifetime_at = sb.heartbeat_at = 0, sb.held = false; }

int sandbox_fd(void) { return sb.fd; }

/* The path is what the container (and bosund's route) touch: watch whatever file is there now. */
static void rewatch(struct shim *sh) {
  inotify_rm_watch(sb.fd, sb.wd); /* gone already, or renamed away: either way not the path's */
  sb.wd = -1;
  if (create_file(sh, false) != 0 || (sb.wd = watch(sh)) < 0)
    say("cannot watch DIR/%s again: %s; touches will not be seen", HEARTBEAT_FILE, strerror(errno));
}

void sandbox_on_ready(struct shim *sh) {
  char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
  bool touched = false, lost = false;
  ssize_t n;
  while ((n = read(sb.fd, ev, sizeof ev)) > 0) {
    for (char *p = ev; p < ev + n;) {
      const struct inotify_event *e = (const struct inotify_event *)p;
      p += sizeof *e + e->len;
      if (e->wd != sb.wd) continue; /* the last words of a watch already replaced */
      touched = true;
      lost |= (e->mask & HEARTBEAT_LOST) != 0;
    }
  }
  if (lost) rewatch(sh);
  if (touched && sb.heartbeat_at) sb.heartbeat_at = after(mono_ms(), sh->cfg.heartbeat_timeout_ms);
}

int64_t sandbox_next_deadline(void) {
  int64_t a = sb.lifetime_at, b = sb.heartbeat_at;
  return !a ? b : !b ? a : a < b ? a : b;
}

static void event_sandbox(const char *what) {
  struct buf b _cleanup_buf_ = {0};
  char fields[64];
  snprintf(fields, sizeof fields, "\"what\":\"%s\"", what);
  state_event_now(&b, "sandbox", fields);
  ctl_event(b.data, b.len);
}

/* A stop under way (a T) keeps its reason and gets no event, but the bound's SIGKILL deadline
 * still holds if it comes sooner. */
static void expire(struct shim *sh, const char *what, const char *reason, uint64_t bound_ms) {
  if (sh->phase == PH_FINAL) return;
  bool first = !sh->stop_requested;
  if (first) {
    say("sandbox: %s bound of %llu ms reached: stopping the container (%s)", what,
        (unsigned long long)bound_ms, reason);
    event_sandbox(what);
  }
  sup_stop_for(sh, reason, first ? SIGTERM : 0, sandbox_grace_ms(bound_ms));
}

void sandbox_on_timers(struct shim *sh, int64_t now) {
  if (sb.lifetime_at && now >= sb.lifetime_at) {
    sb.lifetime_at = 0;
    expire(sh, "lifetime", "lifetime", sh->cfg.max_lifetime_ms);
  }
  if (sb.heartbeat_at && now >= sb.heartbeat_at) {
    sb.heartbeat_at = 0;
    expire(sh, "heartbeat", "stale", sh->cfg.heartbeat_timeout_ms);
  }
}
