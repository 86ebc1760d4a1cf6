// Request counts and latencies over a sliding window of whole seconds: one log-linear histogram
// per second in a ring. Recording is a few integer operations on a typed array; the snapshot
// merges the window's histograms, which is the only costly part and runs once per scrape.
//
// Buckets: latencies (µs) below 16 are exact; above, each power of two is cut into 8 buckets, so
// a reported percentile (the middle of its bucket) is within about 6% of the true value.

const SUB_BITS = 3;
const SUB = 1 << SUB_BITS;
const EXACT = SUB * 2;
/** Indexes 0..EXACT-1 hold exact values; then SUB per power of two up to 2^31 µs. */
const BUCKETS = (31 - SUB_BITS) * SUB + SUB;

export function bucketOf(us: number): number {
  const v = us < 0 ? 0 : us > 0x7fffffff ? 0x7fffffff : us | 0;
  if (v < EXACT) return v;
  const e = 31 - Math.clz32(v);
  return (e - SUB_BITS) * SUB + (v >>> (e - SUB_BITS));
}

/** The middle of the values that fall into `bucket`. */
export function bucketValue(bucket: number): number {
  if (bucket < EXACT) return bucket;
  const e = Math.floor(bucket / SUB) + SUB_BITS - 1;
  const m = (bucket % SUB) + SUB;
  const low = m * 2 ** (e - SUB_BITS);
  const width = 2 ** (e - SUB_BITS);
  return low + (width - 1) / 2;
}

export interface WindowStats {
  /** Requests completed in the window. */
  count: number;
  /** Per second, over the part of the window that has elapsed. */
  rate: number;
  /** Microseconds; 0 when the window is empty. */
  p50: number;
  p95: number;
  p99: number;
}

export class LatencyWindow {
  readonly #seconds: number;
  readonly #counts: Uint32Array;
  readonly #slotSecond: Float64Array;
  readonly #slotTotal: Uint32Array;
  readonly #since: number;

  /** `now`: ms on the clock later passed to record() and stats(). */
  constructor(seconds: number, now: number) {
    this.#seconds = seconds;
    this.#counts = new Uint32Array(seconds * BUCKETS);
    this.#slotSecond = new Float64Array(seconds).fill(-1);
    this.#slotTotal = new Uint32Array(seconds);
    this.#since = now;
  }

  record(latencyUs: number, now: number): void {
    const second = Math.floor(now / 1000);
    const slot = second % this.#seconds;
    if (this.#slotSecond[slot] !== second) {
      this.#slotSecond[slot] = second;
      this.#slotTotal[slot] = 0;
      this.#counts.fill(0, slot * BUCKETS, slot * BUCKETS + BUCKETS);
    }
    this.#slotTotal[slot]!++;
    this.#counts[slot * BUCKETS + bucketOf(latencyUs)]!++;
  }

  stats(now: number): WindowStats {
    const second = Math.floor(now / 1000);
    const merged = new Uint32Array(BUCKETS);
    let count = 0;
    for (let slot = 0; slot < this.#seconds; slot++) {
      const s = this.#slotSecond[slot]!;
      if (s < 0 || s <= second - this.#seconds || s > second) continue;
      count += this.#slotTotal[slot]!;
      const base = slot * BUCKETS;
      for (let b = 0; b < BUCKETS; b++) merged[b]! += this.#counts[base + b]!;
    }
    // The window holds the current, partial second and the seconds - 1 whole ones before it.
    const span = Math.min(this.#seconds - 1 + (now % 1000) / 1000, (now - this.#since) / 1000);
    return {
      count,
      rate: count / Math.max(span, 1),
      p50: percentile(merged, count, 0.5),
      p95: percentile(merged, count, 0.95),
      p99: percentile(merged, count, 0.99),
    };
  }
}

function percentile(hist: Uint32Array, count: number, q: number): number {
  if (count === 0) return 0;
  const rank = Math.ceil(q * count);
  let seen = 0;
  for (let b = 0; b < hist.length; b++) {
    seen += hist[b]!;
    if (seen >= rank) return bucketValue(b);
  }
  return bucketValue(hist.length - 1);
}
