// One probe run: the kind-specific check raced against its timeout. A probe resolves with its
// verdict or throws (a refused connection, a reset); either way runProbe returns a result and
// never rejects, and the probe's signal is aborted once the race is decided, so a loser's socket
// or exec session is torn down instead of lingering.
import type { Clock, TimerHandle } from "./clock.ts";

export interface ProbeOutcome {
  ok: boolean;
  /** Why, in a few words: "HTTP 503", "exit code 1", "connect ECONNREFUSED 127.0.0.1:8080". */
  message: string;
  /** What the check printed or answered, capped (exec output, the start of an HTTP body). */
  output?: string;
}

/** Must settle soon after `signal` aborts; runProbe does not wait for it if it does not. */
export type Probe = (signal: AbortSignal) => Promise<ProbeOutcome>;

/** Docker keeps this much of a check's output. */
export const OUTPUT_LIMIT = 4096;

export interface RunOptions {
  timeoutMs: number;
  clock: Clock;
  /** Aborting it (the checker stopping) ends the run at once. */
  signal?: AbortSignal;
}

export async function runProbe(probe: Probe, opts: RunOptions): Promise<ProbeOutcome> {
  const { timeoutMs, clock, signal } = opts;
  const inner = new AbortController();
  let timer: TimerHandle | undefined;
  let onAbort: (() => void) | undefined;
  // Ends the run: the probe is aborted at once, the result is decided without waiting for it.
  const cutoff = new Promise<ProbeOutcome>((resolve) => {
    const end = (message: string) => {
      if (timer !== undefined) clock.clearTimeout(timer);
      inner.abort();
      resolve({ ok: false, message });
    };
    timer = clock.setTimeout(() => end(`timed out after ${timeoutMs}ms`), timeoutMs);
    onAbort = () => end("stopped");
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([probe(inner.signal).catch(failure), cutoff]);
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    inner.abort();
  }
}

function failure(err: unknown): ProbeOutcome {
  return { ok: false, message: err instanceof Error ? err.message : String(err) };
}

export function cap(text: string): string {
  return text.length > OUTPUT_LIMIT ? text.slice(0, OUTPUT_LIMIT) : text;
}
