#include "supervise.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cgroup.h"
#include "clock.h"
#include "ctl.h"
#include "exec.h"
#include "freeze.h"
#include "isolate.h"
#include "output.h"
#include "policy.h"
#include "pty.h"
#include "reap.h"
#include "sandbox.h"
#include "stdin.h"

#define EXITING_GIVE_UP_MS 5000 /* leftovers in D state, or a pipe passed to a stranger */
#define EXITING_RESCAN_MS 50    /* a backstop: SIGCHLD drives the leftover kill rounds */
#define FINAL_FLUSH_MS 1000

/* Why the coming end is a stop: a T or a signal to the shim (stopped), or a sandbox bound. The
 * first stop's reason stands. */
static const char *stop_reason = "stopped";

static void send_event(struct buf *b) { ctl_event(b->data, b->len); }

/* K, T and the stop timer: the container's group (the main process itself in the moment a --tty
 * child has no group yet), and the exec sessions that cannot be in it. */
static int signal_container(const struct shim *sh, int sig) {
  int r = spawn_kill_group(sh->proc.pid, sig);
  int e = errno;
  exec_signal(sig);
  errno = e;
  return r;
}

static void event_start(struct shim *sh) {
  struct buf b _cleanup_buf_ = {0};
  state_event_start(&b, sh->proc.pid, &sh->st);
  send_event(&b);
}

static void event_exit(struct shim *sh, bool final, const char *reason, const char *error) {
  struct buf b _cleanup_buf_ = {0};
  state_event_exit(&b, sh->proc.pid, &sh->st, final, reason, error);
  send_event(&b);
}

static void event_restart(unsigned restarts, unsigned delay_ms) {
  struct buf b _cleanup_buf_ = {0};
  char fields[64];
  snprintf(fields, sizeof fields, "\"restarts\":%u,\"delayMs\":%u", restarts, delay_ms);
  state_event_now(&b, "restart", fields);
  send_event(&b);
}

/* pause, unpause */
static void event_plain(const char *type) {
  struct buf b _cleanup_buf_ = {0};
  state_event_now(&b, type, NULL);
  send_event(&b);
}

void sup_status_event(const struct shim *sh, struct buf *out) {
  buf_append(out, "{\"type\":\"status\",", 17);
  state_status_fields(out, &sh->st);
  buf_append(out, "}", 1);
}

static void final(struct shim *sh, const char *reason, const char *error) {
  say("the end: %s (exit code %d, %u restarts)", reason, sh->st.exit_code, sh->st.restarts);
  sh->phase = PH_FINAL;
  sh->restart_at = sh->stop_kill_at = 0;
  sandbox_disarm();
  sh->st.state = "exited";
  /* Belt and braces before the shim goes: anything of ours still alive dies with it. */
  reap_leftovers(sh->self, 0, true);
  state_write_status(sh->dirfd, &sh->st);
  /* exit.json last: its presence means every other file is final. */
  state_write_exit(sh->dirfd, &sh->st, reason, error);
  event_exit(sh, true, reason, error);
  sh->final_until = mono_ms() + FINAL_FLUSH_MS;
}

static void schedule_restart(struct shim *sh, unsigned delay);

static void restart_now(struct shim *sh) {
  stdin_reset(sh);
  /* Before the fork: every OOM kill from here on is this run's. */
  cgroup_oom_run_start();
  if (spawn_container(&sh->cfg, false, &sh->size, &sh->proc) != 0) {
    say("cannot restart %s: %s", sh->cfg.argv[0], strerror(errno));
    unsigned delay = sh->next_delay_ms ? sh->next_delay_ms : BACKOFF_FIRST_MS;
    sh->next_delay_ms = backoff_next(delay);
    schedule_restart(sh, delay);
    return;
  }
  sh->phase = PH_STARTING;
  sh->st.restarts++;
  sandbox_on_start(sh, sh->proc.started_mono);
  state_write_pidfile(sh->dirfd, "container.pid", sh->proc.pid, sh->proc.start_ticks);
}

static void schedule_restart(struct shim *sh, unsigned delay) {
  sh->phase = PH_RESTARTING;
  sh->st.state = "restarting";
  sh->restart_at = mono_ms() + delay;
  state_write_status(sh->dirfd, &sh->st);
}

