// An upgraded connection (WebSocket, h2c…): the handshake goes to a backend on a connection of
// its own, and from then on bytes are piped both ways untouched. A backend that refuses the
// connection is swapped for another once, as for plain requests: nothing was consumed yet.
// The route's response timeout covers the wait for the backend's answer (504, not retried), and
// ends with it: an idle WebSocket is normal.
import type { Socket } from "node:net";
import { connect } from "node:net";
import type { BackendState } from "./backend-state.ts";
import { pickBackend } from "./pick-backend.ts";
import type { ProxySettings } from "./proxy-settings.ts";
import type { RouteState } from "./route-state.ts";

export class Tunnel {
  readonly #client: Socket;
  readonly #rest: Buffer;
  readonly #head: string;
  readonly #route: RouteState;
  readonly #settings: ProxySettings;
  readonly #start: number;
  #attempts = 0;
  #clientGone = false;
  #upstream: Socket | null = null;

  /** `rest`: bytes the client sent after its request head. */
  constructor(client: Socket, rest: Buffer, head: string, route: RouteState, settings: ProxySettings) {
    this.#client = client;
    this.#rest = rest;
    this.#head = head;
    this.#route = route;
    this.#settings = settings;
    this.#start = settings.now();
    client.on("error", () => {});
    client.once("close", () => {
      this.#clientGone = true;
      this.#upstream?.destroy();
    });
  }

  /** Closes both ends. */
  destroy(): void {
    this.#client.destroy();
    this.#upstream?.destroy();
  }

  start(backend: BackendState): void {
    this.#attempts++;
    backend.tunnels++;
    const up = connect({ host: backend.host, port: backend.port, noDelay: true });
    this.#upstream = up;
    let opened = false;
    let answered = false;
    let error = "";
    up.setTimeout(this.#settings.connectTimeoutMs);
    up.on("timeout", () => {
      if (answered) return;
      error = opened ? "response timeout" : "connect timeout";
      up.destroy();
    });
    up.on("error", (err: NodeJS.ErrnoException) => {
      if (error === "") error = err.code ?? err.message;
    });
    up.once("connect", () => {
      opened = true;
      up.setTimeout(this.#route.responseTimeoutMs);
      up.write(this.#head, "latin1");
      if (this.#rest.length !== 0) up.write(this.#rest);
      up.once("data", (first: Buffer) => {
        answered = true;
        up.setTimeout(0);
        const status = statusOf(first);
        const now = this.#settings.now();
        const us = (now - this.#start) * 1000;
        this.#route.app.metrics.record(status, us, now);
        backend.metrics.record(status, us, now);
      });
      up.pipe(this.#client);
      this.#client.pipe(up);
    });
    up.once("close", () => {
      backend.tunnels--;
      backend.settle();
      if (answered || this.#clientGone) {
        this.#client.destroy();
        return;
      }
      if (error === "response timeout") {
        // The backend has the request: it is not sent again.
        backend.metrics.errors.timeout++;
        this.#route.app.metrics.errors.timeout++;
        this.#answer(backend, 504, "gateway timeout: the backend did not answer in time\n");
        return;
      }
      const kind = opened ? "upstream" : "connect";
      backend.metrics.errors[kind]++;
      this.#route.app.metrics.errors[kind]++;
      const next = !opened && this.#attempts < 2 ? pickBackend(this.#route, backend) : null;
      if (next !== null) {
        this.#route.app.metrics.errors.retried++;
        this.start(next);
        return;
      }
      backend.metrics.errors.badGateway++;
      this.#route.app.metrics.errors.badGateway++;
      this.#answer(backend, 502, "bad gateway: the backend failed\n");
    });
  }

  /** The balancer's own answer, counted as the last backend tried: as Exchange counts it. */
  #answer(backend: BackendState, status: number, body: string): void {
    const now = this.#settings.now();
    const us = (now - this.#start) * 1000;
    this.#route.app.metrics.record(status, us, now);
    backend.metrics.record(status, us, now);
    rawResponse(this.#client, status, body);
  }
}

const REASONS: Record<number, string> = {
  404: "Not Found",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Writes a whole response on a connection taken from node's HTTP server, then closes it. */
export function rawResponse(socket: Socket, status: number, body: string): void {
  socket.on("error", () => {}); // node's server no longer listens on an upgraded socket
  const reason = REASONS[status] ?? "Bad Gateway";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function statusOf(first: Buffer): number {
  // "HTTP/1.1 101 …"
  if (first.length < 12) return 0;
  const n = Number(first.toString("latin1", 9, 12));
  return Number.isInteger(n) ? n : 0;
}
