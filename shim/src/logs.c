#include "logs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "clock.h"
#include "util.h"

#define OBUF_SIZE (512 * 1024) /* the records of one 256 KiB read of ~100-byte lines */
#define HDR_LEN 40 /* "TIME stdout F " with the fixed-width time */
#define LOG_NAME "container.log"

static const char *const stream_names[2] = {"stdout", "stderr"};

static void log_name(char *out, size_t len, unsigned k) {
  if (k == 0) snprintf(out, len, LOG_NAME);
  else snprintf(out, len, LOG_NAME ".%u", k);
}

static int open_current(struct logw *lw) {
  lw->fd = openat(lw->dirfd, LOG_NAME, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (lw->fd < 0) return -1;
  struct stat st;
  lw->size = fstat(lw->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
  return 0;
}

int logs_open(struct logw *lw, int dirfd, uint64_t max_size, unsigned max_files) {
  *lw = (struct logw){.dirfd = dirfd, .fd = -1, .max_size = max_size, .max_files = max_files};
  return open_current(lw);
}

static void write_out(struct logw *lw, const struct iovec *iov, int n, size_t total) {
  if (lw->fd < 0 && open_current(lw) != 0) goto fail;
  size_t done = 0;
  while (done < total) {
    /* Regular files take the whole write unless the disk is full; finish a short one. */
    struct iovec v[3];
    int vn = 0;
    size_t skip = done;
    for (int i = 0; i < n; i++) {
      if (skip >= iov[i].iov_len) {
        skip -= iov[i].iov_len;
        continue;
      }
      v[vn].iov_base = (char *)iov[i].iov_base + skip;
      v[vn++].iov_len = iov[i].iov_len - skip;
      skip = 0;
    }
    ssize_t w = writev(lw->fd, v, vn);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) goto fail;
    done += (size_t)w;
    lw->size += (uint64_t)w;
  }
  lw->failing = 0;
  return;
fail:
  /* Never block or die over the log: the container keeps running, the loss is reported. */
  if (!lw->failing) say("cannot write " LOG_NAME ": %s (dropping output)", strerror(errno));
  lw->failing = 1;
}

static void flush(struct logw *lw) {
  if (lw->olen == 0) return;
  struct iovec v = {lw->obuf, lw->olen};
  write_out(lw, &v, 1, lw->olen);
  lw->olen = 0;
}

static void rotate(struct logw *lw) {
  flush(lw);
  if (lw->max_files <= 1) {
    if (lw->fd >= 0 && ftruncate(lw->fd, 0) == 0) lw->size = 0;
    return;
  }
  if (lw->fd >= 0) close(lw->fd);
  lw->fd = -1;
  /* Shift only the files that exist: --log-max-files may be large and the files few. */
  char from[64], to[64];
  unsigned top = 0;
  while (top + 1 < lw->max_files) {
    log_name(to, sizeof to, top + 1);
    if (faccessat(lw->dirfd, to, F_OK, 0) != 0) break;
    top++;
  }
  /* When every slot is taken, the oldest is dropped. Unlinked first rather than renamed over:
   * ext4 (auto_da_alloc) treats a rename over an existing file as "replace via rename" and
   * writes the renamed file's dirty pages out then and there, in our time, so every rotated
   * file went to disk only to be deleted a rotation later. */
  if (top == lw->max_files - 1) {
    log_name(to, sizeof to, top);
    if (unlinkat(lw->dirfd, to, 0) != 0 && errno != ENOENT)
      say("cannot remove %s: %s", to, strerror(errno));
    top--;
  }
  for (unsigned k = top + 1; k >= 1; k--) {
    log_name(from, sizeof from, k - 1);
    log_name(to, sizeof to, k);
    if (renameat(lw->dirfd, from, lw->dirfd, to) != 0 && errno != ENOENT)
      say("cannot rotate %s: %s", from, strerror(errno));
  }
  if (open_current(lw) != 0) say("cannot open " LOG_NAME ": %s", strerror(errno));
}

void logs_write(struct logw *lw, int stream, const char *data, size_t len,
                const struct timespec *ts) {
  if (!lw->obuf) lw->obuf = big_alloc(OBUF_SIZE);
  char hdr[HDR_LEN + 1];
  ts_format(ts, hdr);
  hdr[30] = ' ';
  memcpy(hdr + 31, stream_names[stream], 6);
  hdr[37] = ' ';
  hdr[39] = ' ';
  /* With a size cap, long lines are cut into P fragments that fit, so every file stays under it. */
  size_t max_text = (size_t)-1;
  if (lw->max_size) max_text = lw->max_size > HDR_LEN + 2 ? lw->max_size - HDR_LEN - 1 : 1;

  const char *p = data, *end = data + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    size_t consumed = nl ? n + 1 : n;
    hdr[38] = nl ? 'F' : 'P';
    if (n > max_text) {
      n = consumed = max_text;
      hdr[38] = 'P';
    }
    size_t rec = HDR_LEN + n + 1;
    uint64_t used = lw->size + lw->olen;
    if (lw->max_size && used > 0 && used + rec > lw->max_size) rotate(lw);
    if (lw->olen + rec > OBUF_SIZE) flush(lw);
    if (rec > OBUF_SIZE) {
      struct iovec v[3] = {{hdr, HDR_LEN}, {(void *)p, n}, {"\n", 1}};
      write_out(lw, v, 3, rec);
    } else {
      char *o = lw->obuf + lw->olen;
      memcpy(o, hdr, HDR_LEN);
      memcpy(o + HDR_LEN, p, n);
      o[HDR_LEN + n] = '\n';
      lw->olen += rec;
    }
    p += consumed;
  }
  flush(lw);
}

