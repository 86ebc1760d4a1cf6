#include "ctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "exec.h"
#include "logs.h"
#include "pty.h"
#include "shim.h"
#include "stdin.h"
#include "supervise.h"
#include "util.h"

#define MAX_FRAME (1u << 20)
#define MAX_BEHIND (8u << 20)
#define SOCK_NAME "ctl.sock"

struct client {
  int fd;
  bool out, err, in;  /* attached streams */
  bool events;        /* W */
  bool waiting_start; /* S sent; its later frames wait for the reply, which keeps replies in order */
  bool rd_closed;     /* the client shut its writing side down; it still gets output */
  bool execd;         /* an X of it started a session: its Z is that session's, even a late one */
  bool dead;
  struct buf ibuf, obuf;
};

static int listen_fd = -1;
static int sock_dirfd = -1;
static struct client **clients;
static size_t nclients, capclients;

int ctl_listen(int dirfd, const char *dir, char *err, size_t errlen) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/" SOCK_NAME, dir) >=
      sizeof sa.sun_path) {
    snprintf(err, errlen, "socket path %s/" SOCK_NAME " is longer than %zu bytes", dir,
             sizeof sa.sun_path - 1);
    return -1;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) goto fail;
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    if (errno != EADDRINUSE) goto fail;
    /* A socket file is there: a live shim answers on it, a dead one's does not. */
    int probe _cleanup_close_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
      snprintf(err, errlen, "another shim is serving %s", sa.sun_path);
      close(fd);
      return -1;
    }
    unlinkat(dirfd, SOCK_NAME, 0);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) goto fail;
  }
  if (listen(fd, 64) != 0) goto fail;
  listen_fd = fd;
  sock_dirfd = dirfd;
  return 0;
fail:
  snprintf(err, errlen, "cannot listen on %s: %s", sa.sun_path, strerror(errno));
  if (fd >= 0) close(fd);
  return -1;
}

void ctl_unlink(void) {
  if (listen_fd >= 0) unlinkat(sock_dirfd, SOCK_NAME, 0);
}

void ctl_close(void) {
  ctl_unlink();
  for (size_t i = 0; i < nclients; i++) clients[i]->dead = true;
  ctl_after(NULL);
  if (listen_fd >= 0) close(listen_fd);
  listen_fd = -1;
}

/* ---- sending ---- */

static void drop(struct client *c, const char *why) {
  if (why) say("client %d disconnected: %s", c->fd, why);
  c->dead = true;
}

static void send_frame(struct client *c, char type, const char *data, size_t len) {
  if (c->dead) return;
  unsigned char h[5] = {(unsigned char)type, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
                        (unsigned char)(len >> 8), (unsigned char)len};
  size_t sent = 0;
  if (buf_pending(&c->obuf) == 0) {
    /* The common case: straight to the socket, nothing queued, no copy. */
    struct iovec v[2] = {{h, 5}, {(void *)data, len}};
    ssize_t w;
    do w = writev(c->fd, v, 2);
    while (w < 0 && errno == EINTR);
    if (w < 0 && errno != EAGAIN) {
      drop(c, NULL);
      return;
    }
    sent = w < 0 ? 0 : (size_t)w;
    if (sent == 5 + len) return;
  }
  if (sent < 5) buf_append(&c->obuf, h + sent, 5 - sent);
  size_t skip = sent > 5 ? sent - 5 : 0;
  buf_append(&c->obuf, data + skip, len - skip);
  if (buf_pending(&c->obuf) > MAX_BEHIND) drop(c, "more than 8 MiB behind on output");
}

static void reply(struct client *c, const char *text) { send_frame(c, 'R', text, strlen(text)); }

static void flush_client(struct client *c) {
  while (!c->dead && buf_pending(&c->obuf) > 0) {
    ssize_t w = write(c->fd, buf_head(&c->obuf), buf_pending(&c->obuf));
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) drop(c, NULL);
      return;
    }
    buf_consume(&c->obuf, (size_t)w);
  }
  if (buf_pending(&c->obuf) == 0) buf_free(&c->obuf);
}

