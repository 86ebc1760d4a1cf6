/* Small helpers shared by every part of the shim: fatal errors, diagnostics, cleanup
 * attributes, and a growable byte buffer. */
#ifndef BOSUN_UTIL_H
#define BOSUN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* Fatal error in the shim itself: a line in shim.log (our stderr), exit 1. A shim that dies
 * leaves no exit.json, which bosund reports as a lost shim: that is the honest outcome. */
#define die(...) die_at(__FILE__, __LINE__, __VA_ARGS__)
void die_at(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

/* One diagnostic line (timestamped) to shim.log; never blocks the loop for long: it is a file. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void close_fdp(int *fd) {
  if (*fd >= 0) close(*fd);
}
static inline void free_p(void *p) { free(*(void **)p); }
#define _cleanup_close_ __attribute__((cleanup(close_fdp)))
#define _cleanup_free_ __attribute__((cleanup(free_p)))

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);

/* A byte queue: bytes [off, len) are pending. Allocated on first use, so an idle client or
 * an empty stdin queue costs nothing. */
struct buf {
  char *data;
  size_t off, len, cap;
};

static inline size_t buf_pending(const struct buf *b) { return b->len - b->off; }
static inline char *buf_head(const struct buf *b) { return b->data + b->off; }
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_json_str(struct buf *b, const char *s); /* a quoted, escaped JSON string */
void buf_consume(struct buf *b, size_t n);
void buf_free(struct buf *b);
void buf_trim(struct buf *b); /* gives the memory back once empty, so a burst does not stay resident */
#define _cleanup_buf_ __attribute__((cleanup(buf_free)))

/* Big buffers come straight from mmap: glibc's adaptive mmap threshold would otherwise keep
 * a freed 1 MiB buffer in the heap, and the shim's idle memory must stay near sleep's. */
void *big_alloc(size_t n);
void big_free(void *p, size_t n);

int set_nonblock(int fd);
ssize_t write_all(int fd, const void *p, size_t n); /* for blocking fds (files) */
int parse_uint(const char *s, unsigned long long max, unsigned long long *out);
void close_fds_from(int lowest);
void close_range_fds(int first, int last); /* last < 0: to the end */

#endif
