// An incremental parser for the responses a backend sends on one connection. It hands the
// proxy a head with the hop-by-hop fields already dropped, then the body de-framed (node frames
// it again for the client), and says whether the connection can carry another request.
//
// The last body piece of a message is held back and passed to onComplete(), so that a whole
// small response becomes one res.end(body): node then writes head and body in one syscall.
import { parseResponseHead } from "./response-head.ts";

export interface ResponseSink {
  /** `headers` is flat [name, value, …] without hop-by-hop fields nor Transfer-Encoding. */
  onHead(status: number, reason: string, headers: string[]): void;
  onBody(chunk: Buffer): void;
  /** The message is complete; `last` is its final body piece, if any. */
  onComplete(last: Buffer | null): void;
  onProtocolError(reason: string): void;
}

const MAX_HEAD = 64 * 1024;
const CRLFCRLF = Buffer.from("\r\n\r\n");

// States.
const IDLE = 0;
const HEAD = 1;
const LENGTH = 2;
const UNTIL_EOF = 3;
const CHUNK_SIZE = 4;
const CHUNK_EXT = 5;
const CHUNK_SIZE_LF = 6;
const CHUNK_DATA = 7;
const CHUNK_DATA_CR = 8;
const CHUNK_DATA_LF = 9;
const TRAILER_LINE = 10;
const TRAILER_TEXT = 11;
const TRAILER_LF = 12;
const ENDED = 13;

export class ResponseParser {
  readonly #sink: ResponseSink;
  #state = IDLE;
  #isHead = false;
  #partial: Buffer | null = null;
  /** How much of #partial has been searched for the end of the head. */
  #scanned = 0;
  #remaining = 0;
  #sizeDigits = 0;
  #held: Buffer | null = null;
  /** Whether the connection may carry another request once this response is complete. */
  keepAlive = false;
  /** The backend's Keep-Alive timeout in ms, -1 when it named none. */
  keepAliveHintMs = -1;

  constructor(sink: ResponseSink) {
    this.#sink = sink;
  }

  /** Expect a response to a request just sent; `isHead`: it was a HEAD request. */
  begin(isHead: boolean): void {
    this.#state = HEAD;
    this.#isHead = isHead;
    this.#partial = null;
    this.#scanned = 0;
    this.#held = null;
    this.keepAlive = false;
  }

  /** Forget the response under way (the connection is being closed). */
  reset(): void {
    this.#state = IDLE;
    this.#partial = null;
    this.#held = null;
    this.keepAlive = false;
  }

  /** True while the body runs until the backend closes the connection. */
  get untilEof(): boolean {
    return this.#state === UNTIL_EOF;
  }

