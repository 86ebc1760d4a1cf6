// A TCP port nothing listens on right now, for a test's or a benchmark's own listener.
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
}
