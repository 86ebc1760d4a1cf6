// The daemon's events (container create, start, die …; bosund's own; the apps'), numbered in one
// sequence and pushed to followers as they happen. The sink (the event log) gets each one first
// and keeps it in the store, which is where history comes from.
import type { Event } from "../api/schemas.ts";
import { labelMatches } from "./key-value.ts";
import { nowIso } from "./time.ts";

/** A container event unless `type` says otherwise. */
export type EventInput = Omit<Event, "seq" | "time" | "type"> & { type?: Event["type"] };
type Listener = (e: Event) => void;

export interface EventBusOptions {
  /** The last seq handed out before, by the store: seqs go on from it across restarts. */
  lastSeq?: number;
  sink?: Listener;
}

export class EventBus {
  private readonly listeners = new Set<Listener>();
  private seq: number;
  private readonly sink: Listener | undefined;

  constructor(options: EventBusOptions = {}) {
    this.seq = options.lastSeq ?? 0;
    this.sink = options.sink;
  }

  /** The seq of the last event emitted: a history read now holds every event up to it. */
  get lastSeq(): number {
    return this.seq;
  }

  emit(input: EventInput): Event {
    const e: Event = { seq: ++this.seq, time: nowIso(), type: "container", ...input };
    this.sink?.(e);
    for (const l of this.listeners) l(e);
    return e;
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
 * app=NAME (the app's own events and its replicas' container events). The store's kind, type
 * (action) and app columns mean the same, so that history can be filtered there first.
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
          // Its replicas' containers carry the app's label.
          return e.type === "app" ? e.id === v : e.attributes["bosun.app"] === v;
        default:
          return false;
      }
    });
    if (!ok) return false;
  }
  return true;
}
