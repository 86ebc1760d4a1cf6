#include "output.h"

#include <errno.h>
#include <fcntl.h>

#include "clock.h"
#include "ctl.h"
#include "util.h"

#define RBUF_SIZE (256 * 1024)
#define PUMP_READS 4 /* per wakeup, so one busy stream cannot starve the rest */
#define PIPE_DEFAULT (64 * 1024)
#define PIPE_BIG (1024 * 1024)
#define IDLE_TRIM_MS 2000
/* After a big read that emptied the pipe, the writer is fast: let the pipe fill for this long
 * before the next read. Reading as soon as anything is there means a wakeup and a log write
 * per ~40 KiB, about 30% more CPU for the shim; holding too long lets the pipe fill up and
 * stalls the writer (a fast writer fills 1 MiB in under 1 ms: a 1 ms hold cost ~15% of the
 * throughput). 200 µs keeps reads at a few hundred KiB. Small reads (a prompt, a log line)
 * are never held, nor is a read that found the pipe full: the writer was already waiting. */
#define HOLD_AFTER_BIG_READ_US 200
#define BIG_READ (64 * 1024)

/* Mapped when output first flows and unmapped after a quiet period, so an idle container's
 * shim holds no buffer at all. */
static char *rbuf;
static int64_t trim_check_at;
static bool active;
static int64_t hold_until_us[2];
static int big_pipe_size[2]; /* what F_SETPIPE_SZ gave, once proc.big_pipe[stream] is set */

static int *stream_fd(struct shim *sh, int stream) {
  return stream == STREAM_STDOUT ? &sh->proc.out_fd : &sh->proc.err_fd;
}

static bool pump(struct shim *sh, int stream, bool until_empty, int max_reads) {
  int *fd = stream_fd(sh, stream);
  for (int reads = 0; *fd >= 0 && reads < max_reads; reads++) {
    if (!rbuf) {
      rbuf = big_alloc(RBUF_SIZE);
      trim_check_at = mono_ms() + IDLE_TRIM_MS;
    }
    ssize_t n = read(*fd, rbuf, RBUF_SIZE);
    /* A read of a whole pipe (one that could not be grown, say) is not held: the writer
     * has been blocked on the full pipe, and holding would cap it at a pipe per hold. */
    ssize_t pipe_size = sh->proc.big_pipe[stream] ? big_pipe_size[stream] : PIPE_DEFAULT;
    if (n >= BIG_READ && n < RBUF_SIZE && n < pipe_size && !until_empty)
      hold_until_us[stream] = mono_us() + HOLD_AFTER_BIG_READ_US;
    if (n > 0) {
      active = true;
      /* One clock read and one formatted stamp per read, whatever the number of lines. */
      struct timespec ts = wall_now();
      logs_write(&sh->log, stream, rbuf, (size_t)n, &ts);
      ctl_output(stream, rbuf, (size_t)n);
      /* A full default pipe means a fast writer: give it room. Done lazily because pipe
       * pages count against a per-user quota that a thousand idle shims must not eat. */
      if (n >= PIPE_DEFAULT && !sh->proc.big_pipe[stream]) {
        sh->proc.big_pipe[stream] = true;
        int size = fcntl(*fd, F_SETPIPE_SZ, PIPE_BIG);
        big_pipe_size[stream] = size > 0 ? size : PIPE_DEFAULT;
      }
      if (n < RBUF_SIZE && !until_empty) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    close(*fd); /* EOF, or an error that means the same */
    *fd = -1;
    return true;
  }
  return false;
}

bool out_pump(struct shim *sh, int stream) { return pump(sh, stream, false, PUMP_READS); }

void out_drain(struct shim *sh) {
  /* Bounded: a leftover that escaped the group may still be writing; the loop reads the rest. */
  pump(sh, STREAM_STDOUT, true, 64);
  pump(sh, STREAM_STDERR, true, 64);
}

int64_t out_next_deadline(void) { return rbuf ? trim_check_at : 0; }

bool out_held(int stream, int64_t now_us) { return now_us < hold_until_us[stream]; }

int64_t out_hold_deadline_us(int64_t now_us) {
  int64_t t = 0;
  for (int s = 0; s < 2; s++)
    if (hold_until_us[s] > now_us && (!t || hold_until_us[s] < t)) t = hold_until_us[s];
  return t;
}

void out_on_timer(struct shim *sh, int64_t now) {
  if (!rbuf || now < trim_check_at) return;
  if (active) {
    active = false;
    trim_check_at = now + IDLE_TRIM_MS;
    return;
  }
  big_free(rbuf, RBUF_SIZE);
  rbuf = NULL;
  logs_trim(&sh->log);
}
