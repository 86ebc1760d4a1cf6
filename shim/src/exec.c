#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "ctl.h"
#include "spawn.h"
#include "util.h"

#define MAX_ARGS 4096

struct exec_proc {
  unsigned id;
  pid_t pid;
  void *owner;        /* the ctl client that sent X; NULL once it is gone */
  int out_fd, err_fd; /* -1 after EOF */
  int in_fd;          /* -1 once closed */
  struct buf inq;     /* stdin bytes waiting for the pipe */
  bool in_close;      /* C: close stdin once inq is written */
  bool reaped;
  int status;
};

static struct exec_proc **execs;
static size_t nexecs, capexecs;
static unsigned next_id = 1;

static struct exec_proc *by_owner(void *owner) {
  for (size_t i = 0; i < nexecs; i++)
    if (execs[i]->owner == owner) return execs[i];
  return NULL;
}

/* Splits the X payload: ARGC, ARGC arguments, then NAME=VALUE strings, each NUL-terminated.
 * Returns argc (argv and env point into `copy`, NULL-terminated), or -1. */
static int parse(char *copy, size_t len, char ***argv, char ***env) {
  if (len == 0 || copy[len - 1] != '\0') return -1;
  size_t n = 0;
  for (size_t i = 0; i < len; i++) n += copy[i] == '\0';
  char **all = xmalloc((n + 2) * sizeof *all);
  size_t k = 0;
  for (char *p = copy; p < copy + len; p += strlen(p) + 1) all[k++] = p;
  unsigned long long argc;
  if (parse_uint(all[0], MAX_ARGS, &argc) != 0 || argc == 0 || argc > k - 1) {
    free(all);
    return -1;
  }
  for (size_t i = 1 + argc; i < k; i++)
    if (!strchr(all[i], '=') || all[i][0] == '=') {
      free(all);
      return -1;
    }
  /* argv = all[1..argc], then NULL; env = the rest, then NULL: shift env one slot right. */
  memmove(all + argc + 2, all + argc + 1, (k - 1 - argc) * sizeof *all);
  all[argc + 1] = NULL;
  all[k + 1] = NULL;
  *argv = all + 1;
  *env = all + argc + 2;
  return (int)argc;
}

static void add(struct exec_proc *x) {
  if (nexecs == capexecs) {
    capexecs = capexecs ? capexecs * 2 : 4;
    execs = xrealloc(execs, capexecs * sizeof *execs);
  }
  execs[nexecs++] = x;
}

static void __attribute__((noreturn))
child(const struct shim *sh, char **argv, char **env, int in[2], int out[2], int err[2], int rep[2]) {
  /* The container's process group: its stop, kill and pause reach this process too. If the main
   * process is gone already, the shim's session still holds it and the leftover kill finds it. */
  setpgid(0, sh->proc.pid);
  spawn_reset_child();
  int e = 0;
  const char *what = "exec";
  if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) e = errno;
  /* Only plain fds from 3 up stay open in the shim's child: everything but the report pipe goes. */
  if (!e && rep[1] != 3) {
    if (dup2(rep[1], 3) < 0) e = errno;
    else rep[1] = 3;
  }
  if (!e) {
    fcntl(3, F_SETFD, FD_CLOEXEC);
    close_fds_from(4);
  }
  if (!e && sh->cfg.cwd && chdir(sh->cfg.cwd) != 0) {
    e = errno;
    what = "chdir";
  }
  for (char **v = env; !e && *v; v++)
    if (putenv(*v) != 0) e = errno;
  if (!e) {
    execvp(argv[0], argv);
    e = errno;
  }
  char msg[600];
  int n = snprintf(msg, sizeof msg, "%s %s: %s", what,
                   strcmp(what, "chdir") == 0 ? sh->cfg.cwd : argv[0], strerror(e));
  (void)!write(rep[1], msg, n < (int)sizeof msg ? (size_t)n : sizeof msg - 1);
  _exit(e == ENOENT ? 127 : 126);
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
  char *copy _cleanup_free_ = xmalloc(len + 1);
  memcpy(copy, payload, len);
  copy[len] = '\0';
  char **argv, **env;
  if (parse(copy, len, &argv, &env) < 0) {
    buf_printf(reply, "err exec needs ARGC, the arguments and NAME=VALUE strings, NUL-terminated");
    return;
  }
  char **all _cleanup_free_ = argv - 1;
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, rep[2] = {-1, -1};
  pid_t pid = -1;
  if (pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0 &&
      pipe2(rep, O_CLOEXEC) == 0)
    pid = fork();
  if (pid == 0) child(sh, argv, env, in, out, err, rep);
  int e = errno;
  int keep[3] = {in[1], out[0], err[0]};
  int drop[4] = {in[0], out[1], err[1], rep[1]};
  for (size_t i = 0; i < 4; i++)
    if (drop[i] >= 0) close(drop[i]);
  if (pid < 0) {
    for (size_t i = 0; i < 3; i++)
      if (keep[i] >= 0) close(keep[i]);
    if (rep[0] >= 0) close(rep[0]);
    buf_printf(reply, "err cannot exec: %s", strerror(e));
    return;
  }
  setpgid(pid, sh->proc.pid);
  /* The child runs only its own setup before exec: waiting for the report here is bounded by
   * that, and makes `ok` mean the process runs (as S's reply does). */
  char msg[600];
  ssize_t n;
  do n = read(rep[0], msg, sizeof msg - 1);
  while (n < 0 && errno == EINTR);
  close(rep[0]);
  if (n > 0) {
    msg[n] = '\0';
    for (size_t i = 0; i < 3; i++) close(keep[i]);
    /* Kept without an id until the SIGCHLD pass reaps it: it is no session, and no container exit. */
    struct exec_proc *ghost = xmalloc(sizeof *ghost);
    *ghost = (struct exec_proc){.pid = pid, .out_fd = -1, .err_fd = -1, .in_fd = -1};
    add(ghost);
    buf_printf(reply, "err %s", msg);
    return;
  }
  struct exec_proc *x = xmalloc(sizeof *x);
  *x = (struct exec_proc){
      .id = next_id++, .pid = pid, .owner = owner, .out_fd = out[0], .err_fd = err[0], .in_fd = in[1]};
  set_nonblock(x->out_fd);
  set_nonblock(x->err_fd);
  set_nonblock(x->in_fd);
  add(x);
  say("exec %u: pid %d runs %s", x->id, (int)pid, argv[0]);
  buf_printf(reply, "ok %u %d", x->id, (int)pid);
}