/* The main process and everything it left are gone, its pipes are at EOF: decide. */
static void finish_exit(struct shim *sh) {
  /* The execs died with it: their exec-exit comes before the container's exit. */
  exec_drain(sh);
  spawn_close(&sh->proc);
  sh->exiting_give_up_at = sh->exiting_rescan_at = 0;
  /* Now that everything of the run is dead, its last OOM kill is counted too. */
  sh->st.oom_killed = cgroup_oom_run_killed(sh);
  const char *reason = NULL;
  if (sh->first_exec_err) reason = "exec-failed";
  else if (sh->stop_requested) reason = stop_reason;
  else if (!sh->ever_started ||
           !policy_restarts(&sh->cfg.policy, sh->st.exit_code, sh->st.restarts))
    reason = "exited";
  if (reason) {
    final(sh, reason, sh->first_exec_err);
    return;
  }

  if (sh->exit_mono - sh->proc.started_mono >= STABLE_RUN_MS) sh->next_delay_ms = 0;
  unsigned delay = sh->next_delay_ms;
  sh->next_delay_ms = backoff_next(delay);
  event_exit(sh, false, "exited", NULL);
  event_restart(sh->st.restarts + 1, delay);
  say("pid %d exited with %d; restart %u in %u ms", (int)sh->proc.pid, sh->st.exit_code,
      sh->st.restarts + 1, delay);
  /* SIGCHLD-driven and immediate the first time: the new process exists before any file is
   * rewritten (status.json follows the exec report). */
  if (delay == 0) restart_now(sh);
  else schedule_restart(sh, delay);
}

static void exiting_progress(struct shim *sh) {
  if (sh->phase != PH_EXITING) return;
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) exec_reaped(pid, status);
  int left = reap_leftovers(sh->self, sh->proc.pid, false);
  sh->exiting_rescan_at = left > 0 ? mono_ms() + EXITING_RESCAN_MS : 0;
  if (left == 0 && sh->proc.out_fd < 0 && sh->proc.err_fd < 0) finish_exit(sh);
}

static void on_main_exit(struct shim *sh, int status) {
  /* The exec report of a process that is gone is final: read it before judging the exit. */
  if (sh->phase == PH_STARTING) sup_on_exec_report(sh);
  sh->st.finished_at = wall_now();
  sh->exit_mono = mono_ms();
  if (WIFSIGNALED(status)) {
    sh->st.signal = WTERMSIG(status);
    sh->st.exit_code = 128 + sh->st.signal;
  } else {
    sh->st.signal = 0;
    sh->st.exit_code = WEXITSTATUS(status);
  }
  sh->phase = PH_EXITING;
  sh->stop_kill_at = 0;
  sandbox_on_exit();
  /* The pause ends with the process: its leftovers die by SIGKILL, which needs no SIGCONT (a
   * frozen cgroup is thawed after the SIGKILL, so nothing of it runs again), and a restarted
   * process runs. status.json is rewritten by what comes next (exited, restarting, or the
   * restarted process's start). */
  if (sh->paused) {
    sh->paused = false;
    sh->st.state = "running";
    reap_leftovers(sh->self, sh->proc.pid, false);
    thaw_for_kill();
  }
  stdin_reset(sh);
  /* Held before the exec report, which a process killed on the gate never sends: the terminal
   * reads as ended (EIO) only once the shim's copy is closed too. */
  spawn_release_slave(&sh->proc);
  out_drain(sh);
  sh->exiting_give_up_at = sh->exit_mono + EXITING_GIVE_UP_MS;
  exiting_progress(sh);
}

void sup_on_sigchld(struct shim *sh) {
  for (;;) {
    siginfo_t si;
    si.si_pid = 0;
    if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == 0) break;
    pid_t pid = si.si_pid;
    bool is_main = pid == sh->proc.pid &&
                   (sh->phase == PH_CREATED || sh->phase == PH_STARTING || sh->phase == PH_RUNNING);
    /* Kill the group while the zombie still holds its id, so the id cannot be reused. */
    if (is_main) spawn_kill_group(pid, SIGKILL);
    int status;
    if (waitpid(pid, &status, WNOHANG) != pid) break;
    /* An exec'd process is reaped here too; its end is its session's, never the container's. */
    if (is_main) on_main_exit(sh, status);
    else exec_reaped(pid, status);
  }
  exiting_progress(sh);
}

void sup_on_output_eof(struct shim *sh) { exiting_progress(sh); }