void ctl_output(int stream, const char *data, size_t len) {
  for (size_t i = 0; i < nclients; i++) {
    struct client *c = clients[i];
    if (stream == STREAM_STDOUT ? c->out : c->err)
      send_frame(c, stream == STREAM_STDOUT ? 'o' : 'e', data, len);
  }
}

void ctl_send(void *client, char type, const char *data, size_t len) {
  send_frame(client, type, data, len);
}

void ctl_event(const char *json, size_t len) {
  for (size_t i = 0; i < nclients; i++)
    if (clients[i]->events) send_frame(clients[i], 'J', json, len);
}

void ctl_event_to(void *client, const char *json, size_t len) {
  ctl_event(json, len);
  struct client *c = client;
  if (c && !c->events) send_frame(c, 'J', json, len);
}

void ctl_start_result(const char *text) {
  for (size_t i = 0; i < nclients; i++) {
    if (!clients[i]->waiting_start) continue;
    clients[i]->waiting_start = false;
    reply(clients[i], text);
  }
}

bool ctl_flushed(void) {
  for (size_t i = 0; i < nclients; i++)
    if (!clients[i]->dead && buf_pending(&clients[i]->obuf) > 0) return false;
  return true;
}

/* ---- commands ---- */

static const struct {
  const char *name;
  int sig;
} signal_names[] = {
    {"HUP", 1},   {"INT", 2},   {"QUIT", 3},   {"ABRT", 6},  {"KILL", 9},   {"USR1", 10},
    {"USR2", 12}, {"PIPE", 13}, {"ALRM", 14},  {"TERM", 15}, {"CONT", 18},  {"STOP", 19},
    {"TSTP", 20}, {"TTIN", 21}, {"TTOU", 22},  {"WINCH", 28},
};

/* A decimal number (the contract), or a name such as TERM or SIGTERM (a convenience). */
static int parse_signal(const char *s) {
  unsigned long long n;
  if (parse_uint(s, 64, &n) == 0) return (int)n;
  if (strncmp(s, "SIG", 3) == 0) s += 3;
  for (size_t i = 0; i < sizeof signal_names / sizeof signal_names[0]; i++)
    if (strcmp(s, signal_names[i].name) == 0) return signal_names[i].sig;
  return -1;
}

static void cmd_kill(struct shim *sh, struct client *c, char *arg) {
  int sig = parse_signal(arg);
  struct buf r _cleanup_buf_ = {0};
  if (sig < 0) buf_printf(&r, "err invalid signal \"%.64s\"", arg);
  else sup_kill(sh, sig, &r);
  buf_append(&r, "", 1);
  reply(c, r.data);
}

/* SIGNAL TIMEOUT_MS; both optional (TERM, 10 s), as for SIGTERM to the shim. */
static void cmd_stop(struct shim *sh, struct client *c, char *arg) {
  char *save = NULL, *sig_s = strtok_r(arg, " ", &save), *ms_s = strtok_r(NULL, " ", &save);
  int sig = sig_s ? parse_signal(sig_s) : 15;
  unsigned long long ms = 10000;
  if (sig < 0 || (ms_s && parse_uint(ms_s, 86400000ULL, &ms) != 0) || strtok_r(NULL, " ", &save)) {
    reply(c, "err stop needs \"SIGNAL TIMEOUT_MS\"");
    return;
  }
  sup_stop(sh, sig, (int64_t)ms, true);
  reply(c, "ok");
}

static void emit_tail(void *ctx, int stream, const char *data, size_t len) {
  send_frame(ctx, stream == STREAM_STDOUT ? 'o' : 'e', data, len);
}

