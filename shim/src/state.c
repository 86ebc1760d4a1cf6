#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"

/*
 * Every state file is replaced by rename, so a crash of the shim or of bosund never leaves one
 * torn. Only `durable` files are fsynced first: exit.json, the one fact that must outlive the
 * machine. Pid and status files describe live processes, which a power loss kills with them, and
 * their fsyncs cost milliseconds on the start and restart paths.
 */
int state_write_atomic(int dirfd, const char *name, const char *data, size_t len, bool durable) {
  char tmp[256];
  snprintf(tmp, sizeof tmp, ".%s.tmp", name);
  int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) goto fail;
  if (write_all(fd, data, len) < 0 || (durable && fsync(fd) != 0)) {
    int e = errno;
    close(fd);
    unlinkat(dirfd, tmp, 0);
    errno = e;
    goto fail;
  }
  close(fd);
  if (renameat(dirfd, tmp, dirfd, name) != 0) goto fail;
  return 0;
fail:
  say("cannot write %s: %s", name, strerror(errno));
  return -1;
}

int state_write_pidfile(int dirfd, const char *name, pid_t pid, unsigned long long start) {
  char line[64];
  int n = snprintf(line, sizeof line, "%d %llu\n", (int)pid, start);
  return state_write_atomic(dirfd, name, line, (size_t)n, false);
}

void state_time(struct buf *b, const struct timespec *t) {
  if (t->tv_sec == 0 && t->tv_nsec == 0) {
    buf_append(b, "null", 4);
    return;
  }
  char ts[TS_LEN + 1];
  ts_format(t, ts);
  buf_printf(b, "\"%s\"", ts);
}

static void exit_fields(struct buf *b, const struct status *st) {
  if (st->exit_code < 0) buf_append(b, "\"exitCode\":null", 15);
  else buf_printf(b, "\"exitCode\":%d", st->exit_code);
  if (st->signal > 0) buf_printf(b, ",\"signal\":%d", st->signal);
  else buf_append(b, ",\"signal\":null", 14);
}

void state_status_fields(struct buf *b, const struct status *st) {
  buf_printf(b, "\"state\":\"%s\",\"pid\":%d,\"pidStart\":%llu,\"restarts\":%u,\"startedAt\":",
             st->state, (int)st->pid, st->pid_start, st->restarts);
  state_time(b, &st->started_at);
  buf_append(b, ",\"finishedAt\":", 14);
  state_time(b, &st->finished_at);
  buf_append(b, ",", 1);
  exit_fields(b, st);
  buf_printf(b, ",\"stoppedByUser\":%s,\"oomKills\":%u,\"oomKilled\":%s,\"execs\":%s",
             st->stopped_by_user ? "true" : "false", st->oom_kills,
             st->oom_killed ? "true" : "false", st->execs ? st->execs : "[]");
}

int state_write_status(int dirfd, const struct status *st) {
  struct buf b _cleanup_buf_ = {0};
  buf_append(&b, "{", 1);
  state_status_fields(&b, st);
  buf_append(&b, "}\n", 2);
  return state_write_atomic(dirfd, "status.json", b.data, b.len, false);
}

int state_write_exit(int dirfd, const struct status *st, const char *reason, const char *error) {
  struct buf b _cleanup_buf_ = {0};
  buf_append(&b, "{", 1);
  exit_fields(&b, st);
  buf_append(&b, ",\"finishedAt\":", 14);
  state_time(&b, &st->finished_at);
  buf_printf(&b, ",\"reason\":\"%s\",\"restarts\":%u,\"oomKilled\":%s", reason, st->restarts,
             st->oom_killed ? "true" : "false");
  if (error) {
    buf_append(&b, ",\"error\":", 9);
    buf_json_str(&b, error);
  }
  buf_append(&b, "}\n", 2);
  return state_write_atomic(dirfd, "exit.json", b.data, b.len, true);
}

void state_event_now(struct buf *b, const char *type, const char *fields) {
  struct timespec now = wall_now();
  buf_printf(b, "{\"type\":\"%s\",%s%s\"time\":", type, fields ? fields : "", fields ? "," : "");
  state_time(b, &now);
  buf_append(b, "}", 1);
}

void state_event_start(struct buf *b, pid_t pid, const struct status *st) {
  buf_printf(b, "{\"type\":\"start\",\"pid\":%d,\"restarts\":%u,\"time\":", (int)pid, st->restarts);
  state_time(b, &st->started_at);
  buf_append(b, "}", 1);
}

void state_event_exit(struct buf *b, pid_t pid, const struct status *st, bool final,
                      const char *reason, const char *error) {
  buf_printf(b, "{\"type\":\"exit\",\"pid\":%d,", (int)pid);
  exit_fields(b, st);
  buf_append(b, ",\"time\":", 8);
  state_time(b, &st->finished_at);
  buf_printf(b, ",\"final\":%s,\"reason\":\"%s\",\"oomKilled\":%s", final ? "true" : "false", reason,
             st->oom_killed ? "true" : "false");
  if (error) {
    buf_append(b, ",\"error\":", 9);
    buf_json_str(b, error);
  }
  buf_append(b, "}", 1);
}