static void exec_message(const struct shim *sh, const struct exec_failure *f, char *out,
                         size_t len) {
  if (f->stage == EXEC_STAGE_CHDIR)
    snprintf(out, len, "chdir %s: %s", sh->cfg.cwd ? sh->cfg.cwd : ".", strerror(f->err));
  else if (f->stage == EXEC_STAGE_TTY) snprintf(out, len, "terminal: %s", strerror(f->err));
  else if (f->stage == EXEC_STAGE_CGROUP)
    snprintf(out, len, "cgroup %s: %s",
             f->index >= 0 && (unsigned)f->index < sh->cfg.ncgroups ? sh->cfg.cgroups[f->index] : "?",
             strerror(f->err));
  else if (f->stage == EXEC_STAGE_ISOLATE) isolate_describe(&sh->cfg, f, out, len);
  else snprintf(out, len, "exec %s: %s", sh->cfg.argv[0], strerror(f->err));
}

void sup_on_exec_report(struct shim *sh) {
  /* exec_fd < 0: the report was a failure, already handled; the exit follows. */
  if (sh->phase != PH_STARTING || sh->proc.exec_fd < 0) return;
  struct exec_failure f;
  int r = spawn_exec_result(&sh->proc, &f);
  if (r < 0) return;
  bool first = !sh->ever_started && !sh->first_exec_err;
  if (r == 0) {
    char msg[512];
    exec_message(sh, &f, msg, sizeof msg);
    say("%s", msg);
    if (first) {
      sh->first_exec_err = strdup(msg);
      char reply[600];
      snprintf(reply, sizeof reply, "err %s", msg);
      ctl_start_result(reply);
    }
    return; /* the child _exits; SIGCHLD carries on */
  }
  sh->phase = PH_RUNNING;
  sh->ever_started = true;
  sh->st.state = "running";
  sh->st.pid = sh->proc.pid;
  sh->st.pid_start = sh->proc.start_ticks;
  sh->st.started_at = wall_now();
  if (first) {
    char reply[32];
    snprintf(reply, sizeof reply, "ok %d", (int)sh->proc.pid);
    ctl_start_result(reply);
  }
  event_start(sh);
  state_write_status(sh->dirfd, &sh->st);
}

bool sup_start(struct shim *sh, struct buf *reply) {
  if (sh->phase == PH_CREATED) {
    cgroup_oom_run_start(); /* before the gate opens: every OOM kill from here on is this run's */
    if (spawn_open_gate(&sh->proc) != 0) {
      buf_printf(reply, "err cannot start: the held process is gone");
      return false;
    }
    sh->phase = PH_STARTING;
    sh->proc.started_mono = mono_ms();
    sandbox_on_start(sh, sh->proc.started_mono);
    return true;
  }
  if (sh->phase == PH_STARTING && !sh->ever_started && !sh->first_exec_err)
    return true; /* the first start is under way: this client gets its result too */
  buf_printf(reply, "err cannot start: the container is %s (start needs state created)",
             sh->st.state);
  return false;
}

static void resume(struct shim *sh) {
  thaw_container(sh->self, sh->proc.pid);
  sandbox_on_pause(sh, false, mono_ms());
  sh->paused = false;
  sh->st.state = "running";
  state_write_status(sh->dirfd, &sh->st);
  event_plain("unpause");
}

void sup_kill(struct shim *sh, int sig, struct buf *reply) {
  if (sh->phase != PH_RUNNING && sh->phase != PH_STARTING) {
    buf_printf(reply, "err the container is not running (state %s)", sh->st.state);
    return;
  }
  if (sh->paused && sig == SIGCONT) {
    buf_printf(reply, "err the container is paused: unpause it rather than send SIGCONT");
    return;
  }
  if (signal_container(sh, sig) != 0) {
    buf_printf(reply, "err kill: %s", strerror(errno));
    return;
  }
  /* A v1-frozen task takes no signal until thawed, SIGKILL included: the thaw delivers it, and
   * ends the pause (an unpause event), as a stop does. */
  if (sh->paused && sig == SIGKILL && freeze_holds_kill()) resume(sh);
  buf_printf(reply, "ok");
}

