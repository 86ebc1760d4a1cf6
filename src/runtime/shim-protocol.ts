// The framing of bosun-shim's control socket (docs/shim.md): a type byte, a big-endian
// uint32 length, the payload. Shared by the daemon and the shim's black-box tests.
import { connect, type Socket } from "node:net";

export const MAX_FRAME = 1 << 20;

export type FrameType =
  | "S"
  | "K"
  | "T"
  | "A"
  | "I"
  | "C"
  | "W"
  | "P"
  | "U"
  | "X"
  | "Z"
  | "R"
  | "o"
  | "e"
  | "J";

/** A terminal's size in character cells. */
export interface WindowSize {
  rows: number;
  cols: number;
}

export interface ExecTerminal {
  /** Give the process a terminal (a pty held by the shim) instead of pipes. */
  tty?: boolean;
  /** Its size from the start, so the process never sees a default one. */
  size?: WindowSize | undefined;
}

export interface Frame {
  type: string;
  payload: Buffer;
}

export function encodeFrame(type: FrameType, payload: Buffer | string = ""): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload) : payload;
  const head = Buffer.allocUnsafe(5);
  head.write(type, 0, "latin1");
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/**
 * The X payload: options (`tty`, `size=ROWSxCOLS`), ARGC, the arguments, then NAME=VALUE
 * strings, each NUL-terminated.
 */
export function encodeExec(
  command: string[],
  env: Record<string, string> = {},
  term: ExecTerminal = {},
): Buffer {
  const options: string[] = [];
  if (term.tty) options.push("tty");
  if (term.tty && term.size) options.push(`size=${term.size.rows}x${term.size.cols}`);
  const strings = [
    ...options,
    String(command.length),
    ...command,
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
  ];
  return Buffer.from(strings.map((s) => `${s}\0`).join(""));
}

/** Splits a byte stream into frames; keeps the incomplete tail for the next chunk. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Frame[] = [];
    let off = 0;
    while (this.buf.length - off >= 5) {
      const len = this.buf.readUInt32BE(off + 1);
      if (len > MAX_FRAME) throw new Error(`shim frame too large: ${len} bytes`);
      if (this.buf.length - off - 5 < len) break;
      frames.push({
        type: String.fromCharCode(this.buf[off]!),
        payload: this.buf.subarray(off + 5, off + 5 + len),
      });
      off += 5 + len;
    }
    this.buf = off === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(off);
    return frames;
  }
}

export interface ShimEvent {
  type: string;
  [key: string]: unknown;
}

export interface ShimConnectionHandlers {
  onEvent?: (event: ShimEvent) => void;
  onOutput?: (stream: "stdout" | "stderr", data: Buffer) => void;
  onClose?: () => void;
}

/**
 * One connection to a shim's control socket. Commands that have a reply resolve with the
 * reply text ("ok ..."), or reject with the shim's "err ..." message; replies come in order.
 */
export class ShimConnection {
  private readonly pending: { resolve: (v: string) => void; reject: (e: Error) => void }[] = [];
  private readonly decoder = new FrameDecoder();
  private closed = false;
  /** Resolves when the connection is gone; a shim that ends closes every connection last. */
  readonly gone: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    private readonly handlers: ShimConnectionHandlers,
  ) {
    let gone = () => {};
    this.gone = new Promise((resolve) => {
      gone = resolve;
    });
    socket.on("data", (chunk) => this.onData(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      this.closed = true;
      gone();
      for (const p of this.pending.splice(0)) p.reject(new Error("shim connection closed"));
      this.handlers.onClose?.();
    });
  }

  static open(path: string, handlers: ShimConnectionHandlers = {}): Promise<ShimConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new ShimConnection(socket, handlers));
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  request(
    type: "S" | "K" | "T" | "A" | "W" | "P" | "U" | "X",
    payload: Buffer | string = "",
  ): Promise<string> {
    if (this.closed) return Promise.reject(new Error("shim connection closed"));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(encodeFrame(type, payload));
    });
  }

  send(type: "I" | "C" | "Z", payload: Buffer | string = ""): void {
    if (!this.closed) this.socket.write(encodeFrame(type, payload));
  }

  /** Lets a consumer apply backpressure on output (pause while its own sink is full). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch {
      this.socket.destroy();
      return;
    }
    for (const f of frames) {
      if (f.type === "R") {
        const text = f.payload.toString();
        const p = this.pending.shift();
        if (!p) continue;
        if (text.startsWith("err")) p.reject(new Error(text.slice(4) || "shim error"));
        else p.resolve(text);
      } else if (f.type === "o" || f.type === "e") {
        this.handlers.onOutput?.(f.type === "o" ? "stdout" : "stderr", f.payload);
      } else if (f.type === "J") {
        this.handlers.onEvent?.(JSON.parse(f.payload.toString()) as ShimEvent);
      }
    }
  }
}
