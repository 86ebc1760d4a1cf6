#include "args.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "util.h"

static const struct {
  const char *name;
  int flag;
} namespaces[] = {
    {"pid", CLONE_NEWPID}, {"mount", CLONE_NEWNS}, {"uts", CLONE_NEWUTS},
    {"ipc", CLONE_NEWIPC}, {"net", CLONE_NEWNET},
};

/* pid,mount,… → CLONE_NEW* flags; -1 on an unknown name. */
static int parse_ns(const char *list) {
  char *copy _cleanup_free_ = strdup(list), *save = NULL;
  int flags = 0;
  for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
    size_t i = 0;
    while (i < sizeof namespaces / sizeof namespaces[0] && strcmp(w, namespaces[i].name) != 0) i++;
    if (i == sizeof namespaces / sizeof namespaces[0]) return -1;
    flags |= namespaces[i].flag;
  }
  return flags;
}

/* SRC:DST[:ro], both absolute. */
static int parse_mount(const char *v, struct mount_spec *m) {
  char *copy = strdup(v);
  char *dst = strchr(copy, ':');
  if (!dst) goto bad;
  *dst++ = '\0';
  char *opt = strchr(dst, ':');
  if (opt) {
    *opt++ = '\0';
    if (strcmp(opt, "ro") != 0 && strcmp(opt, "rw") != 0) goto bad;
  }
  if (copy[0] != '/' || dst[0] != '/') goto bad;
  *m = (struct mount_spec){.src = copy, .dst = dst, .ro = opt && strcmp(opt, "ro") == 0};
  return 0;
bad:
  free(copy);
  return -1;
}

/* UID[:GID], decimal; the group defaults to the uid's number, as for `docker run -u 1000`. */
static int parse_user(const char *v, struct config *cfg) {
  char *copy _cleanup_free_ = strdup(v);
  char *g = strchr(copy, ':');
  if (g) *g++ = '\0';
  unsigned long long uid, gid;
  if (parse_uint(copy, 0xfffffffeULL, &uid) != 0) return -1;
  gid = uid;
  if (g && parse_uint(g, 0xfffffffeULL, &gid) != 0) return -1;
  cfg->has_user = true;
  cfg->uid = (unsigned)uid;
  cfg->gid = (unsigned)gid;
  return 0;
}

static const char *const valued[] = {
    "--dir",     "--cwd",   "--restart", "--log-max-size", "--log-max-files", "--cgroup",
    "--max-lifetime", "--heartbeat-timeout", "--ns", "--hostname", "--rootfs", "--mount",
    "--user",    "--caps",
};

static bool takes_value(const char *a) {
  for (size_t i = 0; i < sizeof valued / sizeof valued[0]; i++)
    if (strcmp(a, valued[i]) == 0) return true;
  return false;
}

#define FAIL(...)                                                                                \
  do {                                                                                           \
    snprintf(err, errlen, __VA_ARGS__);                                                          \
    return -1;                                                                                   \
  } while (0)

int args_parse(int argc, char **argv, struct config *cfg, char *err, size_t errlen) {
  *cfg = (struct config){.policy = {POLICY_NO, -1}, .log_max_files = 1};
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (strcmp(a, "--stdin") == 0) cfg->stdin_pipe = true;
    else if (strcmp(a, "--tty") == 0) cfg->tty = true;
    else if (strcmp(a, "--read-only") == 0) cfg->read_only = true;
    else if (strcmp(a, "--no-new-privs") == 0) cfg->no_new_privs = true;
    else if (!takes_value(a)) FAIL("unknown option %s (the command comes after --)", a);
    else if (i + 1 >= argc) FAIL("%s needs a value", a);
    if (!takes_value(a)) continue;

    const char *v = argv[++i];
    unsigned long long n;
    if (strcmp(a, "--dir") == 0) {
      cfg->dir = v;
    } else if (strcmp(a, "--cwd") == 0) {
      cfg->cwd = v;
    } else if (strcmp(a, "--restart") == 0) {
      if (policy_parse(v, &cfg->policy) != 0)
        FAIL("invalid --restart %s (no, always, unless-stopped, on-failure, on-failure:N)", v);
    } else if (strcmp(a, "--log-max-size") == 0) {
      if (parse_uint(v, (1ULL << 62), &n) != 0) FAIL("invalid --log-max-size %s (a number of bytes)", v);
      cfg->log_max_size = n;
    } else if (strcmp(a, "--log-max-files") == 0) {
      if (parse_uint(v, 1000000, &n) != 0 || n < 1)
        FAIL("invalid --log-max-files %s (a number >= 1)", v);
      cfg->log_max_files = (unsigned)n;
    } else if (strcmp(a, "--cgroup") == 0) {
      if (v[0] != '/') FAIL("invalid --cgroup %s (an absolute directory)", v);
      if (cfg->ncgroups == MAX_CGROUPS) FAIL("at most %d --cgroup directories", MAX_CGROUPS);
      cfg->cgroups[cfg->ncgroups++] = v;
    } else if (strcmp(a, "--max-lifetime") == 0 || strcmp(a, "--heartbeat-timeout") == 0) {
      if (parse_uint(v, 100ULL * 365 * 86400000, &n) != 0 || n == 0)
        FAIL("invalid %s %s (milliseconds, > 0)", a, v);
      *(strcmp(a, "--max-lifetime") == 0 ? &cfg->max_lifetime_ms : &cfg->heartbeat_timeout_ms) = n;
    } else if (strcmp(a, "--ns") == 0) {
      int flags = parse_ns(v);
      if (flags < 0) FAIL("invalid --ns %s (comma-separated: pid, mount, uts, ipc, net)", v);
      cfg->ns_flags |= flags;
    } else if (strcmp(a, "--hostname") == 0) {
      if (!*v || strlen(v) > 64) FAIL("invalid --hostname %s (1-64 characters)", v);
      cfg->hostname = v;
    } else if (strcmp(a, "--rootfs") == 0) {
      if (v[0] != '/') FAIL("invalid --rootfs %s (an absolute directory)", v);
      cfg->rootfs = v;
    } else if (strcmp(a, "--mount") == 0) {
      if (cfg->nmounts == MAX_MOUNTS) FAIL("at most %d --mount options", MAX_MOUNTS);
      if (parse_mount(v, &cfg->mounts[cfg->nmounts]) != 0)
        FAIL("invalid --mount %s (SOURCE:TARGET[:ro], absolute paths)", v);
      cfg->nmounts++;
    } else if (strcmp(a, "--user") == 0) {
      if (parse_user(v, cfg) != 0) FAIL("invalid --user %s (UID[:GID], numbers)", v);
    } else {
      if (caps_parse(v, &cfg->caps, err, errlen) != 0) return -1;
      cfg->has_caps = true;
    }
  }
  if (!cfg->dir || !*cfg->dir) FAIL("--dir is required");
  if (i >= argc || !*argv[i]) FAIL("no command (give it after --)");
  if (cfg->hostname && !(cfg->ns_flags & CLONE_NEWUTS)) FAIL("--hostname needs --ns uts");
  if ((cfg->rootfs || cfg->nmounts) && !(cfg->ns_flags & CLONE_NEWNS))
    FAIL("--rootfs and --mount need --ns mount");
  if (cfg->read_only && !cfg->rootfs) FAIL("--read-only needs --rootfs");
  cfg->argv = argv + i;
  return 0;
}
