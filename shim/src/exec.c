#include "exec.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "ctl.h"
#include "exec_fork.h"
#include "pty.h"
#include "state.h"
#include "util.h"

#define EXEC_STDIN_QUEUE_MAX (1 << 20) /* as the container stdin's queue */

struct exec_proc {
  unsigned id; /* 0: a ghost, an X whose exec failed, kept only until the SIGCHLD pass reaps it */
  pid_t pid;
  void *owner;         /* the ctl client that sent X; NULL once it is gone */
  bool tty, own_group; /* as in struct exec_child */
  int out_fd, err_fd;  /* -1 after EOF */
  int in_fd;           /* -1 once closed */
  int pty_fd;          /* tty: the master, kept for the window size; -1 otherwise */
  struct buf inq;      /* stdin bytes waiting for the pipe */
  bool in_close;       /* C: close stdin once inq is written */
  bool reaped;
  bool ended;    /* reaped, output at EOF: no longer listed; exec_dispatch frees it */
  bool reported; /* its exec-exit is sent */
  int status;
  char *fields; /* "id":N,"pid":N,"tty":B,"command":[...]: status.json's entry, exec-start's body */
};

/* In the order they started, which is the order status.json lists them in. */
static struct exec_proc **execs;
static size_t nexecs, capexecs;
static unsigned next_id = 1;

static struct exec_proc *by_owner(void *owner) {
  for (size_t i = 0; i < nexecs; i++)
    if (execs[i]->owner == owner && !execs[i]->ended) return execs[i];
  return NULL;
}

static void add(struct exec_proc *x) {
  if (nexecs == capexecs) {
    capexecs = capexecs ? capexecs * 2 : 4;
    execs = xrealloc(execs, capexecs * sizeof *execs);
  }
  execs[nexecs++] = x;
}

/* status.json's execs, rebuilt on every change. Rewritten at once while the container runs; in
 * the other phases the lifecycle's next rewrite carries it (and nothing is written after
 * exit.json). */
static void publish(struct shim *sh) {
  struct buf b = {0};
  buf_append(&b, "[", 1);
  for (size_t i = 0, listed = 0; i < nexecs; i++) {
    if (!execs[i]->id || execs[i]->ended) continue;
    buf_printf(&b, "%s{%s}", listed++ ? "," : "", execs[i]->fields);
  }
  buf_append(&b, "]", 2); /* with its NUL: a C string */
  free(sh->st.execs);
  sh->st.execs = b.data;
  if (sh->phase == PH_RUNNING) state_write_status(sh->dirfd, &sh->st);
}

static void event_start(const struct exec_proc *x) {
  struct buf b _cleanup_buf_ = {0};
  buf_printf(&b, "{\"type\":\"exec-start\",%s}", x->fields);
  ctl_event(b.data, b.len);
}

void exec_start(struct shim *sh, void *owner, const char *payload, size_t len, struct buf *reply) {
  if (sh->paused) {
    buf_printf(reply, "err cannot exec: the container is paused");
    return;
  }
  if (sh->phase != PH_RUNNING || sh->stop_requested) {
    buf_printf(reply, "err cannot exec: the container is not running (state %s%s)", sh->st.state,
               sh->stop_requested ? ", stopping" : "");
    return;
  }
  if (by_owner(owner)) {
    buf_printf(reply, "err cannot exec: this connection already has an exec session");
    return;
  }
  struct exec_child c;
  if (exec_fork(sh, payload, len, &c, reply) != 0) {
    if (c.pid <= 0) return;
    /* Kept without an id until the SIGCHLD pass reaps it: it is no session, and no container exit. */
    struct exec_proc *ghost = xmalloc(sizeof *ghost);
    *ghost = (struct exec_proc){.pid = c.pid, .out_fd = -1, .err_fd = -1, .in_fd = -1, .pty_fd = -1};
    add(ghost);
    return;
  }
  struct exec_proc *x = xmalloc(sizeof *x);
  *x = (struct exec_proc){.id = next_id++,
                          .pid = c.pid,
                          .owner = owner,
                          .tty = c.tty,
                          .own_group = c.own_group,
                          .out_fd = c.out_fd,
                          .err_fd = c.err_fd,
                          .in_fd = c.in_fd,
                          .pty_fd = c.pty_fd};
  struct buf f = {0};
  buf_printf(&f, "\"id\":%u,\"pid\":%d,\"tty\":%s,\"command\":%s", x->id, (int)x->pid,
             x->tty ? "true" : "false", c.command);
  buf_append(&f, "", 1);
  x->fields = f.data;
  add(x);
  say("exec %u: pid %d runs %.200s%s", x->id, (int)x->pid, c.command,
      x->tty ? " with a terminal" : "");
  free(c.command);
  /* status.json first: a client that hears of a change finds it there. */
  publish(sh);
  event_start(x);
  buf_printf(reply, "ok %u %d", x->id, (int)x->pid);
}