void sup_stop(struct shim *sh, int sig, int64_t timeout_ms, bool by_user) {
  if (sh->phase == PH_FINAL) return;
  sh->stop_requested = true;
  if (by_user && !sh->st.stopped_by_user) {
    sh->st.stopped_by_user = true;
    if (sh->phase != PH_RESTARTING) state_write_status(sh->dirfd, &sh->st);
  }
  switch (sh->phase) {
  case PH_CREATED:
    kill(sh->proc.pid, SIGKILL); /* held on the gate: it never ran, nothing to be graceful to */
    break;
  case PH_STARTING:
  case PH_RUNNING: {
    if (sig > 0) signal_container(sh, sig);
    /* A stopped process takes the signal only once it goes on: sent first, it comes first. */
    if (sh->paused) resume(sh);
    int64_t at = mono_ms() + timeout_ms;
    if (!sh->stop_kill_at || at < sh->stop_kill_at) sh->stop_kill_at = at;
    break;
  }
  case PH_RESTARTING:
    final(sh, stop_reason, NULL);
    break;
  default: /* EXITING: the decision to come sees stop_requested */
    break;
  }
}

void sup_stop_for(struct shim *sh, const char *reason, int sig, int64_t timeout_ms) {
  if (!sh->stop_requested) stop_reason = reason;
  sup_stop(sh, sig, timeout_ms, false);
}

void sup_pause(struct shim *sh, struct buf *reply) {
  if (sh->paused) {
    buf_printf(reply, "err cannot pause: the container is already paused");
    return;
  }
  if (sh->phase != PH_RUNNING || sh->stop_requested) {
    const char *now = sh->stop_requested        ? "stopping"
                      : sh->phase == PH_STARTING ? "starting"
                      : sh->phase == PH_EXITING  ? "exiting"
                                                 : NULL;
    if (now) buf_printf(reply, "err cannot pause: the container is %s", now);
    else buf_printf(reply, "err cannot pause: the container is not running (state %s)", sh->st.state);
    return;
  }
  int left = freeze_container(sh->self, sh->proc.pid);
  if (left > 0)
    say("pause: %d process(es) not stopped after %d ms (in D state?); they stop when they can", left,
        FREEZE_WAIT_MS);
  else if (left < 0)
    say("pause: the cgroup was not frozen after %d ms (a task in D state?); it freezes when it can",
        FREEZE_WAIT_MS);
  sandbox_on_pause(sh, true, mono_ms());
  /* What it wrote before it stopped is logged before the reply: after `ok`, the log holds
   * everything the paused container will have written until it goes on. */
  out_drain(sh);
  sh->paused = true;
  sh->st.state = "paused";
  state_write_status(sh->dirfd, &sh->st);
  event_plain("pause");
  buf_printf(reply, "ok");
}

void sup_unpause(struct shim *sh, struct buf *reply) {
  if (!sh->paused) {
    buf_printf(reply, "err cannot unpause: the container is not paused (state %s)", sh->st.state);
    return;
  }
  resume(sh);
  buf_printf(reply, "ok");
}

void sup_resize(struct shim *sh, const struct winsize *ws) {
  sh->size = *ws;
  if (sh->cfg.tty) pty_resize(sh->proc.pty_fd, ws);
}

void sup_on_timers(struct shim *sh, int64_t now) {
  cgroup_on_timers(sh, now);
  sandbox_on_timers(sh, now);
  if (sh->stop_kill_at && now >= sh->stop_kill_at) {
    sh->stop_kill_at = 0;
    if (sh->phase == PH_STARTING || sh->phase == PH_RUNNING) signal_container(sh, SIGKILL);
  }
  if (sh->restart_at && now >= sh->restart_at) {
    sh->restart_at = 0;
    if (sh->phase == PH_RESTARTING) restart_now(sh);
  }
  if (sh->phase == PH_EXITING && sh->exiting_give_up_at && now >= sh->exiting_give_up_at) {
    say("the container's leftovers or pipes did not finish within %d ms; going on",
        EXITING_GIVE_UP_MS);
    out_drain(sh);
    finish_exit(sh);
  } else if (sh->exiting_rescan_at && now >= sh->exiting_rescan_at) {
    sh->exiting_rescan_at = 0;
    exiting_progress(sh);
  }
}

static int64_t earliest(int64_t a, int64_t b) { return !a ? b : !b ? a : a < b ? a : b; }

int64_t sup_next_deadline(const struct shim *sh) {
  int64_t t = earliest(sh->stop_kill_at, sh->restart_at);
  t = earliest(t, sh->exiting_give_up_at);
  t = earliest(t, sh->exiting_rescan_at);
  t = earliest(t, cgroup_next_deadline());
  t = earliest(t, sandbox_next_deadline());
  return earliest(t, sh->phase == PH_FINAL ? sh->final_until : 0);
}

bool sup_done(const struct shim *sh, int64_t now) {
  return sh->phase == PH_FINAL && (ctl_flushed() || now >= sh->final_until);
}
