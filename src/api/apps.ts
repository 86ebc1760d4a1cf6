// What the apps API answers (issue 5). Types only: the client, the CLI and a web page share them.

export interface ReplicaView {
  id: string;
  name: string;
  index: number;
  generation: number;
  status: string;
  /** healthy, unhealthy, starting, or none (no health check). */
  health: string;
  ports: Record<string, number>;
  draining: boolean;
}

export interface AppView {
  name: string;
  generation: number;
  labels: Record<string, string>;
  /** The app as applied, normalized (durations in ms, sizes in bytes). */
  spec: { kind: "App"; name: string; spec: Record<string, unknown> } & Record<string, unknown>;
  desired: number;
  ready: number;
  /** progressing, complete, failed, rolling-back, rolled-back. */
  status: string;
  message: string;
  ports: { name: string; expose: number | null }[];
  createdAt: string;
  replicas: ReplicaView[];
  /** The load balancer's metrics per exposed port (requests, rate, latency p50/p95/p99, …). */
  traffic: Record<string, unknown>;
}

export interface ApplyResult {
  name: string;
  generation: number;
  /** False when the same spec was applied again: nothing changed. */
  changed: boolean;
  /** One line per changed field: `spec.replicas: 3 → 5`. */
  changes: string[];
}

export interface DiffResult {
  name: string;
  changes: string[];
}

/** A file as the client read it: its name (for messages) and its text. */
export interface SpecText {
  name: string;
  text: string;
}
