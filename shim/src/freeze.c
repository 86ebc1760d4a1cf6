#include "freeze.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "clock.h"
#include "reap.h"
#include "util.h"

/*
 * The cgroup freezer, when the container has one, stops every process in the cgroup at once,
 * forks included, and unlike SIGSTOP it cannot be confused with job control inside the container
 * (a process the container stopped itself stays stopped after the thaw).
 *
 * Without a cgroup, signals are the only way to freeze a process tree. SIGSTOP cannot be caught
 * or ignored, and a stop is not an exit (the shim's waitid asks for WEXITED only), so the restart
 * policy never sees it. Its one weakness is a race with fork: a child created just before its
 * parent stopped is not in the group's signal, hence the rounds, each one stopping whatever the
 * last one did not find stopped.
 */

/* How the current pause was made, so the thaw undoes that: a freezer that refused its write
 * (its cgroup removed under the shim) leaves the container to the signals. */
static enum { BY_SIGNALS, BY_V1, BY_V2 } how;

static void pause_1ms(void) { nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL); }

/* v1 has no event for freezer.state: it is re-read. Each write of FROZEN also retries the tasks
 * that did not stop yet (cgroup-v1/freezer-subsystem.rst). 1 frozen, 0 not yet, -1 refused. */
static int freeze_v1(const char *dir, int64_t until) {
  for (;;) {
    if (cgroup_write(dir, "freezer.state", "FROZEN") != 0) return -1;
    char state[32];
    if (cgroup_read(dir, "freezer.state", state, sizeof state) > 0 &&
        strncmp(state, "FROZEN", 6) == 0)
      return 1;
    if (mono_ms() >= until) return 0;
    pause_1ms();
  }
}

/* v2 says "frozen 1" in cgroup.events once every task is frozen, and wakes a poll for POLLPRI
 * when that file changes: no re-reading in a loop. */
static int freeze_v2(const char *dir, int64_t until) {
  if (cgroup_write(dir, "cgroup.freeze", "1") != 0) return -1;
  char path[4096];
  snprintf(path, sizeof path, "%s/cgroup.events", dir);
  int fd _cleanup_close_ = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  for (;;) {
    char text[256];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    if (n < 0) return -1;
    text[n] = '\0';
    if (strstr(text, "frozen 1")) return 1;
    int64_t left = until - mono_ms();
    if (left <= 0) return 0;
    struct pollfd p = {.fd = fd, .events = POLLPRI};
    if (poll(&p, 1, (int)left) < 0 && errno != EINTR) return -1;
  }
}

static bool stopped(char state) { return state == 'T' || state == 't' || state == 'Z' || state == 'X'; }

static int stop_by_signals(pid_t self, pid_t pgid, int64_t until) {
  kill(-pgid, SIGSTOP);
  for (;;) {
    struct member *m;
    size_t n = reap_members(self, &m);
    int running = 0;
    for (size_t i = 0; i < n; i++) {
      if (stopped(m[i].state)) continue;
      /* Again for one already signalled: harmless, and a new process needs its first. */
      kill(m[i].pid, SIGSTOP);
      running++;
    }
    free(m);
    if (running == 0 || mono_ms() >= until) return running;
    /* A signalled process stops when it is next scheduled: give it a moment. */
    pause_1ms();
  }
}

int freeze_container(pid_t self, pid_t pgid) {
  int64_t until = mono_ms() + FREEZE_WAIT_MS;
  bool v2;
  const char *dir = cgroup_freezer(&v2);
  if (dir) {
    int r = v2 ? freeze_v2(dir, until) : freeze_v1(dir, until);
    if (r >= 0) {
      how = v2 ? BY_V2 : BY_V1;
      return r == 1 ? 0 : -1;
    }
    say("pause: the freezer of %s refused: %s; stopping the processes by signals", dir,
        strerror(errno));
  }
  how = BY_SIGNALS;
  return stop_by_signals(self, pgid, until);
}

/* THAWED (0) takes effect in the write itself: nothing to wait for. */
static void thaw_cgroup(void) {
  bool v2;
  const char *dir = cgroup_freezer(&v2);
  if (dir && cgroup_write(dir, v2 ? "cgroup.freeze" : "freezer.state", v2 ? "0" : "THAWED") != 0)
    say("unpause: cannot thaw %s: %s", dir, strerror(errno));
}

void thaw_container(pid_t self, pid_t pgid) {
  if (how != BY_SIGNALS) {
    thaw_cgroup();
    return;
  }
  kill(-pgid, SIGCONT);
  struct member *m;
  size_t n = reap_members(self, &m);
  for (size_t i = 0; i < n; i++) kill(m[i].pid, SIGCONT);
  free(m);
}

void thaw_for_kill(void) {
  if (how != BY_SIGNALS) thaw_cgroup();
}

bool freeze_holds_kill(void) { return how == BY_V1; }
