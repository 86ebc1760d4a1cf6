/* The container's stdout and stderr: read in big chunks, logged, sent to attached clients. */
#ifndef BOSUN_OUTPUT_H
#define BOSUN_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "shim.h"

/* Reads what a pipe has; true if it reached EOF (the fd is then closed and -1). */
bool out_pump(struct shim *sh, int stream);
/* Reads both pipes until they are empty or at EOF (up to 16 MiB each). */
void out_drain(struct shim *sh);
int64_t out_next_deadline(void);
/* Whether a fast stream is being left to fill its pipe (see output.c), and until when. */
bool out_held(int stream, int64_t now_us);
int64_t out_hold_deadline_us(int64_t now_us); /* 0: nothing held */
void out_on_timer(struct shim *sh, int64_t now);

#endif
