// Reading a container's log files (written by the shim, CRI lines, rotated as container.log.N
// ... container.log.1, container.log) for the logs route: the tail, time filters, and follow.
// The shim may rotate at any moment, so files are always opened as one consistent chain, and
// follow finds its place again after a rotation by time, not by file name.
import {
  CHUNK,
  forwardLines,
  inRange,
  type LogFile,
  type LogQuery,
  openChain,
  readRange,
} from "./log-files.ts";
import { Cursor, followLogs } from "./log-follow.ts";

export type { LogQuery } from "./log-files.ts";

const isFull = (line: string) => line.charCodeAt(line.indexOf(" ", line.indexOf(" ") + 1) + 1) === 70; // 'F'

/** The last n lines (F records, with the P fragments that lead up to them) of the files. */
async function tailLines(files: LogFile[], n: number): Promise<string[]> {
  const out: string[] = [];
  let full = 0;
  for (let i = files.length - 1; i >= 0 && full < n; i--) {
    const { fh, size } = files[i]!;
    let end = size;
    let carry = "";
    while (end > 0 && full < n) {
      const start = Math.max(0, end - CHUNK);
      const lines = ((await readRange(fh, start, end)).toString("latin1") + carry).split("\n");
      carry = start > 0 ? lines.shift()! : "";
      for (let j = lines.length - 1; j >= 0; j--) {
        const line = lines[j]!;
        if (line === "") continue;
        // A line ends with an F record; fragments at the very end (no newline yet) make one too.
        if (isFull(line) || out.length === 0) {
          if (full === n) break;
          full++;
        }
        out.push(line);
      }
      end = start;
    }
  }
  // Read as latin1 so that cutting at chunk edges never splits a character; decode now.
  return out.reverse().map((l) => Buffer.from(l, "latin1").toString("utf8"));
}

/**
 * Streams the log lines matching q, in batches. With `follow`, keeps streaming new lines, across
 * rotations, until `done` resolves (the container ended) or the signal aborts.
 */
export async function* readLogs(
  dir: string,
  maxFiles: number,
  q: LogQuery,
  follow?: { done: Promise<unknown>; signal: AbortSignal },
): AsyncGenerator<string[]> {
  const files = await openChain(dir, maxFiles);
  try {
    if (q.tail !== undefined) {
      yield (q.tail === 0 ? [] : await tailLines(files, q.tail)).filter((l) => inRange(l, q));
    } else {
      for (const f of files)
        for await (const batch of forwardLines(f.fh, 0, f.size)) yield batch.filter((l) => inRange(l, q));
    }
    if (!follow) return;
    // Follow from where this read ended: the end of the newest file as it was opened.
    const last = files.at(-1);
    const cursor = await Cursor.at(last);
    if (last) files.pop();
    yield* followLogs(dir, maxFiles, last, cursor, q, follow);
  } finally {
    await Promise.all(files.map((f) => f.fh.close()));
  }
}
