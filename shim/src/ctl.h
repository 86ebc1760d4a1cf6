/* The control socket (docs/shim.md, "Control socket"): clients, frames, commands, and output
 * queues that never let a slow or stopped client block the container. */
#ifndef BOSUN_CTL_H
#define BOSUN_CTL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

struct shim;

/* Binds DIR/ctl.sock (refusing if a live shim answers there). 0, or -1 with a message. */
int ctl_listen(int dirfd, const char *dir, char *err, size_t errlen);
void ctl_unlink(void);
void ctl_close(void); /* at the end: removes ctl.sock, closes every client */

size_t ctl_npoll(void);
size_t ctl_pollfds(struct pollfd *pfd);
void ctl_dispatch(struct shim *sh, const struct pollfd *pfd, size_t n);
/* Parses input left over by clients that were waiting on a start; frees closed clients. */
void ctl_after(struct shim *sh);

void ctl_output(int stream, const char *data, size_t len);
/* One frame to one client (an exec session's owner); queued like any output. */
void ctl_send(void *client, char type, const char *data, size_t len);
void ctl_event(const char *json, size_t len);
/* An event to every subscriber and to `client` (if not NULL), once if it is both. */
void ctl_event_to(void *client, const char *json, size_t len);
void ctl_start_result(const char *reply); /* to every client waiting on S */
bool ctl_flushed(void);

#endif
