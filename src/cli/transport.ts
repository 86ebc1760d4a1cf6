// The CLI's Transport: HTTP over bosund's Unix socket with node:http, and WebSockets with `ws`.
// `ws` is imported only when a channel is opened, so `bosun ps` does not load it.
import { request as httpRequest, type IncomingMessage } from "node:http";
import type { Channel, Transport, TransportResponse } from "../api/client.ts";
import { BosunError } from "../api/errors.ts";

const NOT_LISTENING = new Set(["ENOENT", "ECONNREFUSED", "ENOTSOCK", "ENOTDIR"]);

/** Turns a socket error into the error the CLI prints. */
export function connectionError(socketPath: string, err: unknown): BosunError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && NOT_LISTENING.has(code)) {
    return new BosunError(
      "unreachable",
      `cannot reach bosund at ${socketPath}: is it running? start it with \`bosund\``,
    );
  }
  if (code === "EACCES" || code === "EPERM") {
    return new BosunError(
      "unreachable",
      `cannot reach bosund at ${socketPath}: permission denied`,
      "the socket is mode 0660: join its group, or pass --socket to reach your own bosund",
    );
  }
  const why = err instanceof Error ? err.message : String(err);
  return new BosunError("unreachable", `lost the connection to bosund at ${socketPath}: ${why}`);
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => ok(Buffer.concat(chunks).toString("utf8")));
    res.on("error", fail);
  });
}

function abortError(): Error {
  return new DOMException("the stream was aborted", "AbortError");
}

export function nodeTransport(socketPath: string): Transport {
  // One connection per request (no keep-alive pool): a CLI makes few requests, and an idle pooled
  // socket must not keep the process alive or outlive the daemon it points at.
  const send = (
    method: string,
    path: string,
    payload: string | undefined,
    headers: Record<string, string | number>,
    signal?: AbortSignal,
  ) =>
    new Promise<IncomingMessage>((ok, fail) => {
      const req = httpRequest(
        { socketPath, path, method, headers, agent: false, ...(signal ? { signal } : {}) },
        ok,
      );
      req.on("error", (e) => fail(signal?.aborted ? abortError() : connectionError(socketPath, e)));
      req.end(payload);
    });

  return {
    async request(method, path, body): Promise<TransportResponse> {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string | number> = { accept: "application/json" };
      // Only a request with a body says it is JSON (POST .../start has none).
      if (payload !== undefined) {
        headers["content-type"] = "application/json";
        headers["content-length"] = Buffer.byteLength(payload);
      }
      const res = await send(method, path, payload, headers);
      const text = await readAll(res).catch((e: unknown) => {
        throw connectionError(socketPath, e);
      });
      const status = res.statusCode ?? 0;
      return { status, body: status === 304 ? undefined : parseBody(text) };
    },

    async *lines(path, signal) {
      let res: IncomingMessage;
      try {
        res = await send(
          "GET",
          path,
          undefined,
          { accept: "application/x-ndjson, application/json" },
          signal,
        );
      } catch (e) {
        if (signal?.aborted) return;
        throw e;
      }
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        throw BosunError.fromBody(status, parseBody(await readAll(res).catch(() => "")));
      }
      const decoder = new TextDecoder();
      let rest = "";
      try {
        for await (const chunk of res as AsyncIterable<Buffer>) {
          const parts = (rest + decoder.decode(chunk, { stream: true })).split("\n");
          rest = parts.pop()!;
          for (const line of parts) yield line;
        }
        rest += decoder.decode();
        if (rest !== "") yield rest;
      } catch (e) {
        if (signal?.aborted) return;
        throw connectionError(socketPath, e);
      } finally {
        res.destroy();
      }
    },

    async channel(path) {
      const { WebSocket } = await import("ws");
      const ws = new WebSocket(`ws+unix:${socketPath}:${path}`, { perMessageDeflate: false });
      return new Promise<Channel>((ok, fail) => {
        let settled = false;
        ws.on("error", (e) => {
          if (!settled) fail(connectionError(socketPath, e));
          settled = true;
        });
        ws.once("unexpected-response", (req, res) => {
          settled = true;
          readAll(res)
            .catch(() => "")
            .then((text) => {
              fail(BosunError.fromBody(res.statusCode ?? 0, parseBody(text)));
              req.destroy();
            });
        });
        ws.once("open", () => {
          settled = true;
          ok(adaptChannel(ws));
        });
      });
    },
  };
}

type Ws = import("ws").WebSocket;
type RawData = import("ws").RawData;

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/**
 * Adapts a `ws` socket to the Channel interface. Messages and the close that arrive before the
 * caller registers its callbacks are kept and delivered on registration, so nothing said right
 * after the handshake is lost.
 */
function adaptChannel(ws: Ws): Channel {
  const queued: (Uint8Array | string)[] = [];
  let onMessage: ((data: Uint8Array | string) => void) | undefined;
  let onClose: ((code: number, reason: string) => void) | undefined;
  let closed: [number, string] | undefined;
  let closeDelivered = false;

  // The close goes out once, and only after every message before it.
  const deliverClose = () => {
    if (!closed || !onClose || closeDelivered || (queued.length > 0 && !onMessage)) return;
    closeDelivered = true;
    onClose(...closed);
  };

  ws.on("message", (data, isBinary) => {
    const msg = isBinary ? toBytes(data) : Buffer.from(toBytes(data)).toString("utf8");
    if (onMessage) onMessage(msg);
    else queued.push(msg);
  });
  ws.on("close", (code, reason) => {
    closed = [code, reason.toString()];
    deliverClose();
  });

  return {
    send(data) {
      if (ws.readyState === ws.OPEN) ws.send(data, { binary: typeof data !== "string" });
    },
    close() {
      ws.close();
    },
    onMessage(cb) {
      onMessage = cb;
      for (const m of queued.splice(0)) cb(m);
      deliverClose();
    },
    onClose(cb) {
      onClose = cb;
      deliverClose();
    },
  };
}
