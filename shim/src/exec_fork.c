#include "exec_fork.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "isolate.h"
#include "pty.h"
#include "spawn.h"
#include "util.h"

#define MAX_ARGS 4096

struct options {
  bool tty;
  struct winsize size;
};

static bool all_digits(const char *s) { return *s && s[strspn(s, "0123456789")] == '\0'; }

/* Splits the X payload: options, ARGC, ARGC arguments, then NAME=VALUE strings, each
 * NUL-terminated. Returns the array that argv and env point into (NULL-terminated each; the
 * strings are in `copy`), to be freed; NULL with an err in `reply`. */
static char **parse(char *copy, size_t len, struct options *o, char ***argv, char ***env,
                    struct buf *reply) {
  if (len == 0 || copy[len - 1] != '\0') goto malformed;
  size_t n = 0;
  for (size_t i = 0; i < len; i++) n += copy[i] == '\0';
  char **all = xmalloc((n + 2) * sizeof *all);
  size_t k = 0;
  for (char *p = copy; p < copy + len; p += strlen(p) + 1) all[k++] = p;
  /* Options until ARGC: it is all digits, and they never are. */
  size_t a = 0;
  for (; a < k && !all_digits(all[a]); a++) {
    if (strcmp(all[a], "tty") == 0) o->tty = true;
    else if (strncmp(all[a], "size=", 5) != 0 || pty_parse_size(all[a] + 5, 'x', &o->size) != 0) {
      buf_printf(reply, "err invalid exec option \"%.64s\" (tty, size=ROWSxCOLS with 1-65535 each)",
                 all[a]);
      free(all);
      return NULL;
    }
  }
  unsigned long long argc;
  if (a == k || parse_uint(all[a], MAX_ARGS, &argc) != 0 || argc == 0 || argc > k - a - 1) {
    free(all);
    goto malformed;
  }
  size_t first_env = a + 1 + argc;
  for (size_t i = first_env; i < k; i++)
    if (!strchr(all[i], '=') || all[i][0] == '=') {
      free(all);
      goto malformed;
    }
  /* argv = all[a+1 .. first_env), then NULL; env = the rest, then NULL: shift env one slot right. */
  memmove(all + first_env + 1, all + first_env, (k - first_env) * sizeof *all);
  all[first_env] = NULL;
  all[k + 1] = NULL;
  *argv = all + a + 1;
  *env = all + first_env + 1;
  return all;
malformed:
  buf_printf(reply, "err exec needs options, ARGC, the arguments and NAME=VALUE strings, "
                    "NUL-terminated");
  return NULL;
}

static char *command_json(char **argv) {
  struct buf b = {0};
  buf_append(&b, "[", 1);
  for (char **a = argv; *a; a++) {
    if (a != argv) buf_append(&b, ",", 1);
    buf_json_str(&b, *a);
  }
  buf_append(&b, "]", 2); /* with its NUL: a C string */
  return b.data;
}

/* Pipes, or a terminal whose master is read as stdout and written as stdin (dups, so closing
 * them as pipe ends leaves the master for resizes). 0, or -1 with errno. */
static int open_stdio(const struct options *o, int in[2], int out[2], int err[2], int *master,
                      int *slave) {
  if (!o->tty)
    return pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0
               ? -1
               : 0;
  if (pty_open(&o->size, master, slave) != 0) return -1;
  out[0] = fcntl(*master, F_DUPFD_CLOEXEC, 3);
  in[1] = fcntl(*master, F_DUPFD_CLOEXEC, 3);
  return out[0] < 0 || in[1] < 0 ? -1 : 0;
}

static void close_all(const int *fds, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (fds[i] >= 0) close(fds[i]);
}

/* The container's process group as this child names it: the main process is PID 1 of its own
 * pid namespace with --ns pid, which this child has joined (setpgid reads the caller's). */
static pid_t container_group(const struct shim *sh) {
  return sh->cfg.ns_flags & CLONE_NEWPID ? 1 : sh->proc.pid;
}

/* The container's namespaces (the pid one is the parent's doing), user and privileges, then its
 * cwd: --cwd, "/" of a rootfs, or the shim's own (the main process's too), which a joined mount
 * namespace would otherwise have reset to its root. 0, or -1 with *f filled. */
static int enter_container(const struct shim *sh, struct exec_failure *f, const char **cwd) {
  static char here[4096]; /* the child's own: the error message may name it */
  *cwd = isolate_cwd(&sh->cfg);
  if (!*cwd && (sh->cfg.ns_flags & CLONE_NEWNS)) *cwd = getcwd(here, sizeof here);
  if (isolate_enter(&sh->cfg, sh->proc.pid, f) != 0 || isolate_privileges(&sh->cfg, f) != 0)
    return -1;
  if (*cwd && chdir(*cwd) != 0) {
    *f = (struct exec_failure){.stage = EXEC_STAGE_CHDIR, .err = errno};
    return -1;
  }
  return 0;
}

