#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "clock.h"
#include "isolate.h"
#include "reap.h"
#include "util.h"

const char *spawn_oom_restore;

static void close_pair(int fds[2]) {
  for (int i = 0; i < 2; i++)
    if (fds[i] >= 0) close(fds[i]);
}

/* Closes every fd from 3 up except the two kept (-1: none), so a held process does not keep
 * the shim's socket, log or clients open while it waits: a new shim must be able to tell a
 * dead shim's ctl.sock from a live one. */
static void close_except(int a, int b) {
  if (a > b) {
    int t = a;
    a = b;
    b = t;
  }
  int from = 3;
  int keep[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    if (keep[i] < from) continue;
    if (keep[i] > from) close_range_fds(from, keep[i] - 1);
    from = keep[i] + 1;
  }
  close_range_fds(from, -1);
}

static void report(int fd, const struct exec_failure *f) {
  (void)!write(fd, f, sizeof *f); /* smaller than PIPE_BUF: one atomic write */
}

/* The child, between fork and exec: only plain syscalls, no allocation we rely on. */
/* The shim blocks SIGCHLD/SIGTERM/SIGINT for its signalfd, ignores SIGPIPE/SIGHUP and lowers its
 * own oom_score_adj; all of that survives exec, and a container's processes must start from the
 * default state. */
void spawn_reset_child(void) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
  if (spawn_oom_restore) {
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      (void)!write(fd, spawn_oom_restore, strlen(spawn_oom_restore));
      close(fd);
    }
  }
}

/* The container's stdio: pipes, or with --tty the terminal (`slave`), which needs a session of
 * its own. 0, or -1 with *f filled. */
