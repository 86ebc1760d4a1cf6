// Follows a container's log as the shim writes it: woken by inotify on the state directory,
// never by polling. The shim can rotate several times between two wake-ups, so after a rotation
// the follower re-opens the chain of files and skips what it has passed, by time: the cursor
// is the time of the last line passed and how many lines at that time it passed (the shim
// stamps every line of one read with the same time).
import { watch } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import {
  forwardLines,
  inRange,
  LOG_FILE,
  type LogFile,
  type LogQuery,
  lineTime,
  openChain,
  readRange,
} from "./log-files.ts";

export class Cursor {
  constructor(
    public time = "",
    public same = 0,
  ) {}

  pass(line: string): void {
    const t = lineTime(line);
    if (t === this.time) this.same++;
    else {
      this.time = t;
      this.same = 1;
    }
  }

  /** A filter for one re-scan of the chain: true for the lines after the cursor. */
  skipper(): (line: string) => boolean {
    const t0 = this.time;
    const s0 = this.same;
    let eq = 0;
    let past = false;
    return (line) => {
      if (past) return true;
      const t = lineTime(line);
      if (t < t0) return false;
      if (t === t0 && ++eq <= s0) return false;
      past = true;
      return true;
    };
  }

  /** The cursor at byte `end` of a file: its last line's time and the run of lines sharing it. */
  static async at(f: LogFile | undefined): Promise<Cursor> {
    if (!f || f.size === 0) return new Cursor();
    const start = Math.max(0, f.size - 256 * 1024);
    const lines = (await readRange(f.fh, start, f.size)).toString("utf8").split("\n");
    lines.pop();
    if (start > 0) lines.shift();
    const c = new Cursor();
    for (const l of lines) c.pass(l);
    return c;
  }
}

export async function* followLogs(
  dir: string,
  maxFiles: number,
  held: LogFile | undefined,
  cursor: Cursor,
  q: LogQuery,
  { done, signal }: { done: Promise<unknown>; signal: AbortSignal },
): AsyncGenerator<string[]> {
  let current = held;
  let pos = held?.size ?? 0;
  let rest = "";
  // `dirty` closes the window between a drain and the wait: a change seen meanwhile is not lost.
  let dirty = false;
  let wake: () => void = () => {};
  let finished = false;
  const watcher = watch(dir, () => {
    dirty = true;
    wake();
  });
  const onEnd = () => {
    finished = true;
    wake();
  };
  signal.addEventListener("abort", onEnd);
  void done.then(onEnd, onEnd);
  const emit = (lines: string[]) => {
    for (const l of lines) cursor.pass(l);
    return lines.filter((l) => inRange(l, q));
  };
  try {
    for (;;) {
      const ending = finished;
      dirty = false;
      if (current) {
        const size = (await current.fh.stat()).size;
        if (size > pos) {
          const text = rest + (await readRange(current.fh, pos, size)).toString("utf8");
          pos = size;
          const lines = text.split("\n");
          rest = lines.pop()!;
          yield emit(lines);
        }
      }
      const now = await stat(join(dir, LOG_FILE)).catch(() => undefined);
      if (now && now.ino !== current?.ino) {
        // Rotated (or first created): re-open the chain and pass over what was seen.
        await current?.fh.close();
        current = undefined;
        const chain = await openChain(dir, maxFiles);
        const last = chain.pop();
        const keep = cursor.skipper();
        for (const f of chain) {
          for await (const b of forwardLines(f.fh, 0, f.size)) yield emit(b.filter(keep));
          await f.fh.close();
        }
        if (last) {
          const partial = { rest: "" };
          for await (const b of forwardLines(last.fh, 0, last.size, partial)) yield emit(b.filter(keep));
          current = last;
          pos = last.size;
          rest = partial.rest;
        }
        continue; // look again before sleeping: it may have rotated meanwhile
      }
      if (ending || signal.aborted) return;
      await new Promise<void>((r) => {
        wake = r;
        if (finished || dirty) r();
      });
    }
  } finally {
    watcher.close();
    signal.removeEventListener("abort", onEnd);
    await current?.fh.close();
  }
}
