// The forms the store writes values in, whatever the dialect.
import { BosunError } from "../../api/errors.ts";

/**
 * JSON with object keys sorted, so that a spec applied again with its keys in another order is
 * recognised as the same spec (and makes no new generation).
 */
export function canonicalJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
  if (text === undefined) throw new BosunError("bad_request", "not a JSON value");
  return text;
}

/** JSON as given, object keys in their order (event details, whose order is shown). */
export function plainJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new BosunError("bad_request", "not a JSON value");
  return text;
}

const RFC3339_UTC = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * A UTC time with nine fractional digits. Times are compared as strings, and "….5Z" would sort
 * after "….500000001Z", so every time is padded to the runtime's nanosecond form on the way in.
 */
export function canonicalTime(time: string): string {
  const m = RFC3339_UTC.exec(time);
  if (!m) throw new BosunError("bad_request", `not a UTC RFC 3339 time: ${JSON.stringify(time)}`);
  return `${m[1]}.${(m[2] ?? "").padEnd(9, "0")}Z`;
}

export function nanoIso(ms: number): string {
  return canonicalTime(new Date(ms).toISOString());
}
