// Waiting on facts without polling: the daemon's event stream (history first, then live) and
// inotify for files.
import { watch } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import type { BosunClient } from "../../src/api/client.ts";
import type { Event } from "../../src/api/schemas.ts";
import { readStat } from "../../src/runtime/proc.ts";

/** Resolves with the nth event (1-based) of a container that matches action. */
export async function nthEvent(
  client: BosunClient,
  id: string,
  action: string,
  n = 1,
  timeoutMs = 20_000,
): Promise<Event> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let seen = 0;
  try {
    for await (const e of client.events({
      filter: [`container=${id}`, `event=${action}`],
      // From the beginning: the container's events so far, then the ones to come.
      since: new Date(0).toISOString(),
      signal: abort.signal,
    })) {
      if (++seen === n) return e;
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  throw new Error(`timed out waiting for event ${action} #${n} of ${id.slice(0, 12)} (saw ${seen})`);
}

/** Resolves once path exists (inotify on its directory). */
export function fileAppears(path: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const w = watch(dirname(path), (_e, name) => {
      if (name === basename(path)) check();
    });
    const timer = setTimeout(() => {
      w.close();
      reject(new Error(`timed out waiting for ${path}`));
    }, timeoutMs);
    const check = () =>
      access(path).then(
        () => {
          clearTimeout(timer);
          w.close();
          resolve();
        },
        () => {},
      );
    check();
  });
}

/** Resolves once check() holds, re-checking on every change inside dir (inotify). */
export function whenInDir(dir: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      w.close();
      if (err) reject(err);
      else resolve();
    };
    const run = () =>
      check().then(
        (ok) => ok && finish(),
        () => {},
      );
    const w = watch(dir, run);
    const timer = setTimeout(() => finish(new Error(`timed out waiting on ${dir}`)), timeoutMs);
    run();
  });
}

/**
 * Whether a process is held by a pause: stopped by a signal (T), frozen by the v1 freezer (it
 * shows as D), or in a v2 cgroup whose cgroup.events says frozen (it shows as S there).
 */
export async function isPaused(pid: number): Promise<boolean> {
  const state = (await readStat(pid))?.state;
  if (state === "T" || state === "t" || state === "D") return true;
  const cgroups = await readFile(`/proc/${pid}/cgroup`, "utf8").catch(() => "");
  const v2 = /^0::(\/.+)$/m.exec(cgroups)?.[1];
  if (!v2) return false;
  const events = await readFile(`/sys/fs/cgroup${v2}/cgroup.events`, "utf8").catch(() => "");
  return /^frozen 1$/m.test(events);
}
