/* Pseudo-terminals (docs/shim.md, "Terminals"): a master for the shim, a slave that a child makes
 * its controlling terminal and its stdio, and the window size. */
#ifndef BOSUN_PTY_H
#define BOSUN_PTY_H

#include <sys/ioctl.h>

#define PTY_DEFAULT_ROWS 24
#define PTY_DEFAULT_COLS 80

/* Opens a master and the shim's copy of its slave, both CLOEXEC, the terminal at size *ws. The
 * copy keeps the terminal from reading as hung up (EIO) before the child has opened it: close it
 * once the child's exec report arrives. 0, or -1 with errno (nothing left open). */
int pty_open(const struct winsize *ws, int *master, int *slave);

/* In the child: a new session, the slave as its controlling terminal, and as fds 0, 1 and 2.
 * 0, or -1 with errno. */
int pty_child(int slave);

/* TIOCSWINSZ: the kernel sends SIGWINCH to the terminal's foreground process group. */
void pty_resize(int master, const struct winsize *ws);

/* "ROWSsepCOLS", each 1-65535, e.g. "24 80" (Z) or "24x80" (X's size=). 0, or -1. */
int pty_parse_size(const char *s, char sep, struct winsize *ws);

#endif
