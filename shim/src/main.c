/* bosun-shim: the per-container monitor. The contract is docs/shim.md; this file wires the
 * parts together and does the start-up sequence. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "args.h"
#include "clock.h"
#include "launcher.h"
#include "ctl.h"
#include "logs.h"
#include "loop.h"
#include "reap.h"
#include "shim.h"
#include "spawn.h"
#include "state.h"
#include "util.h"

static char oom_saved[24];

/* Prefix of the ready and error lines: empty for a shim started on its own, "TAG " for one
 * started by the launcher, whose lines share one pipe to bosund. */
static const char *report_tag = "";

/* Until the ready line, failures are reported on stdout, which bosund reads to EOF. */
static void __attribute__((noreturn)) fail_start(struct shim *sh, const char *msg) {
  dprintf(STDOUT_FILENO, "%serror %s\n", report_tag, msg);
  say("cannot start: %s", msg);
  if (sh->proc.pid > 0) kill(sh->proc.pid, SIGKILL);
  ctl_unlink();
  _exit(1);
}

/* Low, so the OOM killer picks the container, not its monitor; best effort (lowering needs
 * privilege). The container gets the old value back before exec. */
static void lower_oom_score(void) {
  int fd _cleanup_close_ = open("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, oom_saved, sizeof oom_saved - 1);
  if (n <= 0) return;
  oom_saved[n] = '\0';
  if (pwrite(fd, "-999", 4, 0) == 4) spawn_oom_restore = oom_saved;
}

static void write_files(struct shim *sh) {
  struct pstat self;
  if (pstat_read(sh->self, &self) != 0) self.start = 0;
  if (state_write_pidfile(sh->dirfd, "shim.pid", sh->self, self.start) != 0 ||
      state_write_pidfile(sh->dirfd, "container.pid", sh->proc.pid, sh->proc.start_ticks) != 0 ||
      state_write_status(sh->dirfd, &sh->st) != 0) {
    char msg[300];
    snprintf(msg, sizeof msg, "cannot write the state files in %s: %s", sh->cfg.dir,
             strerror(errno));
    fail_start(sh, msg);
  }
}

/* A command-line mistake: on stderr with the usage, or as a tagged error line for the launcher. */
static int usage_error(const char *msg) {
  if (*report_tag) dprintf(STDOUT_FILENO, "%serror %s\n", report_tag, msg);
  else dprintf(STDERR_FILENO, "bosun-shim: %s\n%s", msg, USAGE);
  return 2;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--launcher") == 0) return launcher_run();
  return shim_main(argc, argv, "");
}

int shim_main(int argc, char **argv, const char *tag) {
  static struct shim sh = {
      .dirfd = -1,
      .proc = {.out_fd = -1, .err_fd = -1, .in_fd = -1, .pty_fd = -1, .slave_fd = -1,
               .exec_fd = -1, .gate_fd = -1},
      .size = {.ws_row = PTY_DEFAULT_ROWS, .ws_col = PTY_DEFAULT_COLS},
  };
  char err[512];
  report_tag = tag;
  if (args_parse(argc, argv, &sh.cfg, err, sizeof err) != 0) return usage_error(err);
  /* Started with 0, 1 or 2 closed, the first files opened below would land there and be
   * clobbered by the dup2s of daemonizing: fill them with /dev/null first. */
  for (int fd = 0; fd >= 0 && fd <= 2;) {
    fd = open("/dev/null", O_RDWR);
    if (fd > 2) close(fd);
  }
  close_fds_from(3);
  sh.dirfd = open(sh.cfg.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (sh.dirfd < 0) {
    snprintf(err, sizeof err, "--dir %s: %s", sh.cfg.dir, strerror(errno));
    return usage_error(err);
  }

  if (ctl_listen(sh.dirfd, sh.cfg.dir, err, sizeof err) != 0) fail_start(&sh, err);
  if (logs_open(&sh.log, sh.dirfd, sh.cfg.log_max_size, sh.cfg.log_max_files) != 0) {
    snprintf(err, sizeof err, "cannot open container.log: %s", strerror(errno));
    fail_start(&sh, err);
  }
  int shim_log = openat(sh.dirfd, "shim.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (shim_log < 0 || devnull < 0) {
    snprintf(err, sizeof err, "cannot open shim.log: %s", strerror(errno));
    fail_start(&sh, err);
  }
  /* An exit.json left by an earlier run in this directory would read as this run's end. */
  unlinkat(sh.dirfd, "exit.json", 0);

  /* Daemonize: the parent exits at once; the child leads a new session, so neither bosund's
   * death nor a signal to its process group reaches the shim. */
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(err, sizeof err, "fork: %s", strerror(errno));
    fail_start(&sh, err);
  }
  if (pid > 0) _exit(0);
  setsid();
  sh.self = getpid();
  dup2(devnull, STDIN_FILENO);
  dup2(shim_log, STDERR_FILENO);
  close(shim_log);
  /* Orphans of the container are re-parented to us, so they can be reaped and killed. */
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) say("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
  lower_oom_score();

  int sigfd = loop_signals();
  if (sigfd < 0) {
    snprintf(err, sizeof err, "signalfd: %s", strerror(errno));
    fail_start(&sh, err);
  }
  if (spawn_container(&sh.cfg, true, &sh.size, &sh.proc) != 0) {
    snprintf(err, sizeof err, "cannot fork the container process: %s", strerror(errno));
    fail_start(&sh, err);
  }
  sh.phase = PH_CREATED;
  sh.st = (struct status){.state = "created", .pid = sh.proc.pid,
                          .pid_start = sh.proc.start_ticks, .exit_code = -1};
  write_files(&sh);

  say("ready: shim %d, container %d held: %s", (int)sh.self, (int)sh.proc.pid, sh.cfg.argv[0]);
  char ready[96];
  int n = snprintf(ready, sizeof ready, "%sready %d %d\n", report_tag, (int)sh.self, (int)sh.proc.pid);
  (void)!write(STDOUT_FILENO, ready, (size_t)n); /* EPIPE if bosund is gone: carry on */
  dup2(devnull, STDOUT_FILENO);
  close(devnull);

  loop_run(&sh, sigfd);
  ctl_close();
  free(sh.first_exec_err);
  free(sh.st.execs);
  return 0;
}
