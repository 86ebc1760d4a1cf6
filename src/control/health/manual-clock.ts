// A Clock for tests: time moves only when advance() is called. Timers fire in due order, and the
// promise jobs they start are allowed to settle before the next one fires, so an async probe
// started by a timer has finished (or is still pending by design) when advance() returns.
import type { Clock, TimerHandle } from "./clock.ts";

interface Timer {
  id: number;
  due: number;
  fn: () => void;
}

export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.#seq;
    this.#timers.push({ id, due: this.#now + Math.max(0, ms), fn });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== (handle as unknown as number));
  }

  /** Timers not yet fired or cleared. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#timers
        .filter((t) => t.due <= target)
        .sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (next === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = next.due;
      next.fn();
      await settle();
    }
    this.#now = target;
  }
}

/** Lets every queued promise job run (a macrotask turn, not a sleep). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
