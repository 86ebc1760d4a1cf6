// One client request on its way through the balancer: sent to a backend, its response streamed
// back, retried once when the attempt failed in a way that makes a replay safe.
//
// Retry rule. An attempt that fails before the response head arrived is sent again, once, to
// another available backend of the route, when either
//   1. the connection never opened (ECONNREFUSED, EHOSTUNREACH, connect timeout…): the backend
//      saw nothing, and the request body is only read from the client once the connection is
//      open, so no body byte was consumed; any method is replayed; or
//   2. the connection opened, typically a reused keep-alive one, and then broke (ECONNRESET,
//      EPIPE, EOF, malformed response) — the backend may have acted on the request, so it is
//      replayed only when the method is idempotent (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) and
//      the request has no body. With no other backend, case 2 goes to the same one on a fresh
//      connection: it is how a keep-alive connection the backend was just closing fails.
// Anything else gets a 502 when nothing was sent to the client yet, and a cut connection when
// the response was under way (a truncated body must not look complete).
//
// Timeout rule. A backend that accepted the request and then sends no response head within the
// route's response timeout, or stalls in the body for as long, gets its connection closed (it
// never goes back to the pool) and the client a 504, or a cut connection when the response was
// under way. That attempt is not retried: unlike a connect that timed out (case 1), the backend
// has the request and may be acting on it.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { BackendState } from "./backend-state.ts";
import { pickBackend } from "./pick-backend.ts";
import type { ProxySettings } from "./proxy-settings.ts";
import { type BodyKind, isIdempotent } from "./request-head.ts";
import type { RouteState } from "./route-state.ts";
import type { ConnUser, UpstreamConn } from "./upstream-conn.ts";

const TEXT = "text/plain; charset=utf-8";
const BAD_GATEWAY = "bad gateway: the backend failed\n";
const BAD_GATEWAY_HEADERS = ["Content-Type", TEXT, "Content-Length", String(BAD_GATEWAY.length)];
const GATEWAY_TIMEOUT = "gateway timeout: the backend did not answer in time\n";
const GATEWAY_TIMEOUT_HEADERS = [
  "Content-Type",
  TEXT,
  "Content-Length",
  String(GATEWAY_TIMEOUT.length),
  // The request body may not all have been read: start the next request on a clean connection.
  "Connection",
  "close",
];

