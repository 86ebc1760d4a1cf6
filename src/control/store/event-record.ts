// The API's events as the store keeps them, and back. The store's columns are what it filters on:
// kind (the event's type: app, container, daemon), type (its action), the app (an app event's own,
// or a replica container's `bosun.app`), the replica index and the container id. The details hold
// the event's id, name and attributes as they were, so that it comes back exactly.
import type { Event } from "../../api/schemas.ts";
import { LABEL_APP, LABEL_INDEX } from "../apps/replica-spec.ts";
import type { EventInput, StoredEvent } from "./store.ts";

interface EventDetails {
  id: string;
  name: string;
  attributes: Record<string, string>;
}

export function toStoredEvent(e: Event): EventInput {
  const app = e.type === "app" ? e.id : e.attributes[LABEL_APP];
  const replica = e.attributes[LABEL_INDEX];
  const index = replica === undefined || !/^\d+$/.test(replica) ? undefined : Number(replica);
  const details: EventDetails = { id: e.id, name: e.name, attributes: e.attributes };
  return {
    seq: e.seq,
    time: e.time,
    kind: e.type,
    ...(app !== undefined ? { app } : {}),
    ...(index !== undefined ? { replica: index } : {}),
    ...(e.type === "container" ? { container: e.id } : {}),
    type: e.action,
    message: e.attributes.message ?? `${e.name} ${e.action}`,
    details,
  };
}

export function fromStoredEvent(s: StoredEvent): Event {
  const d = s.details as Partial<EventDetails>;
  return {
    seq: s.seq,
    time: s.time,
    type: s.kind as Event["type"],
    action: s.type,
    id: d.id ?? s.container ?? s.app ?? "",
    name: d.name ?? s.app ?? "",
    attributes: d.attributes ?? {},
  };
}
