#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "clock.h"

static void vsay(const char *prefix, const char *fmt, va_list ap) {
  char line[1024];
  char ts[TS_LEN + 1];
  struct timespec now = wall_now();
  ts_format(&now, ts);
  int n = snprintf(line, sizeof line, "%s %s", ts, prefix);
  if (n < 0 || (size_t)n >= sizeof line) n = 0;
  int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
  size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
  if (len > sizeof line - 2) len = sizeof line - 2;
  line[len++] = '\n';
  (void)!write(STDERR_FILENO, line, len);
}

void say(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsay("", fmt, ap);
  va_end(ap);
}

void die_at(const char *file, int line, const char *fmt, ...) {
  char prefix[128];
  snprintf(prefix, sizeof prefix, "fatal (%s:%d): ", file, line);
  va_list ap;
  va_start(ap, fmt);
  vsay(prefix, fmt, ap);
  va_end(ap);
  _exit(1);
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) die("out of memory (%zu bytes)", n);
  return p;
}

void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) die("out of memory (%zu bytes)", n);
  return q;
}

void buf_reserve(struct buf *b, size_t extra) {
  if (b->off > 0 && b->cap - b->len < extra) {
    memmove(b->data, b->data + b->off, b->len - b->off);
    b->len -= b->off;
    b->off = 0;
  }
  if (b->cap - b->len >= extra) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->len < extra) cap *= 2;
  b->data = xrealloc(b->data, cap);
  b->cap = cap;
}

void buf_append(struct buf *b, const void *p, size_t n) {
  if (n == 0) return;
  buf_reserve(b, n);
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

void buf_printf(struct buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n <= 0) return;
  buf_reserve(b, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void buf_json_str(struct buf *b, const char *s) {
  buf_append(b, "\"", 1);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', (char)c};
      buf_append(b, esc, 2);
    } else if (c < 0x20) {
      buf_printf(b, "\\u%04x", c);
    } else {
      buf_append(b, s, 1);
    }
  }
  buf_append(b, "\"", 1);
}

void buf_consume(struct buf *b, size_t n) {
  b->off += n;
  if (b->off >= b->len) b->off = b->len = 0;
}

void buf_free(struct buf *b) {
  free(b->data);
  *b = (struct buf){0};
}

void buf_trim(struct buf *b) {
  if (buf_pending(b) == 0 && b->cap > 64 * 1024) buf_free(b);
}

void *big_alloc(size_t n) {
  void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) die("mmap %zu bytes: %s", n, strerror(errno));
  return p;
}

void big_free(void *p, size_t n) {
  if (p) munmap(p, n);
}

int set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

ssize_t write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(fd, c + done, n - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    done += (size_t)w;
  }
  return (ssize_t)done;
}

int parse_uint(const char *s, unsigned long long max, unsigned long long *out) {
  if (!s || *s < '0' || *s > '9') return -1;
  unsigned long long v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    unsigned d = (unsigned)(*s - '0');
    if (v > (max - d) / 10) return -1;
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

void close_range_fds(int first, int last) {
  unsigned hi = last < 0 ? ~0U : (unsigned)last;
#ifdef SYS_close_range
  if (syscall(SYS_close_range, (unsigned)first, hi, 0) == 0) return;
#endif
  long max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 65536) max = 65536;
  for (long fd = first; fd < max && (unsigned long)fd <= hi; fd++) close((int)fd);
}

/* bosund may leak descriptors into us; the container must not inherit them. */
void close_fds_from(int lowest) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 0) == 0) return;
#endif
  DIR *d = opendir("/proc/self/fd");
  if (!d) return;
  int self = dirfd(d);
  struct dirent *e;
  while ((e = readdir(d))) {
    int fd = atoi(e->d_name);
    if (fd >= lowest && fd != self) close(fd);
  }
  closedir(d);
}
