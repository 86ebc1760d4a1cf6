// RFC 3339 UTC timestamps with nanoseconds, the same shape the shim writes, so that they sort
// and compare as strings.
import { parseDuration } from "../api/units.ts";

export function nowIso(): string {
  return toNanoIso(Date.now());
}

export function toNanoIso(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-22T01:02:03.456Z
  return `${iso.slice(0, 23)}000000Z`;
}

/**
 * A `--since`/`--until` value: a duration back from now ("10m", "1h30m"), a unix time in
 * seconds, or an RFC 3339 time. Returns a nanosecond ISO string, or undefined when malformed.
 */
export function parseTimeArg(v: string, now = Date.now()): string | undefined {
  const d = parseDuration(v);
  if (d !== undefined) return toNanoIso(now - d);
  if (/^\d+(\.\d+)?$/.test(v)) return toNanoIso(Number(v) * 1000);
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) return undefined;
  // Keep the nanoseconds a caller gave; otherwise pad the milliseconds.
  const m = /\.(\d{1,9})Z$/.exec(v);
  return m ? `${new Date(ms).toISOString().slice(0, 19)}.${m[1]!.padEnd(9, "0")}Z` : toNanoIso(ms);
}
