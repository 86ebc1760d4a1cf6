// `--since` and `--until` values: a duration back from now ("10m", "1h30m"), a timestamp
// ("2026-11-22T01:02:03Z", "2026-11-22"), or Unix seconds. They are sent as RFC 3339 with nine
// fractional digits, the width of the log and event timestamps, so they compare as strings too.
import { parseDuration } from "../api/units.ts";
import { UsageError } from "./failure.ts";

/** Widens an RFC 3339 UTC time to nine fractional digits: `…:03Z` → `…:03.000000000Z`. */
export function nanoTime(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(time);
  return m ? `${m[1]}.${(m[2] ?? "").padEnd(9, "0")}Z` : time;
}

export function parseTimeArg(flag: string, value: string, now: number): string {
  const v = value.trim();
  const ago = parseDuration(v);
  if (ago !== undefined) return nanoTime(new Date(now - ago).toISOString());
  if (/^\d+(\.\d+)?$/.test(v)) return nanoTime(new Date(Number(v) * 1000).toISOString());
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/.test(v)) return nanoTime(v);
  if (/^\d{4}-\d\d-\d\d/.test(v) && !Number.isNaN(Date.parse(v))) return nanoTime(new Date(v).toISOString());
  throw new UsageError(
    `${flag}: expected a duration like 10m or a time like 2026-11-22T01:02:03Z, got "${value}"`,
  );
}