export class Exchange implements ConnUser {
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #route: RouteState;
  readonly #head: string;
  readonly #body: BodyKind;
  readonly #start: number;
  readonly #settings: ProxySettings;
  #backend: BackendState | null = null;
  #conn: UpstreamConn | null = null;
  #attempts = 0;
  #status = 0;
  #responded = false;
  #done = false;
  #bodySent: boolean;
  #stopBody: (() => void) | null = null;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    route: RouteState,
    head: string,
    body: BodyKind,
    settings: ProxySettings,
  ) {
    this.#req = req;
    this.#res = res;
    this.#route = route;
    this.#head = head;
    this.#body = body;
    this.#bodySent = body === "none";
    this.#settings = settings;
    this.#start = settings.now();
    route.app.metrics.inflight++;
    res.on("close", this.#onClientClose);
  }

  start(backend: BackendState): void {
    this.#backend = backend;
    this.#attempts++;
    backend.metrics.inflight++;
    const conn = backend.acquire(this.#start);
    this.#conn = conn;
    conn.attach(this, this.#req.method === "HEAD", this.#route.responseTimeoutMs);
    conn.socket.write(this.#head, "latin1");
    if (!this.#bodySent && conn.opened) this.#pipeBody(conn);
  }

  onConnected(): void {
    if (!this.#bodySent && this.#conn !== null && this.#stopBody === null) this.#pipeBody(this.#conn);
  }

  onHead(status: number, reason: string, headers: string[]): void {
    const res = this.#res;
    try {
      if (reason === "") res.writeHead(status, headers);
      else res.writeHead(status, reason, headers);
    } catch {
      // A field node refuses to send (bad characters): the response cannot be relayed.
      this.#conn?.onProtocolError("response head not relayable");
      return;
    }
    this.#responded = true;
    this.#status = status;
  }

  onBody(chunk: Buffer): void {
    if (this.#res.write(chunk)) return;
    const conn = this.#conn;
    if (conn === null) return;
    conn.pause();
    this.#res.once("drain", () => conn.resume());
  }

  onComplete(last: Buffer | null): boolean {
    if (last === null) this.#res.end();
    else this.#res.end(last);
    const backend = this.#backend!;
    this.#conn = null;
    backend.metrics.inflight--;
    this.#finish(this.#status, backend);
    backend.settle();
    return this.#bodySent;
  }

  onUpstreamFailure(opened: boolean, _reason: string): void {
    const failed = this.#backend!;
    const app = this.#route.app.metrics;
    this.#conn = null;
    failed.metrics.inflight--;
    const kind = opened ? "upstream" : "connect";
    failed.metrics.errors[kind]++;
    app.errors[kind]++;
    if (this.#done) {
      failed.settle();
      return;
    }
    if (!this.#responded) {
      const replay =
        this.#attempts < 2 && (!opened || (this.#body === "none" && isIdempotent(this.#req.method!)));
      let next = replay ? pickBackend(this.#route, failed) : null;
      if (replay && next === null && opened && failed.available()) next = failed;
      if (next !== null) {
        app.errors.retried++;
        failed.settle();
        this.start(next);
        return;
      }
      this.#stop();
      const res = this.#res;
      if (!res.headersSent) {
        res.writeHead(502, BAD_GATEWAY_HEADERS);
        res.end(BAD_GATEWAY);
      } else {
        res.destroy();
      }
      failed.metrics.errors.badGateway++;
      app.errors.badGateway++;
      this.#finish(502, failed);
    } else {
      // The response was under way: cut the client's connection so it cannot take a truncated
      // body for a whole one.
      this.#stop();
      this.#done = true;
      this.#route.app.metrics.inflight--;
      this.#res.destroy();
    }
    failed.settle();
  }

  onResponseTimeout(): void {
    const backend = this.#backend!;
    const app = this.#route.app.metrics;
    this.#conn = null;
    backend.metrics.inflight--;
    backend.metrics.errors.timeout++;
    app.errors.timeout++;
    if (!this.#done) {
      const res = this.#res;
      if (!res.headersSent) {
        res.writeHead(504, GATEWAY_TIMEOUT_HEADERS);
        res.end(GATEWAY_TIMEOUT);
        this.#finish(504, backend);
      } else {
        this.#stop();
        this.#done = true;
        app.inflight--;
        res.destroy();
      }
    }
    backend.settle();
  }

  #finish(status: number, backend: BackendState): void {
    this.#stop();
    this.#done = true;
    const now = this.#settings.now();
    const us = (now - this.#start) * 1000;
    const app = this.#route.app.metrics;
    app.inflight--;
    app.record(status, us, now);
    backend.metrics.record(status, us, now);
  }

  #onClientClose = (): void => {
    if (this.#done) return;
    this.#stop();
    this.#done = true;
    const app = this.#route.app.metrics;
    app.inflight--;
    app.errors.clientAborted++;
    const backend = this.#backend;
    const conn = this.#conn;
    this.#conn = null;
    if (backend === null) return;
    backend.metrics.errors.clientAborted++;
    if (conn !== null) {
      conn.destroy();
      backend.metrics.inflight--;
      backend.settle();
    }
  };

  #stop(): void {
    if (this.#stopBody !== null) this.#stopBody();
  }

  /** Streams the request body to the backend, re-chunking it when the client chunked it. */
  #pipeBody(conn: UpstreamConn): void {
    const req = this.#req;
    const socket = conn.socket;
    const chunked = this.#body === "chunked";
    const resume = (): void => {
      req.resume();
    };
    const onData = (chunk: Buffer): void => {
      if (chunk.length === 0) return;
      let ok: boolean;
      if (chunked) {
        socket.cork();
        socket.write(`${chunk.length.toString(16)}\r\n`, "latin1");
        socket.write(chunk);
        ok = socket.write("\r\n", "latin1");
        socket.uncork();
      } else {
        ok = socket.write(chunk);
      }
      if (!ok) {
        req.pause();
        socket.once("drain", resume);
      }
    };
    const onEnd = (): void => {
      if (chunked) socket.write("0\r\n\r\n", "latin1");
      this.#bodySent = true;
      stop();
    };
    const stop = (): void => {
      this.#stopBody = null;
      req.removeListener("data", onData);
      req.removeListener("end", onEnd);
      socket.removeListener("drain", resume);
      // Let the rest of an unsent body drain away, so the client connection can carry the next
      // request once the response is out.
      if (!this.#bodySent) req.resume();
    };
    this.#stopBody = stop;
    req.on("data", onData);
    req.on("end", onEnd);
  }
}
