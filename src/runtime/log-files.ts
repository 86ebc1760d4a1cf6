// The shim's log files as a reader sees them: CRI lines in container.log and its rotated
// predecessors container.log.1 … .N, which the shim may rename at any moment.
import { type FileHandle, open, stat } from "node:fs/promises";
import { join } from "node:path";

export const LOG_FILE = "container.log";

export interface LogQuery {
  tail?: number; // last N lines; undefined = all
  since?: string; // ISO nanosecond times, compared as strings
  until?: string;
}

export function lineTime(line: string): string {
  return line.slice(0, line.indexOf(" "));
}

export function inRange(line: string, q: LogQuery): boolean {
  const t = lineTime(line);
  return (q.since === undefined || t >= q.since) && (q.until === undefined || t <= q.until);
}

export async function readRange(fh: FileHandle, start: number, end: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(Math.max(0, end - start));
  let off = 0;
  while (off < buf.length) {
    const { bytesRead } = await fh.read(buf, off, buf.length - off, start + off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return buf.subarray(0, off);
}

export const CHUNK = 256 * 1024;

/**
 * Yields the complete lines of fh between start and end, in order, a chunk's worth at a time.
 * A last line without its newline yet is not yielded; it is left in `partial.rest`.
 */
export async function* forwardLines(
  fh: FileHandle,
  start: number,
  end: number,
  partial: { rest: string } = { rest: "" },
): AsyncGenerator<string[]> {
  partial.rest = "";
  for (let pos = start; pos < end; pos += CHUNK) {
    const text = partial.rest + (await readRange(fh, pos, Math.min(end, pos + CHUNK))).toString("utf8");
    const lines = text.split("\n");
    partial.rest = lines.pop()!;
    yield lines;
  }
}

export interface LogFile {
  fh: FileHandle;
  ino: number;
  size: number;
}

/**
 * Opens the log files, oldest first, as one consistent chain: if the shim rotated while they
 * were being opened, the names no longer match what was opened, and it tries again.
 */
export async function openChain(dir: string, maxFiles: number): Promise<LogFile[]> {
  const names = [
    LOG_FILE,
    ...Array.from({ length: Math.max(1, maxFiles) }, (_, k) => `${LOG_FILE}.${k + 1}`),
  ].reverse();
  for (let attempt = 0; ; attempt++) {
    const files: LogFile[] = [];
    for (const n of names) {
      const fh = await open(join(dir, n), "r").catch(() => undefined);
      if (!fh) continue;
      const st = await fh.stat();
      files.push({ fh, ino: st.ino, size: st.size });
    }
    const now = await Promise.all(
      names.map((n) =>
        stat(join(dir, n)).then(
          (s) => s.ino,
          () => undefined,
        ),
      ),
    );
    const same = now.filter((i) => i !== undefined).join() === files.map((f) => f.ino).join();
    if (same || attempt >= 20) return files;
    await Promise.all(files.map((f) => f.fh.close()));
  }
}
