/* The launcher: a small process bosund keeps beside it, which forks shims on request.
 *
 * Forking bosund itself costs milliseconds (its page tables are large) and stalls its event
 * loop meanwhile; forking this process costs a fraction of that, and the child runs the shim
 * directly, without an exec. Requests come on stdin, each a frame: a big-endian uint32 length,
 * then NUL-terminated strings: TAG, ARGC, ARGV[0..ARGC-1], then the container's environment
 * (NAME=VALUE each). Each shim answers on stdout with one line, `TAG ready SHIMPID PID` or
 * `TAG error MESSAGE`; lines are shorter than PIPE_BUF, so shims sharing the pipe never
 * interleave. The launcher dies with bosund (PDEATHSIG) and at EOF on stdin. */
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "util.h"

#define MAX_REQUEST (8u << 20)
#define MAX_TAG 32

extern char **environ;

static int read_full(int fd, void *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, (char *)buf + got, len - got);
    if (n == 0) return got == 0 ? 0 : -1;
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    got += (size_t)n;
  }
  return 1;
}

/* Splits the payload into its strings; NULL when it is malformed. */
static char **split(char *p, size_t len, size_t *count) {
  if (len == 0 || p[len - 1] != '\0') return NULL;
  size_t n = 0;
  for (size_t i = 0; i < len; i++) n += p[i] == '\0';
  char **v = calloc(n + 1, sizeof *v);
  if (!v) return NULL;
  for (size_t i = 0, k = 0; k < n; k++) {
    v[k] = p + i;
    i += strlen(p + i) + 1;
  }
  *count = n;
  return v;
}

static void __attribute__((noreturn)) run_child(char **s, size_t n) {
  /* The shim takes SIGCHLD through a signalfd; the launcher's own disposition must not leak in. */
  signal(SIGCHLD, SIG_DFL);
  prctl(PR_SET_PDEATHSIG, 0);
  const char *tag = s[0];
  unsigned long long argc;
  char line[128];
  if (strlen(tag) >= MAX_TAG || parse_uint(s[1], n - 2, &argc) != 0 || argc < 1) {
    snprintf(line, sizeof line, "%.*s error malformed launch request\n", MAX_TAG, tag);
    (void)!write(STDOUT_FILENO, line, strlen(line));
    _exit(2);
  }
  /* s is NULL-terminated, so the environment after the arguments already is; argv needs its own. */
  char **argv = calloc(argc + 1, sizeof *argv);
  if (!argv) _exit(1);
  memcpy(argv, s + 2, argc * sizeof *argv);
  environ = s + 2 + argc;
  char prefix[MAX_TAG + 1];
  snprintf(prefix, sizeof prefix, "%s ", tag);
  /* The request pipe is the launcher's; the shim reads nothing from stdin. */
  int devnull = open("/dev/null", O_RDONLY);
  if (devnull > 0) {
    dup2(devnull, STDIN_FILENO);
    close(devnull);
  }
  _exit(shim_main((int)argc, argv, prefix));
}

int launcher_run(void) {
  /* Children that exit (each shim's first process exits at once, having daemonized) are reaped
   * by the kernel; the launcher has nothing to learn from them. */
  signal(SIGCHLD, SIG_IGN);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) return 1; /* bosund died before the line above took effect */
  for (;;) {
    uint8_t hdr[4];
    int r = read_full(STDIN_FILENO, hdr, sizeof hdr);
    if (r == 0) return 0;
    if (r < 0) return 1;
    uint32_t len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    if (len > MAX_REQUEST) return 1;
    char *req = malloc(len + 1);
    if (!req) return 1;
    if (read_full(STDIN_FILENO, req, len) != 1) return 1;
    size_t n = 0;
    char **s = split(req, len, &n);
    if (!s || n < 3) {
      say("launcher: malformed request of %u bytes", len);
      free(s);
      free(req);
      continue;
    }
    pid_t pid = fork();
    if (pid == 0) run_child(s, n);
    if (pid < 0) {
      char line[128];
      snprintf(line, sizeof line, "%.*s error fork: %s\n", MAX_TAG, s[0], strerror(errno));
      (void)!write(STDOUT_FILENO, line, strlen(line));
    }
    free(s);
    free(req);
  }
}