void logs_trim(struct logw *lw) {
  big_free(lw->obuf, OBUF_SIZE);
  lw->obuf = NULL;
}

/* ---- reading the tail back ---- */

struct record {
  int stream;
  char tag;
  const char *text;
  size_t len;
};

/* TIME STREAM TAG TEXT */
static bool parse_record(const char *line, size_t len, struct record *r) {
  const char *end = line + len;
  const char *s = memchr(line, ' ', len);
  if (!s || end - s < 10) return false;
  s++;
  if (memcmp(s, "stdout ", 7) == 0) r->stream = STREAM_STDOUT;
  else if (memcmp(s, "stderr ", 7) == 0) r->stream = STREAM_STDERR;
  else return false;
  r->tag = s[7];
  if ((r->tag != 'F' && r->tag != 'P') || s[8] != ' ') return false;
  r->text = s + 9;
  r->len = (size_t)(end - r->text);
  return true;
}

/* A position in the log: file k (0 = container.log, larger = older), byte offset. */
struct pos {
  unsigned k;
  off_t off;
};

static bool pos_before(struct pos a, struct pos b) {
  return a.k > b.k || (a.k == b.k && a.off < b.off);
}

#define CHUNK (64 * 1024)

/* Walks a file's lines from the end. The buffer holds file bytes [base, base + len); lines
 * after it were already returned. */
struct back {
  int fd;
  char *buf;
  size_t cap, len;
  off_t base;
};

static bool back_fill(struct back *b) {
  if (b->base == 0) return false;
  size_t n = b->base < CHUNK ? (size_t)b->base : CHUNK;
  if (b->len + n > b->cap) {
    b->cap = b->len + n;
    b->buf = xrealloc(b->buf, b->cap);
  }
  memmove(b->buf + n, b->buf, b->len);
  b->base -= (off_t)n;
  if (pread(b->fd, b->buf, n, b->base) != (ssize_t)n) return false;
  b->len += n;
  return true;
}

/* The previous complete line (without its newline); false at the start of the file. */
static bool back_line(struct back *b, off_t *off, const char **line, size_t *len) {
  if (b->len == 0 && !back_fill(b)) return false;
  for (;;) {
    /* Searching from the end minus the newline that ends this line. */
    char *nl = b->len >= 2 ? memrchr(b->buf, '\n', b->len - 1) : NULL;
    if (nl || b->base == 0) {
      size_t start = nl ? (size_t)(nl - b->buf) + 1 : 0;
      *off = b->base + (off_t)start;
      *line = b->buf + start;
      *len = b->len - start - 1;
      b->len = start;
      return true;
    }
    if (!back_fill(b)) return false;
  }
}