static void __attribute__((noreturn))
child(const struct shim *sh, bool tty, char **argv, char **env, int in[2], int out[2], int err[2],
      int slave, int rep[2]) {
  spawn_reset_child();
  int e = 0, cgroup = 0;
  const char *what = "exec", *subject = argv[0];
  struct exec_failure f = {0};
  const char *cwd = NULL;
  /* The container's cgroups first, as for its main process: an exec counts against its limits. */
  if (cgroup_join(&sh->cfg, &cgroup) != 0) {
    e = errno;
    what = "cgroup";
    subject = sh->cfg.cgroups[cgroup];
  } else if (tty) {
    /* Its own session, whose controlling terminal the slave becomes. */
    if (pty_child(slave) != 0) {
      e = errno;
      what = "terminal";
      subject = NULL;
    }
  } else {
    /* The container's process group: its stop, kill and pause reach this process too. If the main
     * process is gone already, the shim's session still holds it and the leftover kill finds it.
     * A --tty container's group is in its terminal's session, which no other process can join:
     * then a group of its own, which K and T signal as well. */
    setpgid(0, sh->cfg.tty ? 0 : container_group(sh));
    if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) e = errno;
  }
  /* Only plain fds from 3 up stay open in the shim's child: everything but the report pipe goes. */
  if (!e && rep[1] != 3) {
    if (dup2(rep[1], 3) < 0) e = errno;
    else rep[1] = 3;
  }
  if (!e) {
    fcntl(3, F_SETFD, FD_CLOEXEC);
    close_fds_from(4);
  }
  if (!e && enter_container(sh, &f, &cwd) != 0) {
    e = f.err;
    what = "chdir"; /* unless an isolation step failed: then isolate_describe names it, below */
    subject = cwd;
  }
  for (char **v = env; !e && *v; v++)
    if (putenv(*v) != 0) e = errno;
  if (!e) {
    execvp(argv[0], argv);
    e = errno;
  }
  char msg[600];
  int n;
  if (f.stage == EXEC_STAGE_ISOLATE) {
    isolate_describe(&sh->cfg, &f, msg, sizeof msg);
    n = (int)strlen(msg);
  } else {
    n = snprintf(msg, sizeof msg, "%s%s%s: %s", what, subject ? " " : "", subject ? subject : "",
                 strerror(e));
  }
  (void)!write(rep[1], msg, n < (int)sizeof msg ? (size_t)n : sizeof msg - 1);
  _exit(e == ENOENT ? 127 : 126);
}

int exec_fork(const struct shim *sh, const char *payload, size_t len, struct exec_child *c,
              struct buf *reply) {
  *c = (struct exec_child){.out_fd = -1, .err_fd = -1, .in_fd = -1, .pty_fd = -1};
  char *copy _cleanup_free_ = xmalloc(len + 1);
  memcpy(copy, payload, len);
  copy[len] = '\0';
  struct options o = {.size = {.ws_row = PTY_DEFAULT_ROWS, .ws_col = PTY_DEFAULT_COLS}};
  char **argv, **env;
  char **all _cleanup_free_ = parse(copy, len, &o, &argv, &env, reply);
  if (!all) return -1;
  bool own_group = o.tty || sh->cfg.tty;
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, rep[2] = {-1, -1};
  int master = -1, slave = -1;
  pid_t pid = -1;
  const char *step = NULL;
  if (open_stdio(&o, in, out, err, &master, &slave) == 0 && pipe2(rep, O_CLOEXEC) == 0)
    pid = isolate_fork_exec(&sh->cfg, sh->proc.pid, &step);
  if (pid == 0) child(sh, o.tty, argv, env, in, out, err, slave, rep);
  int e = errno;
  int keep[4] = {in[1], out[0], err[0], master};
  int drop[4] = {in[0], out[1], err[1], rep[1]};
  close_all(drop, 4);
  if (pid < 0) {
    close_all(keep, 4);
    int rest[2] = {rep[0], slave};
    close_all(rest, 2);
    if (step) buf_printf(reply, "err cannot exec: %s: %s", step, strerror(e));
    else buf_printf(reply, "err cannot exec: %s", strerror(e));
    return -1;
  }
  c->pid = pid;
  if (!own_group) setpgid(pid, sh->proc.pid);
  /* The child runs only its own setup before exec: waiting for the report here is bounded by
   * that, and makes `ok` mean the process runs (as S's reply does). */
  char msg[600];
  ssize_t n;
  do n = read(rep[0], msg, sizeof msg - 1);
  while (n < 0 && errno == EINTR);
  close(rep[0]);
  /* The child has the slave as 0, 1 and 2 now, or never will: the terminal's output ends when
   * its processes close it, not when the shim does. */
  if (slave >= 0) close(slave);
  if (n > 0) {
    msg[n] = '\0';
    close_all(keep, 4);
    buf_printf(reply, "err %s", msg);
    return -1;
  }
  c->tty = o.tty;
  c->own_group = own_group;
  c->out_fd = out[0];
  c->err_fd = err[0];
  c->in_fd = in[1];
  c->pty_fd = master;
  c->command = command_json(argv);
  set_nonblock(c->out_fd);
  if (c->err_fd >= 0) set_nonblock(c->err_fd);
  set_nonblock(c->in_fd);
  return 0;
}
