/* Killing what a container leaves behind, finding its processes, and reading /proc/PID/stat. */
#ifndef BOSUN_REAP_H
#define BOSUN_REAP_H

#include <stdbool.h>
#include <sys/types.h>

struct pstat {
  char state; /* R, S, D, Z, ... */
  pid_t ppid, pgrp, session;
  unsigned long long start; /* field 22: start time in clock ticks since boot */
};

/* 0 or -1 (the process is gone). */
int pstat_read(pid_t pid, struct pstat *st);

/* SIGKILLs the container's process group, every child of the shim (orphans are re-parented to
 * it, a subreaper), every process in the container's cgroup (cgroup_kill_all) and, when
 * `full_scan`, every process of the shim's session found in /proc.
 * The caller reaps first; the result is how many processes were signalled, so 0 means nothing
 * is left. Killing a child re-parents its own children to the shim, hence the caller repeats
 * this (on SIGCHLD) until it returns 0. */
int reap_leftovers(pid_t self, pid_t pgid, bool full_scan);

struct member {
  pid_t pid;
  char state;
};

/* Every process of the container, by one walk over /proc: every descendant of the shim (orphans
 * are re-parented to it, a subreaper, so a double fork or a setsid hides none) and every other
 * member of its session; not the shim itself. *out is malloc'd (the caller frees it); the result
 * is how many, 0 when /proc cannot be read. */
size_t reap_members(pid_t self, struct member **out);

#endif
