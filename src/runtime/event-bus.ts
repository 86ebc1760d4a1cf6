// Runtime events (create, start, die, restart, stop, kill, destroy, attach, detach), kept in a
// bounded in-memory ring for `--since` and pushed to followers as they happen.
import type { Event } from "../api/schemas.ts";
import { labelMatches } from "./key-value.ts";
import { nowIso } from "./time.ts";

/** A container event unless `type` says otherwise. */
export type EventInput = Omit<Event, "seq" | "time" | "type"> & { type?: Event["type"] };
type Listener = (e: Event) => void;

export class EventBus {
  private readonly ring: Event[] = [];
  private readonly listeners = new Set<Listener>();
  private seq = 0;

  constructor(private readonly capacity = 10_000) {}

  emit(input: EventInput, time = nowIso()): Event {
    const e: Event = { seq: ++this.seq, time, type: "container", ...input };
    this.ring.push(e);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const l of this.listeners) l(e);
    return e;
  }

  history(): readonly Event[] {
    return this.ring;
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

export const EVENT_FILTERS = ["container", "event", "action", "type", "label", "app"];

/**
 * Docker-style event filters: container=ID|NAME (prefix of the id too), event=ACTION,
 * label=KEY or KEY=VALUE (matched against the event's attributes), type=container|daemon|app,
 * app=NAME (the app's events and its replicas').
 */
export function eventMatches(e: Event, filters: Map<string, string[]>): boolean {
  for (const [key, values] of filters) {
    const ok = values.some((v) => {
      switch (key) {
        case "container":
          return e.name === v || e.id.startsWith(v);
        case "event":
        case "action":
          return e.action === v;
        case "type":
          return e.type === v;
        case "label":
          return labelMatches(e.attributes, v);
        case "app":
          // An app's own events, and those of its replicas' containers (they carry its label).
          return e.attributes.app === v || e.attributes["bosun.app"] === v;
        default:
          return false;
      }
    });
    if (!ok) return false;
  }
  return true;
}
