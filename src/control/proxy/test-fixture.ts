// For the balancer's tests: what a test starts (backends, balancers, sockets) is closed after it,
// the last first, whether it passed or not.
import { connect, type Socket } from "node:net";
import { afterEach } from "node:test";
import { Balancer } from "./balancer.ts";
import { type FakeBackend, type RawBackend, startBackend, startRawBackend } from "./fake-backend.ts";
import type { BalancerOptions } from "./proxy-settings.ts";
import type { RouteSpec } from "./route-spec.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Runs `fn` after the current test. */
export function defer(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

export async function backends(...names: string[]): Promise<FakeBackend[]> {
  const list = await Promise.all(names.map((n) => startBackend(n)));
  for (const b of list) defer(() => b.close());
  return list;
}

export async function rawBackend(respond: Parameters<typeof startRawBackend>[0]): Promise<RawBackend> {
  const b = await startRawBackend(respond);
  defer(() => b.close());
  return b;
}

export async function balancer(
  routes: RouteSpec[],
  options: BalancerOptions = {},
): Promise<{ lb: Balancer; port: number }> {
  const lb = new Balancer(options);
  lb.setRoutes(routes);
  const { port } = await lb.listen({ port: 0 });
  defer(() => lb.close());
  return { lb, port };
}

/** A client socket with everything it received so far, and a wait for a piece of text. */
export function rawClient(port: number): {
  socket: Socket;
  got: () => string;
  until(text: string): Promise<void>;
} {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  defer(() => {
    socket.destroy();
  });
  let got = "";
  socket.on("data", (d: Buffer) => {
    got += d.toString();
  });
  const until = (text: string): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (!got.includes(text)) return;
        socket.removeListener("data", check);
        resolve();
      };
      socket.on("data", check);
      check();
    });
  return { socket, got: () => got, until };
}
