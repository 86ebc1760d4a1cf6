#include "caps.h"

#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

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

const char *caps_name(int cap) { return cap >= 0 && (size_t)cap < NCAPS ? names[cap] : NULL; }

int caps_bound(uint64_t keep, int *cap) {
  /* PR_CAPBSET_READ fails with EINVAL past the last capability the kernel knows: that is where
   * the loop ends, so a newer kernel's capabilities, unknown to the table, are dropped too (no
   * /proc/sys/kernel/cap_last_cap needed, which a rootfs's fresh /proc would also have). */
  for (int c = 0; c < 64 && prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) >= 0; c++) {
    if (keep & (1ULL << c)) continue;
    if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) != 0) {
      *cap = c;
      return -1;
    }
  }
  return 0;
}

int caps_limit(uint64_t keep) {
  /* glibc has no wrapper: the raw syscalls, with version 3 (64-bit sets, two 32-bit halves). */
  struct __user_cap_header_struct head = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
  if (syscall(SYS_capget, &head, data) != 0) return -1;
  for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
    uint32_t half = (uint32_t)(keep >> (32 * i));
    data[i].effective &= half;
    data[i].permitted &= half;
    data[i].inheritable &= half;
  }
  return syscall(SYS_capset, &head, data) == 0 ? 0 : -1;
}
