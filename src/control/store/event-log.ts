// Every event the daemon emits, kept in the store, and read back as `bosun events` history.
// The event bus hands each event to append(), which only queues it: the queue is written in one
// transaction once the current turn of the event loop is done (or at once when it is full), so
// that emitting an event on a create or a start costs a push, not a write.
import { setTimeout as delay, setImmediate as nextTurn } from "node:timers/promises";
import type { Event } from "../../api/schemas.ts";
import { eventMatches } from "../../runtime/event-bus.ts";
import { canonicalTime, nanoIso } from "./canonical.ts";
import { fromStoredEvent, toStoredEvent } from "./event-record.ts";
import type { EventQuery, Store } from "./store.ts";

/** What is kept: a week of events, and at most this many. */
export const EVENTS_KEPT = { ageMs: 7 * 86_400_000, count: 100_000 };
/** History answers at most this many events, the newest. */
export const HISTORY_MAX = 10_000;
const PRUNE_EVERY_MS = 3_600_000;
/** History is read from the store this many events at a time. */
const PAGE = 2000;

export interface EventLogOptions {
  /** A full queue is written at once. */
  batchMax?: number;
  /** A batch the store refused, or a failed prune; the batch's events are not retried. */
  onError?: (err: Error, what: string) => void;
}

export interface HistoryQuery {
  since?: string | undefined;
  /** Included, as Docker's --until is. */
  until?: string | undefined;
  /** Docker-style filters, as eventMatches takes them. */
  filters: Map<string, string[]>;
  /** Events after this seq are left out (a follower gets them live). */
  through: number;
}

export class EventLog {
  private queue: Event[] = [];
  private writing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private closed = false;
  private readonly batchMax: number;
  private readonly onError: (err: Error, what: string) => void;

  constructor(
    private readonly store: Store,
    options: EventLogOptions = {},
  ) {
    this.batchMax = options.batchMax ?? 500;
    this.onError = options.onError ?? (() => {});
  }

  /** The event bus's sink. */
  append(e: Event): void {
    if (this.closed) return;
    this.queue.push(e);
    if (this.queue.length >= this.batchMax) void this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
  }

  /** Resolves once every event appended so far is written (or given up on); never rejects. */
  flush(): Promise<void> {
    if (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      // Chained, so that batches are written in order and a flush waits for the ones before.
      this.writing = this.writing
        .then(() => this.store.appendEvents(batch.map(toStoredEvent)))
        .then(
          () => {},
          (err: Error) => this.onError(err, `${batch.length} events not stored`),
        );
    }
    return this.writing;
  }

  /** Writes what is queued; later events are dropped (the store is about to close). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  /**
   * The stored events that match, oldest first, at most HISTORY_MAX (the newest). What is still
   * queued is written first, so that nothing emitted before the call is missed. The filters the
   * store can answer (one kind, app or action) narrow its query; all are then applied here, on
   * pages read back from the newest, with other requests let through between pages.
   */
  async read(q: HistoryQuery): Promise<Event[]> {
    await this.flush();
    const query: EventQuery = { limit: PAGE };
    if (q.since !== undefined) query.since = q.since;
    if (q.until !== undefined) query.until = nanoAfter(q.until);
    for (const [key, values] of q.filters) {
      if (values.length !== 1) continue;
      const v = values[0]!;
      if (key === "type") query.kind = v;
      else if (key === "app") query.app = v;
      else if (key === "event" || key === "action") query.type = v;
    }
    const newestFirst: Event[] = [];
    for (;;) {
      const page = await this.store.listEvents(query);
      for (let i = page.length - 1; i >= 0 && newestFirst.length < HISTORY_MAX; i--) {
        const s = page[i]!;
        if (s.seq > q.through) continue;
        const e = fromStoredEvent(s);
        if (eventMatches(e, q.filters)) newestFirst.push(e);
      }
      const oldest = page[0];
      if (newestFirst.length >= HISTORY_MAX || page.length < PAGE || !oldest) break;
      query.before = { time: oldest.time, seq: oldest.seq };
      await nextTurn();
    }
    return newestFirst.reverse();
  }

  /** Removes events older than EVENTS_KEPT.ageMs, and all but the newest EVENTS_KEPT.count. */
  async prune(now: number): Promise<number> {
    return this.store.pruneEvents({
      olderThan: nanoIso(now - EVENTS_KEPT.ageMs),
      keepLast: EVENTS_KEPT.count,
    });
  }

  /** Prunes now, then every hour, until the signal aborts. The timer holds no process up. */
  async run(signal: AbortSignal, now: () => number = Date.now): Promise<void> {
    while (!signal.aborted) {
      await this.prune(now()).catch((err: Error) => this.onError(err, "pruning events failed"));
      await delay(PRUNE_EVERY_MS, undefined, { signal, ref: false }).catch(() => {});
    }
  }
}

/** The instant 1 ns after `t`, so that the store's `time < until` includes `t` itself. */
export function nanoAfter(t: string): string {
  const c = canonicalTime(t);
  const ns = Number(c.slice(20, 29)) + 1;
  if (ns < 1e9) return `${c.slice(0, 20)}${String(ns).padStart(9, "0")}Z`;
  return nanoIso(Date.parse(`${c.slice(0, 19)}Z`) + 1000);
}