static void back_open(struct back *b, int fd) {
  struct stat st;
  b->fd = fd;
  b->len = 0;
  b->base = fstat(fd, &st) == 0 ? st.st_size : 0;
  /* A torn last record (no newline, after a crash) is not a record: drop it. */
  while (back_fill(b)) {
    char *nl = memrchr(b->buf, '\n', b->len);
    if (nl) {
      b->len = (size_t)(nl - b->buf) + 1;
      return;
    }
  }
  b->len = 0;
}

struct emitter {
  logs_emit_fn emit;
  void *ctx;
  struct buf pending;
  int stream;
};

static void emit_flush(struct emitter *e) {
  if (buf_pending(&e->pending)) e->emit(e->ctx, e->stream, buf_head(&e->pending), buf_pending(&e->pending));
  e->pending.off = e->pending.len = 0;
}

static void emit_record(struct emitter *e, const struct record *r) {
  if (e->stream != r->stream || buf_pending(&e->pending) >= CHUNK) emit_flush(e);
  e->stream = r->stream;
  buf_append(&e->pending, r->text, r->len);
  if (r->tag == 'F') buf_append(&e->pending, "\n", 1);
}

void logs_tail(int dirfd, unsigned max_files, unsigned streams, unsigned long long lines,
               size_t max_bytes, logs_emit_fn emit, void *ctx) {
  if (lines == 0 || streams == 0) return;
  int fds[64];
  unsigned nfiles = 0;
  struct back b = {0};
  /* Walking back, count complete lines until the Nth; then the record before it that ends a
   * line of the same stream marks the start. Records of another stream before their own last
   * line end (seen from here) belong to lines older than the window: cut per stream. */
  unsigned long long count = 0;
  int target = -1;
  bool have_cut[2] = {false, false};
  struct pos cut[2];
  struct pos start = {0, 0};
  size_t walked = 0;
  for (unsigned k = 0; k < max_files && k < 64; k++) {
    char name[64];
    log_name(name, sizeof name, k);
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) break;
    fds[nfiles++] = fd;
    start = (struct pos){k, 0};
    back_open(&b, fd);
    off_t off;
    const char *line;
    size_t len;
    while (back_line(&b, &off, &line, &len)) {
      walked += len + 1;
      if (walked > max_bytes) {
        /* Enough: more would only get the client dropped (8 MiB rule) and stall the loop. */
        start = (struct pos){k, off + (off_t)len + 1};
        goto found;
      }
      struct record r;
      if (!parse_record(line, len, &r) || !(streams & (1u << r.stream))) continue;
      if (target < 0) {
        if (r.tag == 'F' && ++count == lines) target = r.stream;
        continue;
      }
      if (r.tag != 'F') continue;
      struct pos after = {k, off + (off_t)len + 1};
      if (!have_cut[r.stream]) {
        have_cut[r.stream] = true;
        cut[r.stream] = after;
      }
      if (r.stream == target) {
        start = after;
        goto found;
      }
    }
  }
found:
  free(b.buf);

  struct emitter e = {emit, ctx, {0}, -1};
  char *buf = xmalloc(CHUNK);
  size_t cap = CHUNK;
  for (unsigned i = nfiles; i-- > 0;) {
    unsigned k = i;
    if (k > start.k) continue;
    off_t off = k == start.k ? start.off : 0;
    size_t have = 0;
    for (;;) {
      if (have == cap) {
        cap *= 2;
        buf = xrealloc(buf, cap);
      }
      ssize_t n = pread(fds[i], buf + have, cap - have, off + (off_t)have);
      if (n <= 0) break;
      have += (size_t)n;
      size_t used = 0;
      char *nl;
      while ((nl = memchr(buf + used, '\n', have - used))) {
        size_t len = (size_t)(nl - (buf + used));
        struct record r;
        struct pos at = {k, off + (off_t)used};
        if (parse_record(buf + used, len, &r) && (streams & (1u << r.stream)) &&
            !(have_cut[r.stream] && pos_before(at, cut[r.stream])))
          emit_record(&e, &r);
        used += len + 1;
      }
      memmove(buf, buf + used, have - used);
      have -= used;
      off += (off_t)used;
    }
  }
  emit_flush(&e);
  buf_free(&e.pending);
  free(buf);
  for (unsigned i = 0; i < nfiles; i++) close(fds[i]);
}
