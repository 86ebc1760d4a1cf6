#include "reap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "util.h"

int pstat_read(pid_t pid, struct pstat *st) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd _cleanup_close_ = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  if (n <= 0) return -1;
  buf[n] = '\0';
  /* comm (field 2) can hold spaces and parentheses: the fields resume after the LAST ')'. */
  char *p = strrchr(buf, ')');
  if (!p || p[1] != ' ') return -1;
  p += 2;
  st->state = *p;
  /* fields 3.. are space-separated from here: state ppid pgrp session ... starttime(22) */
  unsigned long long v[20] = {0};
  int field = 3;
  for (char *tok = p; *tok && field <= 22; field++) {
    char *end = strchr(tok, ' ');
    if (field > 3) v[field - 3] = strtoull(tok, NULL, 10);
    if (!end) break;
    tok = end + 1;
  }
  if (field < 22) return -1;
  st->ppid = (pid_t)v[1];
  st->pgrp = (pid_t)v[2];
  st->session = (pid_t)v[3];
  st->start = v[19];
  return 0;
}

/* One file lists the shim's children, so the common case (nothing left) costs a few syscalls,
 * not a walk over every process on a busy host: that walk would eat the restart budget. */
static int kill_children(pid_t self) {
  char path[80];
  snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)self, (int)self);
  int fd _cleanup_close_ = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[4096];
  int n = 0;
  long cur = -1;
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    for (ssize_t i = 0; i < r; i++) {
      if (buf[i] >= '0' && buf[i] <= '9') {
        cur = (cur < 0 ? 0 : cur * 10) + (buf[i] - '0');
      } else if (cur >= 0) {
        kill((pid_t)cur, SIGKILL);
        n++;
        cur = -1;
      }
    }
  }
  if (cur >= 0) {
    kill((pid_t)cur, SIGKILL);
    n++;
  }
  return n;
}

/* The full scan (and the fallback when /proc/PID/task/TID/children is missing): every member of
 * the container that reap_members finds in its one walk over /proc. */
static int kill_members(pid_t self) {
  struct member *m;
  size_t n = reap_members(self, &m);
  for (size_t i = 0; i < n; i++) kill(m[i].pid, SIGKILL);
  free(m);
  return (int)n;
}

int reap_leftovers(pid_t self, pid_t pgid, bool full_scan) {
  int n = 0;
  if (pgid > 0 && kill(-pgid, SIGKILL) == 0) n++;
  int c = full_scan ? -1 : kill_children(self);
  n += c >= 0 ? c : kill_members(self);
  /* The cgroup holds what escaped both the session and the subreaper (re-parented elsewhere). */
  return n + cgroup_kill_all(self);
}

struct node {
  pid_t pid, ppid;
  char state;
  bool in; /* of the container */
};

static int by_pid(const void *a, const void *b) {
  pid_t x = ((const struct node *)a)->pid, y = ((const struct node *)b)->pid;
  return (x > y) - (x < y);
}

size_t reap_members(pid_t self, struct member **out) {
  *out = NULL;
  DIR *d = opendir("/proc");
  if (!d) return 0;
  struct node *all = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    pid_t pid = (pid_t)atoi(e->d_name);
    struct pstat st;
    if (pid == self || pstat_read(pid, &st) != 0) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 256;
      all = xrealloc(all, cap * sizeof *all);
    }
    all[n++] = (struct node){pid, st.ppid, st.state, st.ppid == self || st.session == self};
  }
  closedir(d);
  /* Descendants by parent links: a tree is rarely deeper than a few levels, so a few passes. */
  qsort(all, n, sizeof *all, by_pid);
  for (bool grew = true; grew;) {
    grew = false;
    for (size_t i = 0; i < n; i++) {
      if (all[i].in) continue;
      struct node key = {.pid = all[i].ppid};
      struct node *parent = bsearch(&key, all, n, sizeof *all, by_pid);
      if (parent && parent->in) all[i].in = grew = true;
    }
  }
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (all[i].in) m++;
  if (m > 0) {
    *out = xmalloc(m * sizeof **out);
    m = 0;
    for (size_t i = 0; i < n; i++)
      if (all[i].in) (*out)[m++] = (struct member){all[i].pid, all[i].state};
  }
  free(all);
  return m;
}
