/* container.log: CRI records written by the shim itself, rotation, and reading the tail back
 * for attach (docs/shim.md, "Logs"). */
#ifndef BOSUN_LOGS_H
#define BOSUN_LOGS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STREAM_STDOUT 0
#define STREAM_STDERR 1

struct logw {
  int dirfd;
  int fd;
  uint64_t size; /* of container.log, records in obuf not included */
  uint64_t max_size;
  unsigned max_files;
  char *obuf; /* records being built; mapped on the first output, unmapped when idle */
  size_t olen;
  int failing; /* a write error was reported; say it once, not per read */
};

int logs_open(struct logw *lw, int dirfd, uint64_t max_size, unsigned max_files);

/* Logs one read of a stream: complete lines as F records, a trailing fragment as P, all with
 * the same time. One write() per call, unless the records outgrow the buffer. */
void logs_write(struct logw *lw, int stream, const char *data, size_t len,
                const struct timespec *ts);

/* Releases the record buffer (the shim is idle). */
void logs_trim(struct logw *lw);

typedef void (*logs_emit_fn)(void *ctx, int stream, const char *data, size_t len);

/* Rebuilds the raw bytes of the last `lines` complete lines of the selected streams (a bitmask
 * of 1 << STREAM_*), plus any line still being written, from container.log and the rotated
 * files, oldest first; from no further back than the last `max_bytes` of log. */
void logs_tail(int dirfd, unsigned max_files, unsigned streams, unsigned long long lines,
               size_t max_bytes, logs_emit_fn emit, void *ctx);

#endif
