/* The container's stdin (--stdin): bytes from attach clients, queued while the pipe (or with
 * --tty the terminal) is full, and a half-close once they are written (not for a terminal). */
#ifndef BOSUN_STDIN_H
#define BOSUN_STDIN_H

#include <stdbool.h>
#include <stddef.h>

#include "shim.h"

void stdin_feed(struct shim *sh, const char *data, size_t len);
void stdin_close(struct shim *sh);
bool stdin_wants_write(const struct shim *sh);
void stdin_on_writable(struct shim *sh);
void stdin_reset(struct shim *sh); /* the process is gone: drop what is queued */
bool stdin_full(void);             /* stop reading from stdin clients until it drains */

#endif
