#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int cgroup_join(const struct config *cfg, int *failed) {
  for (unsigned i = 0; i < cfg->ncgroups; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/cgroup.procs", cfg->cgroups[i]);
    /* "0" is the writer itself, whatever its pid is in its own namespace. */
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : write(fd, "0", 1);
    int e = errno;
    if (fd >= 0) close(fd);
    if (n != 1) {
      *failed = (int)i;
      errno = fd < 0 || n < 0 ? e : EIO;
      return -1;
    }
  }
  return 0;
}
