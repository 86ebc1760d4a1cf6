// One keep-alive connection to a backend. It carries one exchange at a time, parses the
// responses, and tells its exchange how the attempt ended; between exchanges it waits in the
// backend's idle pool.
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

  attach(user: ConnUser, isHead: boolean): void {
    this.user = user;
    this.parser.begin(isHead);
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
    this.socket.setTimeout(0);
    this.user?.onConnected();
  };

  #onTimeout = (): void => {
    if (this.opened) return;
    this.#error = "connect timeout";
    this.socket.destroy();
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