  /** The backend closed the connection: ends a body that runs until EOF; an error otherwise. */
  eof(): void {
    if (this.#state === UNTIL_EOF) this.#complete(null);
    else if (this.#state !== IDLE && this.#state !== ENDED)
      this.#fail("backend closed the connection mid-response");
  }

  execute(chunk: Buffer): void {
    let data = chunk;
    if (this.#partial !== null) {
      // A head split over reads: rare, so joining the pieces is fine.
      data = Buffer.concat([this.#partial, chunk]);
      this.#partial = null;
    }
    let pos = 0;
    const len = data.length;
    while (pos < len) {
      switch (this.#state) {
        case HEAD:
          pos = this.#head(data, pos);
          if (pos < 0) return;
          break;
        case LENGTH:
        case CHUNK_DATA: {
          const take = Math.min(this.#remaining, len - pos);
          const piece = data.subarray(pos, pos + take);
          pos += take;
          this.#remaining -= take;
          if (this.#remaining !== 0) this.#hold(piece);
          else if (this.#state === LENGTH) this.#complete(piece);
          else {
            this.#hold(piece);
            this.#state = CHUNK_DATA_CR;
          }
          break;
        }
        case UNTIL_EOF:
          this.#hold(pos === 0 ? data : data.subarray(pos));
          pos = len;
          break;
        case IDLE:
        case ENDED:
          // Bytes nobody asked for: the connection cannot be trusted with another request.
          this.keepAlive = false;
          return;
        default:
          pos = this.#framing(data, pos);
          if (pos < 0) return;
      }
    }
    if (this.#held !== null && this.#state !== ENDED) {
      const piece = this.#held;
      this.#held = null;
      this.#sink.onBody(piece);
    }
  }

  /** Returns the position after the head; -1 when more bytes are needed, or on error. */
  #head(data: Buffer, pos: number): number {
    const end = data.indexOf(CRLFCRLF, Math.max(pos, this.#scanned - 3));
    if (end === -1 || end - pos > MAX_HEAD) {
      if (data.length - pos > MAX_HEAD) return this.#fail("response head too large");
      this.#partial = pos === 0 ? data : data.subarray(pos);
      this.#scanned = this.#partial.length;
      return -1;
    }
    this.#scanned = 0;
    if (!this.#parseHead(data.toString("latin1", pos, end))) return -1;
    return end + 4;
  }

  #parseHead(text: string): boolean {
    const head = parseResponseHead(text);
    if (typeof head === "string") {
      this.#fail(head);
      return false;
    }
    if (head.status < 200) {
      // 100 Continue, 102, 103 Early Hints: interim; the final response follows. A 101 to a
      // request that asked for no upgrade is a broken backend.
      if (head.status === 101) {
        this.#fail("unexpected 101 Switching Protocols");
        return false;
      }
      return true;
    }
    this.keepAlive = head.keepAlive;
    this.keepAliveHintMs = head.keepAliveHintMs;
    this.#sink.onHead(head.status, head.reason, head.headers);
    if (this.#state !== HEAD) return false; // the sink gave up on this response: reset()
    const status = head.status;
    if (this.#isHead || status === 204 || status === 304 || head.length === 0) {
      this.#complete(null);
    } else if (head.chunked) {
      this.#state = CHUNK_SIZE;
      this.#remaining = 0;
      this.#sizeDigits = 0;
    } else if (head.length > 0) {
      this.#state = LENGTH;
      this.#remaining = head.length;
    } else {
      this.#state = UNTIL_EOF;
      this.keepAlive = false;
    }
    return true;
  }

  /** Chunk sizes, chunk delimiters and trailers, a byte at a time. */
  #framing(data: Buffer, pos: number): number {
    const len = data.length;
    while (pos < len) {
      const c = data[pos]!;
      switch (this.#state) {
        case CHUNK_SIZE: {
          const d = hexDigit(c);
          if (d >= 0) {
            if (++this.#sizeDigits > 12) return this.#fail("chunk too large");
            this.#remaining = this.#remaining * 16 + d;
          } else if (this.#sizeDigits === 0) {
            return this.#fail("malformed chunk size");
          } else if (c === 13) {
            this.#state = CHUNK_SIZE_LF;
          } else if (c === 59 || c === 32 || c === 9) {
            this.#state = CHUNK_EXT;
          } else {
            return this.#fail("malformed chunk size");
          }
          break;
        }
        case CHUNK_EXT:
          if (c === 13) this.#state = CHUNK_SIZE_LF;
          break;
        case CHUNK_SIZE_LF:
          if (c !== 10) return this.#fail("malformed chunk size");
          this.#state = this.#remaining === 0 ? TRAILER_LINE : CHUNK_DATA;
          if (this.#state === CHUNK_DATA) return pos + 1;
          break;
        case CHUNK_DATA_CR:
          if (c !== 13) return this.#fail("malformed chunk end");
          this.#state = CHUNK_DATA_LF;
          break;
        case CHUNK_DATA_LF:
          if (c !== 10) return this.#fail("malformed chunk end");
          this.#state = CHUNK_SIZE;
          this.#remaining = 0;
          this.#sizeDigits = 0;
          break;
        case TRAILER_LINE:
          this.#state = c === 13 ? TRAILER_LF : TRAILER_TEXT;
          break;
        case TRAILER_TEXT:
          // Trailer fields are read past, not forwarded.
          if (c === 10) this.#state = TRAILER_LINE;
          break;
        case TRAILER_LF:
          if (c !== 10) return this.#fail("malformed trailer");
          this.#complete(null);
          return pos + 1;
        default:
          return pos;
      }
      pos++;
    }
    return pos;
  }

  #hold(piece: Buffer): void {
    if (this.#held !== null) this.#sink.onBody(this.#held);
    this.#held = piece.length === 0 ? null : piece;
  }

  #complete(last: Buffer | null): void {
    let piece = this.#held;
    this.#held = null;
    if (last !== null && last.length !== 0) {
      if (piece !== null) this.#sink.onBody(piece);
      piece = last;
    }
    this.#state = ENDED;
    this.#sink.onComplete(piece);
  }

  #fail(reason: string): -1 {
    this.#state = IDLE;
    this.#held = null;
    this.#partial = null;
    this.keepAlive = false;
    this.#sink.onProtocolError(reason);
    return -1;
  }
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
