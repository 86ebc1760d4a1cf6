// In the foreground, Ctrl-C (and SIGTERM, SIGHUP) is meant for the container, not for the CLI: the
// CLI forwards it and keeps streaming until the container exits, as `docker run` does.
import type { BosunClient } from "../api/client.ts";
import { BosunError } from "../api/errors.ts";
import { describeFailure } from "./failure.ts";

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Forwards the signals to container `ref` until the returned function is called. */
export function forwardSignals(client: BosunClient, ref: string): () => void {
  const handlers = FORWARDED.map((sig) => {
    const handler = () => {
      client.kill(ref, sig).catch((e: unknown) => {
        // It exited in the meantime: its exit is on its way to us.
        if (e instanceof BosunError && (e.code === "conflict" || e.code === "not_found")) return;
        process.stderr.write(describeFailure(e).text);
      });
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  return () => {
    for (const [sig, handler] of handlers) process.off(sig, handler);
  };
}
