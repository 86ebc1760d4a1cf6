#include "stdin.h"

#include <errno.h>

#include "util.h"

#define STDIN_QUEUE_MAX (1 << 20)

static struct buf queue;
static bool close_when_flushed;

static void close_pipe(struct shim *sh) {
  if (sh->proc.in_fd >= 0) close(sh->proc.in_fd);
  sh->proc.in_fd = -1;
  buf_free(&queue);
}

/* Writes what it can; false if the pipe is broken (the container closed its stdin). */
static bool write_some(struct shim *sh, const char **p, size_t *len) {
  while (*len > 0) {
    ssize_t w = write(sh->proc.in_fd, *p, *len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN;
    }
    *p += w;
    *len -= (size_t)w;
  }
  return true;
}

void stdin_feed(struct shim *sh, const char *data, size_t len) {
  if (sh->proc.in_fd < 0 || close_when_flushed) return;
  if (buf_pending(&queue) == 0 && !write_some(sh, &data, &len)) {
    close_pipe(sh); /* EPIPE: nobody reads it any more */
    return;
  }
  buf_append(&queue, data, len);
}

void stdin_close(struct shim *sh) {
  /* A terminal has no half-close: closing the master would hang it up, and a reader's EOF is a
   * ^D typed into it. */
  if (sh->proc.in_fd < 0 || sh->cfg.tty) return;
  close_when_flushed = true;
  if (buf_pending(&queue) == 0) close_pipe(sh);
}

bool stdin_wants_write(const struct shim *sh) {
  return sh->proc.in_fd >= 0 && buf_pending(&queue) > 0;
}

void stdin_on_writable(struct shim *sh) {
  if (sh->proc.in_fd < 0) return;
  const char *p = buf_head(&queue);
  size_t len = buf_pending(&queue), before = len;
  if (!write_some(sh, &p, &len)) {
    close_pipe(sh);
    return;
  }
  buf_consume(&queue, before - len);
  if (buf_pending(&queue) == 0) {
    buf_free(&queue);
    if (close_when_flushed) close_pipe(sh);
  }
}

void stdin_reset(struct shim *sh) {
  close_pipe(sh);
  close_when_flushed = false;
}

bool stdin_full(void) { return buf_pending(&queue) >= STDIN_QUEUE_MAX; }
