#include "caps.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* The capability numbers of linux/capability.h, by name. */
static const char *const names[] = {
    "CHOWN",           "DAC_OVERRIDE",     "DAC_READ_SEARCH", "FOWNER",         "FSETID",
    "KILL",            "SETGID",           "SETUID",          "SETPCAP",        "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE", "NET_BROADCAST",   "NET_ADMIN",       "NET_RAW",        "IPC_LOCK",
    "IPC_OWNER",       "SYS_MODULE",       "SYS_RAWIO",       "SYS_CHROOT",     "SYS_PTRACE",
    "SYS_PACCT",       "SYS_ADMIN",        "SYS_BOOT",        "SYS_NICE",       "SYS_RESOURCE",
    "SYS_TIME",        "SYS_TTY_CONFIG",   "MKNOD",           "LEASE",          "AUDIT_WRITE",
    "AUDIT_CONTROL",   "SETFCAP",          "MAC_OVERRIDE",    "MAC_ADMIN",      "SYSLOG",
    "WAKE_ALARM",      "BLOCK_SUSPEND",    "AUDIT_READ",      "PERFMON",        "BPF",
    "CHECKPOINT_RESTORE",
};
#define NCAPS (sizeof names / sizeof names[0])

int caps_parse(const char *list, uint64_t *mask, char *err, size_t errlen) {
  *mask = 0;
  if (strcasecmp(list, "none") == 0 || !*list) return 0;
  if (strcasecmp(list, "all") == 0) {
    *mask = (1ULL << NCAPS) - 1;
    return 0;
  }
  char *copy _cleanup_free_ = strdup(list), *save = NULL;
  for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
    const char *n = strncasecmp(w, "CAP_", 4) == 0 ? w + 4 : w;
    size_t i = 0;
    while (i < NCAPS && strcasecmp(n, names[i]) != 0) i++;
    if (i == NCAPS) {
      snprintf(err, errlen, "invalid --caps: unknown capability \"%.64s\"", w);
      return -1;
    }
    *mask |= 1ULL << i;
  }
  return 0;
}