bool exec_is(pid_t pid) {
  for (size_t i = 0; i < nexecs; i++)
    if (execs[i]->pid == pid && !execs[i]->reaped) return true;
  return false;
}

bool exec_reaped(pid_t pid, int status) {
  for (size_t i = 0; i < nexecs; i++) {
    if (execs[i]->pid != pid || execs[i]->reaped) continue;
    execs[i]->reaped = true;
    execs[i]->status = status;
    return true;
  }
  return false;
}

static void close_in(struct exec_proc *x) {
  if (x->in_fd >= 0) close(x->in_fd);
  x->in_fd = -1;
  buf_free(&x->inq);
}

static void write_in(struct exec_proc *x) {
  while (x->in_fd >= 0 && buf_pending(&x->inq) > 0) {
    ssize_t w = write(x->in_fd, buf_head(&x->inq), buf_pending(&x->inq));
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) close_in(x); /* EPIPE: it closed its stdin; EIO: its terminal is gone */
      return;
    }
    buf_consume(&x->inq, (size_t)w);
  }
  if (x->in_fd >= 0 && x->in_close) close_in(x);
}

bool exec_stdin(void *owner, const char *data, size_t len) {
  struct exec_proc *x = by_owner(owner);
  if (!x) return false;
  if (x->in_fd >= 0 && !x->in_close) {
    buf_append(&x->inq, data, len);
    write_in(x);
  }
  return true;
}

bool exec_stdin_close(void *owner) {
  struct exec_proc *x = by_owner(owner);
  if (!x) return false;
  /* A terminal has no half-close: closing the master would hang it up. Its EOF is a ^D. */
  if (x->tty) return true;
  x->in_close = true;
  write_in(x);
  return true;
}

bool exec_stdin_full(void *owner) {
  struct exec_proc *x = by_owner(owner);
  return x && buf_pending(&x->inq) >= EXEC_STDIN_QUEUE_MAX;
}

bool exec_resize(void *owner, const struct winsize *ws) {
  struct exec_proc *x = by_owner(owner);
  if (!x) return false;
  if (x->tty) pty_resize(x->pty_fd, ws);
  return true;
}

void exec_owner_gone(void *owner) {
  for (size_t i = 0; i < nexecs; i++) {
    struct exec_proc *x = execs[i];
    if (x->owner != owner) continue;
    x->owner = NULL;
    if (x->ended) continue;
    say("exec %u: its client is gone; pid %d runs on, its output discarded", x->id, (int)x->pid);
    /* Like a detached docker exec: its stdin ends, so a reader of stdin is not left waiting. */
    close_in(x);
  }
}

void exec_signal(int sig) {
  /* By group: its pgid cannot be reused while any process of the group lives, reaped or not. */
  for (size_t i = 0; i < nexecs; i++)
    if (execs[i]->id && !execs[i]->ended && execs[i]->own_group) kill(-execs[i]->pid, sig);
}

