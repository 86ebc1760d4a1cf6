// What one replica of an app is: a container request made from the app's spec, its slot, its
// generation and its ports. The labels are how the controller finds its replicas again (after a
// daemon restart too): the containers are the truth about what runs.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import type { CreateContainerRequest } from "../../api/schemas.ts";
import { type App, portEnvName } from "../spec/app-spec.ts";

export const LABEL_APP = "bosun.app";
export const LABEL_INDEX = "bosun.replica";
export const LABEL_GENERATION = "bosun.generation";
export const LABEL_SPEC = "bosun.spec";
const PORT_LABEL_PREFIX = "bosun.port.";

export interface ReplicaIdentity {
  index: number;
  generation: number;
  specHash: string;
  /** Port name → the port this replica listens on. */
  ports: Record<string, number>;
}

/** The create request for replica `id` of `app`. */
export function replicaRequest(app: App, id: ReplicaIdentity): CreateContainerRequest {
  const s = app.spec;
  const env: Record<string, string> = { ...s.env };
  const portNames = (s.ports ?? []).map((p) => p.name);
  for (const [i, name] of portNames.entries()) {
    const port = String(id.ports[name]);
    env[portEnvName(name)] = port;
    if (i === 0) env.PORT = port;
  }
  const labels: Record<string, string> = {
    ...app.labels,
    [LABEL_APP]: app.name,
    [LABEL_INDEX]: String(id.index),
    [LABEL_GENERATION]: String(id.generation),
    [LABEL_SPEC]: id.specHash,
  };
  for (const [name, port] of Object.entries(id.ports)) labels[`${PORT_LABEL_PREFIX}${name}`] = String(port);
  const req: CreateContainerRequest = {
    name: `${app.name}-${id.index}`,
    command: s.command,
    env,
    labels,
    restart: s.restart.policy,
    stopSignal: s.stopSignal,
    stopTimeout: Math.ceil(s.stopTimeout / 1000),
  };
  if (s.cwd !== undefined) req.cwd = s.cwd;
  if (s.log) req.log = s.log;
  if (s.resources) req.resources = s.resources;
  if (s.isolate !== undefined) req.isolate = s.isolate;
  if (s.network !== undefined) req.network = s.network;
  if (s.hostname !== undefined) req.hostname = s.hostname;
  if (s.rootfs !== undefined) req.rootfs = s.rootfs;
  if (s.readOnly !== undefined) req.readOnly = s.readOnly;
  if (s.volumes !== undefined) req.volumes = s.volumes;
  if (s.user !== undefined) req.user = s.user;
  if (s.capAdd !== undefined) req.capAdd = s.capAdd;
  return req;
}

/** The identity a replica's container carries in its labels; undefined if it is not one. */
export function identityOf(labels: Record<string, string>): (ReplicaIdentity & { app: string }) | undefined {
  const app = labels[LABEL_APP];
  const index = Number(labels[LABEL_INDEX]);
  const generation = Number(labels[LABEL_GENERATION]);
  const specHash = labels[LABEL_SPEC];
  if (!app || !Number.isInteger(index) || !Number.isInteger(generation) || !specHash) return undefined;
  const ports: Record<string, number> = {};
  for (const [k, v] of Object.entries(labels))
    if (k.startsWith(PORT_LABEL_PREFIX)) ports[k.slice(PORT_LABEL_PREFIX.length)] = Number(v);
  return { app, index, generation, specHash, ports };
}

/** Binds and releases `port` on 127.0.0.1: true when nothing holds it now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/**
 * Hands out replica ports from below the kernel's ephemeral range. A port the kernel picked
 * (bind to 0) sits in that range, where any outgoing connection (a health probe, the balancer's
 * upstreams) may take it as its source port before the replica binds it; below the range only
 * listeners live. Ports handed out recently are not handed out again, so two replicas started at
 * once never get the same one.
 */
export class PortAllocator {
  private readonly recent = new Map<number, number>();
  private next: number;

  constructor(
    private readonly low = 20_000,
    private readonly high = ephemeralLow() - 1,
    private readonly now: () => number = Date.now,
  ) {
    this.next = low + Math.floor(Math.random() * (high - low + 1));
  }

  async allocate(inUse: ReadonlySet<number> = new Set()): Promise<number> {
    const span = this.high - this.low + 1;
    const now = this.now();
    for (const [p, at] of this.recent) if (now - at > 60_000) this.recent.delete(p);
    for (let i = 0; i < span; i++) {
      const port = this.next;
      this.next = port >= this.high ? this.low : port + 1;
      if (inUse.has(port) || this.recent.has(port)) continue;
      if (!(await bindable(port))) continue;
      this.recent.set(port, now);
      return port;
    }
    throw new Error(`no free port between ${this.low} and ${this.high}`);
  }
}

/** The lowest port the kernel gives out for outgoing connections (32768 by default). */
function ephemeralLow(): number {
  try {
    const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/);
    const n = Number(low);
    return Number.isInteger(n) && n > 21_000 ? n : 32_768;
  } catch {
    return 32_768;
  }
}
