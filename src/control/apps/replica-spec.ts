// What one replica of an app is: a container request made from the app's spec, its slot, its
// generation and its ports. The labels are how the controller finds its replicas again (after a
// daemon restart too): the containers are the truth about what runs.
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

/** A port free on 127.0.0.1 right now (the kernel picks it; the replica binds it next). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