static int stdio(const struct config *cfg, int in[2], int out[2], int err[2], int slave,
                 struct exec_failure *f) {
  if (cfg->tty) {
    if (pty_child(slave) == 0) return 0;
    *f = (struct exec_failure){.stage = EXEC_STAGE_TTY, .err = errno};
    return -1;
  }
  /* Its own process group, so a signal to -pgid reaches the whole container and never the shim.
   * As PID 1 of a new pid namespace too: from the shim's side its group is its host pid. */
  setpgid(0, 0);
  int stdin_fd = in[0] >= 0 ? in[0] : open("/dev/null", O_RDONLY);
  /* dup2 clears CLOEXEC on the copy; the originals (>= 3, CLOEXEC) vanish at exec. */
  if (stdin_fd < 0 || dup2(stdin_fd, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) {
    *f = (struct exec_failure){.stage = EXEC_STAGE_EXEC, .err = errno};
    return -1;
  }
  return 0;
}

/* The container's own world, once its stdio is set: namespaces and root filesystem (as root,
 * needing the host's /dev/null and /proc until pivot_root), then user and privileges, then the
 * cwd, resolved in the new root as that user. 0, or -1 with *f filled. */
static int enter_container(const struct config *cfg, struct exec_failure *f) {
  if (cfg->ns_flags && isolate_container(cfg, f) != 0) return -1;
  if (isolate_privileges(cfg, f) != 0) return -1;
  const char *cwd = isolate_cwd(cfg);
  if (cwd && chdir(cwd) != 0) {
    *f = (struct exec_failure){.stage = EXEC_STAGE_CHDIR, .err = errno};
    return -1;
  }
  return 0;
}

static void __attribute__((noreturn))
child(const struct config *cfg, bool gated, int in[2], int out[2], int err[2], int slave,
      int gate[2], int rep[2]) {
  spawn_reset_child();

  /* A failure is reported at S, after the gate, as a failed cwd is: the held process is the one
   * place that says so. */
  struct exec_failure f = {0};
  int cgroup = 0;
  /* First, so that everything the process does from here on counts against its limits. */
  if (cgroup_join(cfg, &cgroup) != 0)
    f = (struct exec_failure){.stage = EXEC_STAGE_CGROUP, .err = errno, .index = cgroup};
  if (!f.stage) stdio(cfg, in, out, err, slave, &f);

  /* Everything else goes now, not at exec: the held process must see EOF on the gate if the
   * shim dies, so it may not keep the gate's write end. */
  close_except(gated ? gate[0] : -1, rep[1]);

  /* Before the gate: S then costs only the exec, and a held container is already isolated. */
  if (!f.stage) enter_container(cfg, &f);

  if (gated) {
    char c;
    ssize_t n;
    do n = read(gate[0], &c, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) _exit(0); /* the shim is gone: never start */
    close(gate[0]);
  }
  if (f.stage) {
    report(rep[1], &f);
    _exit(126);
  }
  execvp(cfg->argv[0], cfg->argv);
  f = (struct exec_failure){.stage = EXEC_STAGE_EXEC, .err = errno};
  report(rep[1], &f);
  _exit(f.err == ENOENT ? 127 : 126);
}

static int open_pipes(const struct config *cfg, int in[2], int out[2], int err[2]) {
  if (cfg->stdin_pipe && pipe2(in, O_CLOEXEC) != 0) return -1;
  return pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ? -1 : 0;
}

/* The terminal in place of the pipes: the master is read as stdout and, with --stdin, written as
 * stdin (dups, so that closing either as a pipe end leaves the master for resizes). */
static int open_tty(const struct config *cfg, const struct winsize *ws, int *master, int *slave,
                    int in[2], int out[2]) {
  if (pty_open(ws, master, slave) != 0) return -1;
  out[0] = fcntl(*master, F_DUPFD_CLOEXEC, 3);
  if (cfg->stdin_pipe) in[1] = fcntl(*master, F_DUPFD_CLOEXEC, 3);
  return out[0] < 0 || (cfg->stdin_pipe && in[1] < 0) ? -1 : 0;
}

int spawn_container(const struct config *cfg, bool gated, const struct winsize *ws, struct proc *p) {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, gate[2] = {-1, -1},
      rep[2] = {-1, -1}, master = -1, slave = -1;
  int r = cfg->tty ? open_tty(cfg, ws, &master, &slave, in, out) : open_pipes(cfg, in, out, err);
  if (r != 0) goto fail;
  if ((gated && pipe2(gate, O_CLOEXEC) != 0) || pipe2(rep, O_CLOEXEC) != 0) goto fail;

  pid_t pid = isolate_fork(cfg);
  if (pid < 0) goto fail;
  if (pid == 0) child(cfg, gated, in, out, err, slave, gate, rep);

  /* Also from this side: a stop or kill right after fork must already find the group. Not for a
   * terminal's child: setsid fails for a group leader; spawn_kill_group covers its first moments. */
  if (!cfg->tty) setpgid(pid, pid);
  *p = (struct proc){
      .pid = pid,
      .started_mono = mono_ms(),
      .out_fd = out[0],
      .err_fd = err[0],
      .in_fd = in[1],
      .pty_fd = master,
      .slave_fd = slave,
      .exec_fd = rep[0],
      .gate_fd = gate[1],
  };
  struct pstat st;
  if (pstat_read(pid, &st) == 0) p->start_ticks = st.start;
  int drop[] = {in[0], out[1], err[1], rep[1], gate[0]};
  for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
    if (drop[i] >= 0) close(drop[i]);
  set_nonblock(p->out_fd);
  if (p->err_fd >= 0) set_nonblock(p->err_fd);
  set_nonblock(p->exec_fd);
  if (p->in_fd >= 0) set_nonblock(p->in_fd);
  return 0;

fail:;
  int e = errno;
  close_pair(in);
  close_pair(out);
  close_pair(err);
  close_pair(gate);
  close_pair(rep);
  int tty[2] = {master, slave};
  close_pair(tty);
  errno = e;
  return -1;
}

int spawn_open_gate(struct proc *p) {
  if (p->gate_fd < 0) return -1;
  ssize_t n;
  do n = write(p->gate_fd, "g", 1);
  while (n < 0 && errno == EINTR);
  close(p->gate_fd);
  p->gate_fd = -1;
  return n == 1 ? 0 : -1;
}

int spawn_exec_result(struct proc *p, struct exec_failure *f) {
  if (p->exec_fd < 0) return 1;
  struct exec_failure got;
  ssize_t n;
  do n = read(p->exec_fd, &got, sizeof got);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN) return -1;
  close(p->exec_fd);
  p->exec_fd = -1;
  /* Either way the child is done with the slave: it has it as 0, 1 and 2, or it never will. */
  spawn_release_slave(p);
  if (n == (ssize_t)sizeof got) {
    *f = got;
    return 0;
  }
  return 1; /* EOF: the CLOEXEC write end closed, so exec succeeded */
}

void spawn_release_slave(struct proc *p) {
  if (p->slave_fd >= 0) close(p->slave_fd);
  p->slave_fd = -1;
}

int spawn_kill_group(pid_t pgid, int sig) {
  int r = kill(-pgid, sig);
  if (r != 0 && errno == ESRCH) r = kill(pgid, sig);
  /* The init of a pid namespace gets, even from the shim, only the signals it handles (SIGKILL
   * and SIGSTOP aside): a SIGTERM to a `sleep` would be dropped and every stop would wait out its
   * timeout. It ends as it would outside the namespace, by SIGKILL; its namespace's processes
   * die with it (the kernel kills them when their init exits). */
  if (r == 0 && isolate_init_ignores(pgid, sig)) kill(pgid, SIGKILL);
  return r;
}

void spawn_close(struct proc *p) {
  int *fds[] = {&p->out_fd, &p->err_fd, &p->in_fd, &p->pty_fd, &p->slave_fd, &p->exec_fd,
                &p->gate_fd};
  for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
    if (*fds[i] >= 0) close(*fds[i]);
    *fds[i] = -1;
  }
}
