/* Capabilities by name (docs/shim.md, "Isolation"): parsing --caps, and dropping the rest of the
 * bounding set in the container's child. */
#ifndef BOSUN_CAPS_H
#define BOSUN_CAPS_H

#include <stddef.h>
#include <stdint.h>

/* "CHOWN,NET_BIND_SERVICE" or "CAP_CHOWN,…" (or "all", or "none") → a bit per capability
 * number. 0, or -1 with a message in err naming the unknown capability. */
int caps_parse(const char *list, uint64_t *mask, char *err, size_t errlen);

#endif
