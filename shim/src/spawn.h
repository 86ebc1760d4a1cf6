/* Forking the container process: into its namespaces (isolate.h), its own process group (or with
 * --tty its own session), stdio pipes or a terminal, its root filesystem, user and privileges, cwd,
 * clean signal state, an optional gate, execvp, and an exec report through a CLOEXEC pipe. */
#ifndef BOSUN_SPAWN_H
#define BOSUN_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "args.h"
#include "pty.h"

struct proc {
  pid_t pid; /* also its process group; 0: no process */
  unsigned long long start_ticks;
  int64_t started_mono;
  int out_fd, err_fd; /* read ends of stdout and stderr; -1 after EOF (--tty: out_fd reads the
                         master, err_fd is -1) */
  int in_fd;          /* write end of stdin (--stdin; --tty: writes to the master); -1 when none
                         or closed */
  int pty_fd;         /* --tty: the terminal's master, for its window size; -1 otherwise */
  int slave_fd;       /* --tty: the shim's copy of the slave until the exec report; -1 after */
  int exec_fd;        /* exec report: EOF = exec happened, bytes = it failed; -1 once read */
  int gate_fd;        /* write end of the gate while the process is held; -1 after */
  bool big_pipe[2];   /* F_SETPIPE_SZ done on stdout, stderr */
};

/* What the child sends back when it cannot exec. */
struct exec_failure {
  int stage; /* EXEC_STAGE_* */
  int err;   /* errno */
  int index; /* EXEC_STAGE_CGROUP: which --cgroup directory; EXEC_STAGE_ISOLATE: see the step */
  int step;  /* EXEC_STAGE_ISOLATE: what failed, an ISO_* of isolate.h */
};
#define EXEC_STAGE_CHDIR 1
#define EXEC_STAGE_EXEC 2
#define EXEC_STAGE_TTY 3
#define EXEC_STAGE_CGROUP 4 /* err: errno; index: which --cgroup */
#define EXEC_STAGE_ISOLATE 5 /* namespaces, root filesystem, user, capabilities: isolate_describe */

/* The oom_score_adj the container must get back (the shim lowers its own); NULL: untouched. */
extern const char *spawn_oom_restore;

/* In a freshly forked child: default signal mask and dispositions, the oom_score_adj the shim
 * had before it lowered its own. */
void spawn_reset_child(void);

/* Forks the container. With `gated`, it waits on the gate before exec; with --tty, its terminal
 * has the window size *ws. 0, or -1 with errno. */
int spawn_container(const struct config *cfg, bool gated, const struct winsize *ws, struct proc *p);

/* Lets a held process go on to exec. */
int spawn_open_gate(struct proc *p);

/* Reads the exec report: 1 exec happened, 0 it failed (*f filled), -1 not known yet. */
int spawn_exec_result(struct proc *p, struct exec_failure *f);

/* Closes the shim's copy of the terminal's slave: once the child has it, or is gone. */
void spawn_release_slave(struct proc *p);

/* Signals the process group `pgid`, or the process `pgid` while it has no group of that id yet:
 * a --tty child makes its group by its setsid, just after fork. Only for a process not reaped
 * (its pid cannot have been reused). When `pgid` is the init of a pid namespace (--ns pid) and
 * the kernel discarded a signal that would have ended it outside one, SIGKILL follows. */
int spawn_kill_group(pid_t pgid, int sig);

/* Closes the shim's ends of the process's pipes. */
void spawn_close(struct proc *p);

#endif
