// One event as a line for people, in Docker's shape:
// `2026-11-22T01:02:03.000000000Z container die 3f2a9c1b2d4e (name=web, exitCode=137)`.
import type { Event } from "../api/schemas.ts";
import { nanoTime } from "./time-arg.ts";

export function formatEvent(ev: Event, truncate = true): string {
  const attrs = [`name=${ev.name}`];
  for (const [k, v] of Object.entries(ev.attributes)) if (k !== "name") attrs.push(`${k}=${v}`);
  const id = truncate ? ev.id.slice(0, 12) : ev.id;
  return `${nanoTime(ev.time)} ${ev.type} ${ev.action} ${id} (${attrs.join(", ")})`;
}
