#include "loop.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>

#include "cgroup.h"
#include "clock.h"
#include "ctl.h"
#include "exec.h"
#include "output.h"
#include "sandbox.h"
#include "stdin.h"
#include "supervise.h"
#include "util.h"

int loop_signals(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) return -1;
  signal(SIGPIPE, SIG_IGN); /* a closed stdin pipe or client is an EPIPE, not a death */
  signal(SIGHUP, SIG_IGN);
  return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void on_signals(struct shim *sh, int sigfd) {
  struct signalfd_siginfo si;
  bool child = false;
  while (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
    if (si.ssi_signo == SIGCHLD) {
      child = true;
    } else {
      say("got signal %u: stopping the container", si.ssi_signo);
      sup_stop(sh, SIGTERM, 10000, false);
    }
  }
  /* SIGCHLDs coalesce: one pass reaps every child that is done. */
  if (child) sup_on_sigchld(sh);
}

static int add(struct pollfd *pfd, size_t *n, int fd, short events) {
  if (fd < 0 || !events) return -1;
  pfd[*n] = (struct pollfd){.fd = fd, .events = events};
  return (int)(*n)++;
}

static bool ready(const struct pollfd *pfd, int i) { return i >= 0 && pfd[i].revents; }

static int64_t earliest(int64_t a, int64_t b) { return !a ? b : !b ? a : a < b ? a : b; }

void loop_run(struct shim *sh, int sigfd) {
  struct pollfd *pfd = NULL;
  size_t cap = 0;
  /* Before the first command is read, so the first S finds the OOM watch and the heartbeat. */
  cgroup_init(sh);
  sandbox_init(sh);
  for (;;) {
    int64_t now_us = mono_us(), now = now_us / 1000;
    sup_on_timers(sh, now);
    out_on_timer(sh, now);
    if (sup_done(sh, now)) break;

    size_t need = 7 + ctl_npoll() + exec_npoll(), n = 0;
    if (need > cap) {
      cap = need * 2;
      pfd = xrealloc(pfd, cap * sizeof *pfd);
    }
    int i_sig = add(pfd, &n, sigfd, POLLIN);
    int i_exec = add(pfd, &n, sh->phase == PH_STARTING ? sh->proc.exec_fd : -1, POLLIN);
    int i_out = add(pfd, &n, out_held(STREAM_STDOUT, now_us) ? -1 : sh->proc.out_fd, POLLIN);
    int i_err = add(pfd, &n, out_held(STREAM_STDERR, now_us) ? -1 : sh->proc.err_fd, POLLIN);
    int i_in = add(pfd, &n, sh->proc.in_fd, stdin_wants_write(sh) ? POLLOUT : 0);
    int i_oom = add(pfd, &n, cgroup_oom_fd(), POLLIN);
    int i_beat = add(pfd, &n, sandbox_fd(), POLLIN);
    size_t i_exec_s = n;
    n += exec_pollfds(pfd + n);
    size_t i_ctl = n;
    n += ctl_pollfds(pfd + n);

    /* Timers are in ms, the output hold-off in µs: wait for whichever comes first. */
    int64_t deadline_us = earliest(sup_next_deadline(sh), out_next_deadline()) * 1000;
    deadline_us = earliest(deadline_us, out_hold_deadline_us(now_us));
    struct timespec ts, *tsp = NULL;
    if (deadline_us) {
      int64_t left = deadline_us > now_us ? deadline_us - now_us : 0;
      ts = (struct timespec){.tv_sec = left / 1000000, .tv_nsec = (left % 1000000) * 1000};
      tsp = &ts;
    }
    if (ppoll(pfd, n, tsp, NULL) < 0) {
      if (errno == EINTR) continue;
      die("poll: %s", strerror(errno));
    }

    /* Order matters: the exec report before the exit it may precede, output before the
     * SIGCHLD that ends the process, so the records come first. */
    if (ready(pfd, i_exec)) sup_on_exec_report(sh);
    bool eof = false;
    if (ready(pfd, i_out)) eof |= out_pump(sh, STREAM_STDOUT);
    if (ready(pfd, i_err)) eof |= out_pump(sh, STREAM_STDERR);
    if (ready(pfd, i_in)) stdin_on_writable(sh);
    /* Before the SIGCHLD pass: an OOM kill that ended the main process is announced before its
     * exit (the exit re-reads the counter anyway). */
    if (ready(pfd, i_oom)) cgroup_oom_on_ready(sh);
    if (ready(pfd, i_sig)) on_signals(sh, sigfd);
    if (ready(pfd, i_beat)) sandbox_on_ready(sh);
    if (eof) sup_on_output_eof(sh);
    /* After the SIGCHLD pass, so an exec session that ended sends its last output, then its exit. */
    exec_dispatch(sh, pfd + i_exec_s, i_ctl - i_exec_s);
    ctl_dispatch(sh, pfd + i_ctl, n - i_ctl);
    ctl_after(sh);
  }
  free(pfd);
}
