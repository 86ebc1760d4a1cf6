#include "freeze.h"

#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "reap.h"

/*
 * Without a cgroup, signals are the only way to freeze a process tree. SIGSTOP cannot be caught
 * or ignored, and a stop is not an exit (the shim's waitid asks for WEXITED only), so the restart
 * policy never sees it. Its one weakness is a race with fork: a child created just before its
 * parent stopped is not in the group's signal, hence the rounds, each one stopping whatever the
 * last one did not find stopped.
 *
 * The seam for the cgroup freezer (the isolation work): when the container has a cgroup, write
 * 1 to cgroup.freeze (v2; freezer.state FROZEN on v1) and wait for cgroup.events to say frozen,
 * here, and 0 in thaw_container. Callers do not change.
 */

static bool stopped(char state) { return state == 'T' || state == 't' || state == 'Z' || state == 'X'; }

int freeze_container(pid_t self, pid_t pgid) {
  kill(-pgid, SIGSTOP);
  int64_t until = mono_ms() + FREEZE_WAIT_MS;
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
    nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
  }
}

void thaw_container(pid_t self, pid_t pgid) {
  kill(-pgid, SIGCONT);
  struct member *m;
  size_t n = reap_members(self, &m);
  for (size_t i = 0; i < n; i++) kill(m[i].pid, SIGCONT);
  free(m);
}
