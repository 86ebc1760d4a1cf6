/* Capabilities by name (docs/shim.md, "Isolation"): parsing --caps, and dropping the rest of the
 * bounding set in the container's child. */
#ifndef BOSUN_CAPS_H
#define BOSUN_CAPS_H

#include <stddef.h>
#include <stdint.h>

/* "CHOWN,NET_BIND_SERVICE" or "CAP_CHOWN,…" (or "all", or "none") → a bit per capability
 * number. 0, or -1 with a message in err naming the unknown capability. */
int caps_parse(const char *list, uint64_t *mask, char *err, size_t errlen);

/* "CHOWN" for 0; NULL for a number the table does not know. */
const char *caps_name(int cap);

/* In a child, as root and before the user switch (dropping needs CAP_SETPCAP): drops every
 * capability not in `keep` from the bounding set, every one the kernel knows. 0, or -1 with
 * errno and *cap the capability that could not be dropped. */
int caps_bound(uint64_t keep, int *cap);

/* Limits the effective, permitted and inheritable sets to `keep`: each becomes its intersection
 * with `keep` (capset can only lower them). 0, or -1 with errno. */
int caps_limit(uint64_t keep);

#endif
