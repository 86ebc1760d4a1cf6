// The CLI's side of a container terminal (`-t`): the local terminal in raw mode, so every key
// (Ctrl-C included) goes to the container's pty and its line discipline does the cooking; the
// window size sent at the start and on every resize; and the detach keys (Ctrl-P Ctrl-Q by
// default, as Docker's), which end the session and leave the container running.
import { UsageError } from "./failure.ts";

export const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";

/**
 * Docker's --detach-keys format: comma-separated keys, each a single character or `ctrl-X`
 * (X a letter, or one of @ [ \ ] ^ _). Returns the byte sequence.
 */
export function parseDetachKeys(spec: string): Buffer {
  const bytes = spec.split(",").map((key) => {
    const k = key.trim();
    const ctrl = /^ctrl-(.)$/i.exec(k);
    if (ctrl) {
      const c = ctrl[1]!.toUpperCase().charCodeAt(0);
      if (c >= 0x40 && c <= 0x5f) return c - 0x40; // ctrl-@ … ctrl-_, letters included
    } else if (k.length === 1) {
      return k.charCodeAt(0);
    }
    throw new UsageError(`--detach-keys: "${key}" is not a key (a character or ctrl-X, comma-separated)`);
  });
  if (bytes.length === 0) throw new UsageError("--detach-keys: no keys given");
  return Buffer.from(bytes);
}

/**
 * Finds the detach sequence in what is typed, across chunk boundaries. Bytes that could start
 * the sequence are held back until the next byte decides; if it does not continue the
 * sequence, they go out as typed (so Ctrl-P alone still reaches the container).
 */
export class DetachScanner {
  private matched = 0;

  constructor(private readonly keys: Buffer) {}

  /** What to forward from this chunk, and whether the sequence is now complete. */
  scan(chunk: Uint8Array): { forward: Buffer; detach: boolean } {
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { forward: Buffer.from(out), detach: true };
        continue;
      }
      // The held prefix was not the sequence: it goes out, and this byte may start it anew.
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i]!);
      this.matched = b === this.keys[0] ? 1 : 0;
      if (this.matched === 0) out.push(b);
      else if (this.keys.length === 1) return { forward: Buffer.from(out), detach: true };
    }
    return { forward: Buffer.from(out), detach: false };
  }
}

export interface WindowSize {
  rows: number;
  cols: number;
}

interface TtyOut {
  isTTY?: boolean;
  rows?: number;
  columns?: number;
  on(event: "resize", cb: () => void): unknown;
  off(event: "resize", cb: () => void): unknown;
}

/** The size of the terminal on `out`, if it is one. */
export function windowSize(out: TtyOut = process.stdout): WindowSize | undefined {
  if (!out.isTTY || !out.rows || !out.columns) return undefined;
  return { rows: out.rows, cols: out.columns };
}

/** Calls `cb` with the new size on every resize of the terminal; returns the unsubscribe. */
export function onResize(cb: (size: WindowSize) => void, out: TtyOut = process.stdout): () => void {
  const handler = () => {
    const size = windowSize(out);
    if (size) cb(size);
  };
  out.on("resize", handler);
  return () => out.off("resize", handler);
}

/** Fails unless stdin is a terminal, as `docker run -it` does when it is not. */
export function requireTerminalInput(what: string): void {
  if (!process.stdin.isTTY)
    throw new UsageError(`${what}: the input device is not a TTY (drop -t, or run it from a terminal)`);
}

/** Puts stdin in raw mode; the returned function restores it (also on an unexpected exit). */
export function rawMode(): () => void {
  const stdin = process.stdin;
  if (!stdin.isTTY) return () => {};
  stdin.setRawMode(true);
  const restore = () => {
    if (stdin.isRaw) stdin.setRawMode(false);
  };
  process.once("exit", restore);
  return () => {
    process.off("exit", restore);
    restore();
  };
}
