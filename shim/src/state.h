/* The files a restarted bosund reads (docs/shim.md, "Files in DIR"), all written atomically,
 * and the JSON shapes they share with events. */
#ifndef BOSUN_STATE_H
#define BOSUN_STATE_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "util.h"

struct status {
  const char *state; /* created, running, paused, restarting, exited */
  pid_t pid;
  unsigned long long pid_start;
  unsigned restarts;
  struct timespec started_at, finished_at; /* {0,0}: null */
  int exit_code;                           /* -1: null */
  int signal;                              /* 0: null */
  bool stopped_by_user;
  unsigned oom_kills; /* OOM kills in the container's memory cgroup since the shim started */
  bool oom_killed;    /* the last exit: OOM kills happened during that run */
  char *execs; /* the live exec sessions as a JSON array, kept by exec.c; NULL: none */
};

/* Write, rename (fsync first when durable): a crash never leaves a torn file. */
int state_write_atomic(int dirfd, const char *name, const char *data, size_t len, bool durable);
int state_write_pidfile(int dirfd, const char *name, pid_t pid, unsigned long long start);
int state_write_status(int dirfd, const struct status *st);
int state_write_exit(int dirfd, const struct status *st, const char *reason, const char *error);

/* Events (docs/shim.md, "Control socket"), built here beside the status they share fields with.
 * state_event_now: {"type":TYPE,FIELDS,"time":NOW}, FIELDS a JSON fragment or NULL. */
void state_event_now(struct buf *b, const char *type, const char *fields);
void state_event_start(struct buf *b, pid_t pid, const struct status *st);
void state_event_exit(struct buf *b, pid_t pid, const struct status *st, bool final,
                      const char *reason, const char *error);

/* The status object's fields without braces, for status.json and the status event. */
void state_status_fields(struct buf *b, const struct status *st);
void state_time(struct buf *b, const struct timespec *t); /* "ISO" or null */

#endif
