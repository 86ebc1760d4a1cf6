/* The one shim: its configuration, its container process and where it is in its life. */
#ifndef BOSUN_SHIM_H
#define BOSUN_SHIM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "args.h"
#include "logs.h"
#include "spawn.h"
#include "state.h"

enum phase {
  PH_CREATED,    /* held on the gate, waiting for S */
  PH_STARTING,   /* forked (and let through the gate); the exec report is pending */
  PH_RUNNING,    /* exec happened */
  PH_EXITING,    /* the main process ended: draining its pipes, killing what it left */
  PH_RESTARTING, /* waiting out a backoff */
  PH_FINAL,      /* exit.json is written; flushing clients, then the shim ends */
};

struct shim {
  struct config cfg;
  int dirfd;
  pid_t self;
  enum phase phase;
  struct proc proc;
  struct logw log;
  struct status st; /* what status.json says */

  bool ever_started;    /* an exec succeeded at least once */
  char *first_exec_err; /* the very first exec failed: final, with this message */
  bool stop_requested;  /* T, or SIGTERM/SIGINT to the shim: no restart follows */
  bool paused;          /* P: every process of the container is stopped (phase stays RUNNING) */
  struct winsize size;  /* --tty: the terminal's window size, kept for restarts (Z sets it) */
  int64_t exit_mono;
  unsigned next_delay_ms; /* backoff for the next restart */

  /* timers, CLOCK_MONOTONIC ms; 0 = not armed */
  int64_t stop_kill_at, restart_at, exiting_give_up_at, exiting_rescan_at, final_until;
};

#endif