/* Each session polls up to three fds: stdout, stderr, and stdin while bytes wait. */
size_t exec_npoll(void) { return 3 * nexecs; }

size_t exec_pollfds(struct pollfd *pfd) {
  for (size_t i = 0; i < nexecs; i++) {
    struct exec_proc *x = execs[i];
    pfd[3 * i] = (struct pollfd){.fd = x->out_fd, .events = POLLIN};
    pfd[3 * i + 1] = (struct pollfd){.fd = x->err_fd, .events = POLLIN};
    pfd[3 * i + 2] =
        (struct pollfd){.fd = buf_pending(&x->inq) > 0 ? x->in_fd : -1, .events = POLLOUT};
  }
  return 3 * nexecs;
}

static void pump(struct exec_proc *x, int *fd, char type) {
  char data[65536];
  for (int round = 0; round < 16 && *fd >= 0; round++) {
    ssize_t n = read(*fd, data, sizeof data);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    /* EOF; on a terminal's master, EIO: every process has closed the slave. */
    if (n <= 0) {
      close(*fd);
      *fd = -1;
      return;
    }
    if (x->owner) ctl_send(x->owner, type, data, (size_t)n);
  }
}

static void report_exit(struct exec_proc *x) {
  x->reported = true;
  struct buf b _cleanup_buf_ = {0};
  int sig = WIFSIGNALED(x->status) ? WTERMSIG(x->status) : 0;
  int code = sig ? 128 + sig : WEXITSTATUS(x->status);
  buf_printf(&b, "{\"type\":\"exec-exit\",\"id\":%u,\"pid\":%d,\"exitCode\":%d,\"signal\":", x->id,
             (int)x->pid, code);
  if (sig) buf_printf(&b, "%d}", sig);
  else buf_printf(&b, "null}");
  ctl_event_to(x->owner, b.data, b.len);
  say("exec %u: pid %d ended (status 0x%x)", x->id, (int)x->pid, x->status);
}

/* A session ends once its process is reaped and its output is at EOF: its exec-exit comes after
 * all that output, and after status.json stops listing it. Only marked ended here: exec_dispatch
 * frees it after its pass over pfd, so the indexes of that pass stay valid. */
static void end_done(struct shim *sh) {
  bool changed = false;
  for (size_t i = 0; i < nexecs; i++) {
    struct exec_proc *x = execs[i];
    if (x->ended || !x->reaped || x->out_fd >= 0 || x->err_fd >= 0) continue;
    x->ended = true;
    close_in(x);
    changed |= x->id != 0;
  }
  if (!changed) return;
  publish(sh);
  for (size_t i = 0; i < nexecs; i++)
    if (execs[i]->ended && execs[i]->id && !execs[i]->reported) report_exit(execs[i]);
}

void exec_drain(struct shim *sh) {
  for (size_t i = 0; i < nexecs; i++) {
    struct exec_proc *x = execs[i];
    if (!x->reaped) continue;
    pump(x, &x->out_fd, 'o');
    pump(x, &x->err_fd, 'e');
  }
  end_done(sh);
}

void exec_dispatch(struct shim *sh, const struct pollfd *pfd, size_t n) {
  /* Sessions added since pfd was built are not in it; none is removed before this loop ends. */
  size_t count = n / 3 < nexecs ? n / 3 : nexecs;
  for (size_t i = 0; i < count; i++) {
    struct exec_proc *x = execs[i];
    if (pfd[3 * i].revents) pump(x, &x->out_fd, 'o');
    if (pfd[3 * i + 1].revents) pump(x, &x->err_fd, 'e');
    if (pfd[3 * i + 2].revents) write_in(x);
  }
  end_done(sh);
  size_t j = 0;
  for (size_t i = 0; i < nexecs; i++) {
    struct exec_proc *x = execs[i];
    if (!x->ended) {
      execs[j++] = x;
      continue;
    }
    if (x->pty_fd >= 0) close(x->pty_fd);
    free(x->fields);
    free(x);
  }
  nexecs = j;
}
