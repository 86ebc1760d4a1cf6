// One keep-alive connection to a backend. It carries one exchange at a time, parses the
// responses, and tells its exchange how the attempt ended; between exchanges it waits in the
// backend's idle pool.
//
// Timeouts ride on the socket's own idle timer, armed once per connection and pushed back by
// node on every read and write, so the hot path sets no timer per request: until the connection
// opens it is the connect timeout; then it is the exchange's response timeout, which therefore
// runs from the last byte of the request sent and restarts with every byte of the response
// received (nginx's proxy_read_timeout, measured between two reads).
import { connect, type Socket } from "node:net";
import type { BackendState } from "./backend-state.ts";
import { ResponseParser, type ResponseSink } from "./response-parser.ts";

/** The exchange using a connection. */
export interface ConnUser {
  /** The connection is open (only for a new connection). */
  onConnected(): void;
  onHead(status: number, reason: string, headers: string[]): void;
  onBody(chunk: Buffer): void;
  /** Returns whether the connection may be reused: false when the request was not sent whole. */
  onComplete(last: Buffer | null): boolean;
  /** `opened`: false when the connection never opened, so the backend saw nothing. */
  onUpstreamFailure(opened: boolean, reason: string): void;
  /** The backend sent nothing for the response timeout; the connection is already closed. */
  onResponseTimeout(): void;
}

export class UpstreamConn implements ResponseSink {
  readonly backend: BackendState;
  readonly socket: Socket;
  readonly parser: ResponseParser;
  user: ConnUser | null = null;
  opened = false;
  /** While idle: when to stop trusting the connection (settings.now() clock). */
  idleDeadline = 0;
  #completed = false;
  #reusable = false;
  #error = "";
  /** The response timeout of the exchange attached last; 0 before the first. */
  #timeoutMs = 0;

  constructor(backend: BackendState) {
    this.backend = backend;
    this.parser = new ResponseParser(this);
    const socket = connect({ host: backend.host, port: backend.port, noDelay: true });
    this.socket = socket;
    socket.setTimeout(backend.settings.connectTimeoutMs);
    socket.on("connect", this.#onConnect);
    socket.on("timeout", this.#onTimeout);
    socket.on("data", this.#onData);
    socket.on("error", this.#onError);
    socket.on("close", this.#onClose);
  }

  attach(user: ConnUser, isHead: boolean, responseTimeoutMs: number): void {
    this.user = user;
    this.parser.begin(isHead);
    if (responseTimeoutMs === this.#timeoutMs) return;
    this.#timeoutMs = responseTimeoutMs;
    if (this.opened) this.socket.setTimeout(responseTimeoutMs);
  }

  /** Stops reading while the client cannot take more: its slowness is not the backend's. */
  pause(): void {
    this.socket.pause();
    this.socket.setTimeout(0);
  }

  resume(): void {
    this.socket.setTimeout(this.#timeoutMs);
    this.socket.resume();
  }

  /** Closes the connection without telling its user (who is giving it up). */
  destroy(): void {
    this.user = null;
    this.parser.reset();
    this.socket.destroy();
  }

  onHead(status: number, reason: string, headers: string[]): void {
    this.user?.onHead(status, reason, headers);
  }

  onBody(chunk: Buffer): void {
    this.user?.onBody(chunk);
  }

  onComplete(last: Buffer | null): void {
    const user = this.user;
    if (user === null) return;
    this.user = null;
    this.#completed = true;
    this.#reusable = user.onComplete(last);
  }

  onProtocolError(reason: string): void {
    const user = this.user;
    this.destroy();
    user?.onUpstreamFailure(true, reason);
  }

  #onConnect = (): void => {
    this.opened = true;
    this.socket.setTimeout(this.#timeoutMs);
    this.user?.onConnected();
  };

  #onTimeout = (): void => {
    if (!this.opened) {
      // Closed as a failed connect: the exchange may take it to another backend.
      this.#error = "connect timeout";
      this.socket.destroy();
      return;
    }
    // Idle in the pool: the sweep and the keep-alive deadline see to it.
    const user = this.user;
    if (user === null) return;
    // The request may have had effects, and the response was perhaps begun: the connection
    // cannot be trusted with another, and the exchange does not replay it.
    this.destroy();
    user.onResponseTimeout();
  };

  #onData = (data: Buffer): void => {
    if (this.user === null) {
      // Nothing was asked: a backend talking out of turn is not reused.
      this.socket.destroy();
      return;
    }
    this.parser.execute(data);
    if (!this.#completed) return;
    // Released only now, after the parser has seen the whole read: bytes past the end of the
    // response make the connection unfit for reuse.
    this.#completed = false;
    if (this.#reusable && this.parser.keepAlive) this.backend.release(this, this.parser.keepAliveHintMs);
    else this.socket.destroy();
  };

  #onError = (err: NodeJS.ErrnoException): void => {
    if (this.#error === "") this.#error = err.code ?? err.message;
  };

  #onClose = (): void => {
    this.backend.closed(this);
    const user = this.user;
    if (user === null) return;
    if (this.#error === "" && this.parser.untilEof) {
      this.parser.eof(); // completes the response through onComplete()
      return;
    }
    this.user = null;
    this.parser.reset();
    user.onUpstreamFailure(this.opened, this.#error || "backend closed the connection");
  };
}
