// The built-in load balancer as the controller sees it: one listener per exposed port of an app,
// whose backends are the app's serving replicas on that port. A replica that leaves the set (or
// is drained) gets no new requests; its in-flight ones finish.
import type { Logger } from "pino";
import { Balancer, type BalancerMetrics } from "../proxy/balancer.ts";
import type { App } from "../spec/app-spec.ts";
import type { BalancerPort } from "./controller.ts";

interface Listener {
  port: number;
  balancer: Balancer;
  ready: Promise<unknown>;
}

export class Balancers implements BalancerPort {
  /** app → port name → its listener. */
  private readonly apps = new Map<string, Map<string, Listener>>();

  constructor(
    private readonly log: Logger,
    /** Where the listeners bind: all interfaces by default, as a published port does. */
    private readonly host = process.env.BOSUN_LB_HOST ?? "0.0.0.0",
  ) {}

  update(app: App, serving: { id: string; ports: Record<string, number> }[]): void {
    const listeners = this.apps.get(app.name) ?? new Map<string, Listener>();
    this.apps.set(app.name, listeners);
    const exposed = (app.spec.ports ?? []).filter((p) => p.expose !== undefined);
    // A port no longer exposed, or moved, closes its listener.
    for (const [name, l] of listeners) {
      const p = exposed.find((e) => e.name === name);
      if (!p || p.expose !== l.port) {
        void l.balancer.close();
        listeners.delete(name);
      }
    }
    for (const p of exposed) {
      let l = listeners.get(p.name);
      if (!l) {
        const balancer = new Balancer();
        const ready = balancer.listen({ port: p.expose!, host: this.host }).catch((err: Error) => {
          this.log.error({ err, app: app.name, port: p.expose }, "cannot listen for the app's port");
        });
        l = { port: p.expose!, balancer, ready };
        listeners.set(p.name, l);
      }
      l.balancer.setRoutes([
        {
          app: app.name,
          strategy: p.balance ?? "round-robin",
          backends: serving
            .filter((s) => s.ports[p.name] !== undefined)
            .map((s) => ({ id: s.id, host: "127.0.0.1", port: s.ports[p.name]!, ready: true })),
        },
      ]);
    }
  }

  drain(id: string): void {
    for (const listeners of this.apps.values()) for (const l of listeners.values()) l.balancer.drain(id);
  }

  remove(app: string): void {
    for (const l of this.apps.get(app)?.values() ?? []) void l.balancer.close();
    this.apps.delete(app);
  }

  /** Request metrics per exposed port of the app. */
  metrics(app: string): Record<string, BalancerMetrics> {
    const out: Record<string, BalancerMetrics> = {};
    for (const [name, l] of this.apps.get(app) ?? []) out[name] = l.balancer.metrics();
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([...this.apps.values()].flatMap((m) => [...m.values()].map((l) => l.balancer.close())));
    this.apps.clear();
  }
}