/* Removes x once its process is reaped and its pipes are at EOF: then, after all its output,
 * the owner gets the exec-exit event. Only exec_dispatch removes, after its pass over pfd, so
 * the indexes of that pass stay valid. */
static void maybe_done(size_t i) {
  struct exec_proc *x = execs[i];
  if (!x->reaped || x->out_fd >= 0 || x->err_fd >= 0) return;
  if (x->owner && x->id) {
    struct buf b _cleanup_buf_ = {0};
    int sig = WIFSIGNALED(x->status) ? WTERMSIG(x->status) : 0;
    int code = sig ? 128 + sig : WEXITSTATUS(x->status);
    buf_printf(&b, "{\"type\":\"exec-exit\",\"id\":%u,\"pid\":%d,\"exitCode\":%d,\"signal\":", x->id,
               (int)x->pid, code);
    if (sig) buf_printf(&b, "%d}", sig);
    else buf_printf(&b, "null}");
    ctl_send(x->owner, 'J', b.data, b.len);
  }
  if (x->id) say("exec %u: pid %d ended (status 0x%x)", x->id, (int)x->pid, x->status);
  if (x->in_fd >= 0) close(x->in_fd);
  buf_free(&x->inq);
  free(x);
  execs[i] = execs[--nexecs];
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
      if (errno != EAGAIN) close_in(x); /* EPIPE: it closed its stdin */
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
  x->in_close = true;
  write_in(x);
  return true;
}

void exec_owner_gone(void *owner) {
  struct exec_proc *x = by_owner(owner);
  if (!x) return;
  say("exec %u: its client is gone; pid %d runs on, its output discarded", x->id, (int)x->pid);
  x->owner = NULL;
  /* Like a detached docker exec: its stdin ends, so a reader of stdin is not left waiting. */
  close_in(x);
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
    if (n <= 0) {
      close(*fd);
      *fd = -1;
      return;
    }
    if (x->owner) ctl_send(x->owner, type, data, (size_t)n);
  }
}

void exec_dispatch(const struct pollfd *pfd, size_t n) {
  /* Sessions added since pfd was built are not in it; none is removed before this loop ends. */
  size_t count = n / 3 < nexecs ? n / 3 : nexecs;
  for (size_t i = 0; i < count; i++) {
    struct exec_proc *x = execs[i];
    if (pfd[3 * i].revents) pump(x, &x->out_fd, 'o');
    if (pfd[3 * i + 1].revents) pump(x, &x->err_fd, 'e');
    if (pfd[3 * i + 2].revents) write_in(x);
  }
  for (size_t i = nexecs; i-- > 0;) maybe_done(i);
}
