// The time a health checker sees. Tests pass a ManualClock, so every threshold and start-period
// transition runs deterministically without sleeping; bosund passes systemClock.

/** Opaque: whatever the clock's setTimeout returned. */
export interface TimerHandle {
  readonly __brand: "TimerHandle";
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle as unknown as NodeJS.Timeout),
};
