#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int pty_open(const struct winsize *ws, int *master, int *slave) {
  /* O_NOCTTY on both: the shim leads a session without a terminal, and opening one without it
   * would make the container's terminal the shim's own. */
  int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0) return -1;
  char name[64];
  int s = -1;
  if (grantpt(m) == 0 && unlockpt(m) == 0 && ptsname_r(m, name, sizeof name) == 0)
    s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  /* Set before the child exists: it never sees a size of 0x0. */
  if (s < 0 || ioctl(m, TIOCSWINSZ, ws) != 0) {
    int e = errno;
    if (s >= 0) close(s);
    close(m);
    errno = e;
    return -1;
  }
  *master = m;
  *slave = s;
  return 0;
}

int pty_child(int slave) {
  /* setsid fails for a process-group leader: the parent must not have made the child one. */
  if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) != 0) return -1;
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) return -1;
  return 0;
}

void pty_resize(int master, const struct winsize *ws) {
  if (master >= 0) ioctl(master, TIOCSWINSZ, ws);
}

int pty_parse_size(const char *s, char sep, struct winsize *ws) {
  const char *mid = strchr(s, sep);
  char rows[8];
  unsigned long long r, c;
  if (!mid || (size_t)(mid - s) >= sizeof rows) return -1;
  memcpy(rows, s, (size_t)(mid - s));
  rows[mid - s] = '\0';
  if (parse_uint(rows, 65535, &r) != 0 || parse_uint(mid + 1, 65535, &c) != 0 || r == 0 || c == 0)
    return -1;
  *ws = (struct winsize){.ws_row = (unsigned short)r, .ws_col = (unsigned short)c};
  return 0;
}
