// Backends and a client for the balancer's tests: real servers on ephemeral ports that record
// what reached them, and a small HTTP client that reports what came back.
import { spawn } from "node:child_process";
import { type Agent, createServer, type IncomingMessage, type OutgoingHttpHeaders, request } from "node:http";
import {
  type AddressInfo,
  createConnection,
  createServer as createTcpServer,
  type Server,
  type Socket,
} from "node:net";
import type { BackendSpec } from "./route-spec.ts";

export interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
}

export interface FakeBackend {
  readonly name: string;
  readonly port: number;
  /** Requests received, in order. */
  readonly seen: Seen[];
  /** Connections accepted. */
  connections(): number;
  /** While held, requests are received but answered only at release(). */
  hold(): void;
  release(): void;
  /** Resolves once `n` requests have arrived. */
  received(n: number): Promise<void>;
  spec(ready?: boolean): BackendSpec;
  close(): Promise<void>;
}

/**
 * Answers 200 with its name as the body (or echoes a POST body); on an Upgrade request answers
 * 101 and echoes every byte back.
 */
export async function startBackend(name: string): Promise<FakeBackend> {
  const seen: Seen[] = [];
  let connections = 0;
  let held: (() => void)[] | null = null;
  let waiters: (() => void)[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body: body.toString() });
      for (const w of waiters) w();
      const answer = (): void => {
        if (req.method === "POST") {
          res.writeHead(200, { "content-type": "application/octet-stream", "x-backend": name });
          res.end(body);
        } else {
          res.writeHead(200, { "content-type": "text/plain", "x-backend": name });
          res.end(name);
        }
      };
      if (held === null) answer();
      else held.push(answer);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on("connection", () => connections++);
  server.on("upgrade", (req: IncomingMessage, socket, rest: Buffer) => {
    seen.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body: "" });
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\nX-Backend: ${name}\r\n\r\n`,
    );
    if (rest.length !== 0) socket.write(rest);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    port,
    seen,
    connections: () => connections,
    hold: () => {
      held = [];
    },
    release: () => {
      const queued = held ?? [];
      held = null;
      for (const answer of queued) answer();
    },
    received: (n) =>
      new Promise((resolve) => {
        const check = (): void => {
          if (seen.length < n) return;
          waiters = waiters.filter((w) => w !== check);
          resolve();
        };
        waiters.push(check);
        check();
      }),
    spec: (ready = true) => ({ id: name, host: "127.0.0.1", port, ready }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RawBackend {
  readonly port: number;
  /** Request heads received, in order. */
  readonly heads: string[];
  /** Connections accepted. */
  connections(): number;
  /** Resolves once `n` connections have been closed (by either side). */
  closed(n: number): Promise<void>;
  spec(id: string): BackendSpec;
  close(): Promise<void>;
}

/**
 * A backend speaking raw bytes: `respond` gets each request head and the socket. One that does
 * nothing is a backend that accepts and never answers.
 */
export async function startRawBackend(
  respond: (head: string, write: (s: string) => void, destroy: () => void) => void,
): Promise<RawBackend> {
  const heads: string[] = [];
  let closes = 0;
  let waiters: (() => void)[] = [];
  const server: Server = createTcpServer((socket) => {
    let buf = "";
    socket.on("error", () => {});
    socket.on("data", (d: Buffer) => {
      buf += d.toString("latin1");
      for (let end = buf.indexOf("\r\n\r\n"); end !== -1; end = buf.indexOf("\r\n\r\n")) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        heads.push(head);
        respond(
          head,
          (s) => socket.write(s, "latin1"),
          () => socket.destroy(),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => {
      sockets.delete(s);
      closes++;
      for (const w of waiters) w();
    });
  });
  return {
    port,
    heads,
    connections: () => sockets.size + closes,
    closed: (n) =>
      new Promise((resolve) => {
        const check = (): void => {
          if (closes < n) return;
          waiters = waiters.filter((w) => w !== check);
          resolve();
        };
        waiters.push(check);
        check();
      }),
    spec: (id) => ({ id, host: "127.0.0.1", port, ready: true }),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A port whose listener never accepts: a child process listens with the smallest backlog and
 * blocks (without spinning); connections fill the kernel's accept queue until one does not
 * complete, and from then on a new connect waits for ever (its SYNs are dropped).
 */
export async function stuckPort(): Promise<{ port: number; close(): Promise<void> }> {
  const script =
    "const s = require('node:net').createServer();" +
    "s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {" +
    "  process.stdout.write(s.address().port + '\\n');" +
    "  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);" +
    "});";
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once("exit", () => reject(new Error("the stuck listener exited")));
  });
  const fillers: Socket[] = [];
  for (let full = false; !full && fillers.length < 16; ) {
    const filler = createConnection(port, "127.0.0.1");
    filler.on("error", () => {});
    fillers.push(filler);
    full = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(true), 200);
      filler.once("connect", () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  }
  return {
    port,
    close: async () => {
      for (const f of fillers) f.destroy();
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** A port nothing listens on. */
export async function deadPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Reply {
  status: number;
  rawHeaders: string[];
  body: Buffer;
  text: string;
}

export function fetchVia(
  port: number,
  path: string,
  opts: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer | string; agent?: Agent } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: opts.method ?? "GET",
        headers: opts.headers ?? {},
        agent: opts.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode!, rawHeaders: res.rawHeaders, body, text: body.toString() });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** The value of a header in a rawHeaders list (case-insensitive), undefined when absent. */
export function header(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) return raw[i + 1];
  return undefined;
}