static void cmd_attach(struct shim *sh, struct client *c, char *arg) {
  bool out = false, err = false, in = false;
  unsigned long long tail = 0;
  char *save = NULL;
  if (!*arg) out = err = true;
  for (char *w = strtok_r(arg, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
    if (strcmp(w, "stdout") == 0) out = true;
    else if (strcmp(w, "stderr") == 0) err = true;
    else if (strcmp(w, "stdin") == 0) in = true;
    else if (strncmp(w, "tail=", 5) == 0 && parse_uint(w + 5, ~0ULL, &tail) == 0) continue;
    else {
      struct buf r _cleanup_buf_ = {0};
      buf_printf(&r, "err unknown attach word \"%.64s\" (stdout, stderr, stdin, tail=N)", w);
      buf_append(&r, "", 1);
      reply(c, r.data);
      return;
    }
  }
  c->out = out;
  c->err = err;
  c->in = in;
  reply(c, "ok");
  /* The log holds everything read so far (each read is written before it is sent), and
   * what is read from now on goes out live: no gap, no duplicate. */
  unsigned streams = (out ? 1u << STREAM_STDOUT : 0) | (err ? 1u << STREAM_STDERR : 0);
  if (tail > 0 && streams)
    logs_tail(sh->dirfd, sh->cfg.log_max_files, streams, tail, MAX_BEHIND / 2, emit_tail, c);
}

/* ROWS COLS. No reply, so nothing to carry an error: a malformed one is ignored (a lost resize
 * costs a redraw at most). The connection of an exec session resizes that process's terminal,
 * never the container's, even once that session has ended. */
static void resize(struct shim *sh, struct client *c, const char *payload, size_t len) {
  char text[16];
  struct winsize ws;
  if (len >= sizeof text || memchr(payload, '\0', len)) return;
  memcpy(text, payload, len);
  text[len] = '\0';
  if (pty_parse_size(text, ' ', &ws) != 0) return;
  if (!exec_resize(c, &ws) && !c->execd) sup_resize(sh, &ws);
}

static void handle(struct shim *sh, struct client *c, char type, char *payload, size_t len) {
  struct buf r _cleanup_buf_ = {0};
  switch (type) {
  case 'S':
    if (sup_start(sh, &r)) {
      c->waiting_start = true;
    } else {
      buf_append(&r, "", 1);
      reply(c, r.data);
    }
    return;
  case 'I':
    /* The connection of an exec session writes to that process's stdin, not the container's. */
    if (!exec_stdin(c, payload, len) && c->in && sh->cfg.stdin_pipe) stdin_feed(sh, payload, len);
    return;
  case 'C':
    if (!exec_stdin_close(c) && c->in && sh->cfg.stdin_pipe) stdin_close(sh);
    return;
  case 'Z':
    resize(sh, c, payload, len);
    return;
  case 'X':
    exec_start(sh, c, payload, len, &r);
    c->execd |= r.len >= 2 && memcmp(r.data, "ok", 2) == 0;
    buf_append(&r, "", 1);
    reply(c, r.data);
    return;
  case 'P':
  case 'U':
    if (type == 'P') sup_pause(sh, &r);
    else sup_unpause(sh, &r);
    buf_append(&r, "", 1);
    reply(c, r.data);
    return;
  case 'W':
    c->events = true;
    reply(c, "ok");
    sup_status_event(sh, &r);
    send_frame(c, 'J', r.data, r.len);
    return;
  }
  /* The rest take text: a NUL-terminated copy (the payload may hold anything). */
  char *arg = xmalloc(len + 1);
  memcpy(arg, payload, len);
  arg[len] = '\0';
  if (strlen(arg) != len) reply(c, "err the payload holds a NUL byte");
  else if (type == 'K') cmd_kill(sh, c, arg);
  else if (type == 'T') cmd_stop(sh, c, arg);
  else cmd_attach(sh, c, arg);
  free(arg);
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void parse_frames(struct shim *sh, struct client *c) {
  while (!c->dead && !c->waiting_start && buf_pending(&c->ibuf) >= 5) {
    unsigned char *h = (unsigned char *)buf_head(&c->ibuf);
    uint32_t len = be32(h + 1);
    /* Judge the header at once: a client speaking anything else is gone before it can make
     * the shim buffer a megabyte of garbage. */
    if (!h[0] || !strchr("SKTAICWPUXZ", h[0]) || len > MAX_FRAME) {
      char why[80];
      snprintf(why, sizeof why, "bad frame (type 0x%02x, %u bytes)", h[0], len);
      drop(c, why);
      return;
    }
    if (buf_pending(&c->ibuf) < 5 + (size_t)len) return;
    handle(sh, c, (char)h[0], (char *)h + 5, len);
    buf_consume(&c->ibuf, 5 + (size_t)len);
  }
  if (buf_pending(&c->ibuf) == 0) buf_free(&c->ibuf);
}

static void read_client(struct shim *sh, struct client *c) {
  for (int i = 0; i < 4 && !c->dead && !c->waiting_start; i++) {
    size_t want = 4096, have = buf_pending(&c->ibuf);
    if (have >= 5) {
      size_t need = 5 + (size_t)be32((unsigned char *)buf_head(&c->ibuf) + 1);
      if (need > have && need - have > want) want = need - have;
    }
    buf_reserve(&c->ibuf, want);
    ssize_t n = read(c->fd, c->ibuf.data + c->ibuf.len, c->ibuf.cap - c->ibuf.len);
    if (n > 0) {
      c->ibuf.len += (size_t)n;
      parse_frames(sh, c);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) c->rd_closed = true;
    else if (errno != EAGAIN) drop(c, NULL);
    break;
  }
  if (buf_pending(&c->ibuf) == 0) buf_free(&c->ibuf);
}

static void accept_clients(void) {
  for (;;) {
    int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return; /* EAGAIN, or out of fds: the next wakeup tries again */
    if (nclients == capclients) {
      capclients = capclients ? capclients * 2 : 8;
      clients = xrealloc(clients, capclients * sizeof *clients);
    }
    struct client *c = xmalloc(sizeof *c);
    *c = (struct client){.fd = fd};
    clients[nclients++] = c;
  }
}

/* ---- the loop's view ---- */

size_t ctl_npoll(void) { return 1 + nclients; }

size_t ctl_pollfds(struct pollfd *pfd) {
  pfd[0] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
  for (size_t i = 0; i < nclients; i++) {
    struct client *c = clients[i];
    short ev = 0;
    /* A full stdin queue (the container's, or this client's exec's) stops reading the writer:
     * its socket fills and it waits, instead of the shim buffering without bound. */
    if (!c->rd_closed && !c->waiting_start && !(c->in && stdin_full()) && !exec_stdin_full(c))
      ev |= POLLIN;
    if (buf_pending(&c->obuf) > 0) ev |= POLLOUT;
    pfd[1 + i] = (struct pollfd){.fd = c->dead ? -1 : c->fd, .events = ev};
  }
  return 1 + nclients;
}

void ctl_dispatch(struct shim *sh, const struct pollfd *pfd, size_t n) {
  /* Clients accepted below are not in pfd; indexes stay valid until ctl_after frees any. */
  for (size_t i = 1; i < n; i++) {
    struct client *c = clients[i - 1];
    short re = pfd[i].revents;
    if (!re || c->dead) continue;
    if (re & POLLOUT) flush_client(c);
    if (re & POLLIN) read_client(sh, c);
    /* POLLHUP on a Unix stream socket: the peer closed both ways. */
    if (re & (POLLHUP | POLLERR | POLLNVAL)) drop(c, NULL);
  }
  if (pfd[0].revents & POLLIN) accept_clients();
}

void ctl_after(struct shim *sh) {
  size_t j = 0;
  for (size_t i = 0; i < nclients; i++) {
    struct client *c = clients[i];
    if (sh && !c->dead && !c->waiting_start && buf_pending(&c->ibuf) >= 5) parse_frames(sh, c);
    if (c->dead) {
      exec_owner_gone(c);
      close(c->fd);
      buf_free(&c->ibuf);
      buf_free(&c->obuf);
      free(c);
    } else {
      clients[j++] = c;
    }
  }
  nclients = j;
  if (nclients == 0 && capclients > 0) {
    free(clients);
    clients = NULL;
    capclients = 0;
  }
}
