// What the apps API takes and answers (issue 5): one zod schema per shape, which the daemon
// validates request bodies with and the OpenAPI document is derived from; the types follow. The
// client, the CLI and a web page share them, so nothing here may import node:* (the App spec
// schema does not: it needs only zod and ../api).
import { z } from "zod";
import { AppSpec } from "../control/spec/app-spec.ts";

/** A file as the client read it: its name (for messages) and its text. */
export const SpecText = z.strictObject({
  name: z.string().min(1),
  text: z.string().describe("YAML or JSON: one or more App documents"),
});
export type SpecText = z.infer<typeof SpecText>;

export const ApplyRequest = z.strictObject({
  /** The files' text, not parsed objects, so errors can name the file and line. */
  files: z.array(SpecText).min(1, "no files"),
  dryRun: z.boolean().optional().describe("say what would change, change nothing (bosun diff)"),
});
export type ApplyRequest = z.input<typeof ApplyRequest>;

export const ScaleRequest = z.strictObject({ replicas: z.number().int().min(0).max(1000) });
export type ScaleRequest = z.input<typeof ScaleRequest>;

export const RollbackRequest = z.strictObject({
  generation: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("the generation whose spec to apply again; without it, the one before the current"),
});
export type RollbackRequest = z.input<typeof RollbackRequest>;

export const ReplicaView = z.object({
  id: z.string(),
  name: z.string(),
  index: z.number().int(),
  generation: z.number().int(),
  status: z.string().describe("the container's status"),
  health: z.enum(["healthy", "unhealthy", "starting", "none"]).describe("none: the app has no health check"),
  ports: z.record(z.string(), z.number().int()),
  draining: z.boolean(),
  restarts: z.number().int().describe("restarts by its restart policy since its last stable run"),
  crashLooping: z
    .boolean()
    .describe("restarted 3 times without a stable run; its restart policy's backoff paces it"),
});
export type ReplicaView = z.infer<typeof ReplicaView>;

export const AppView = z.object({
  name: z.string(),
  generation: z.number().int(),
  labels: z.record(z.string(), z.string()),
  spec: AppSpec.describe(
    "the app as applied, normalized: defaults filled in, durations in ms, sizes in bytes",
  ),
  desired: z.number().int(),
  ready: z.number().int(),
  status: z.enum(["progressing", "complete", "failed", "rolling-back", "rolled-back"]),
  message: z.string(),
  ports: z.array(
    z.object({
      name: z.string(),
      expose: z.number().int().nullable(),
      /** Routed by Host header and path prefix on a port that apps share. */
      host: z.string().nullable(),
      path: z.string().nullable(),
    }),
  ),
  createdAt: z.string(),
  replicas: z.array(ReplicaView),
  traffic: z
    .record(z.string(), z.unknown())
    .describe("the load balancer's metrics per exposed port (requests, rate, latency p50/p95/p99, …)"),
});
export type AppView = z.infer<typeof AppView>;

export const ApplyResult = z.object({
  name: z.string(),
  generation: z.number().int(),
  changed: z.boolean().describe("false when the same spec was applied again: nothing changed"),
  changes: z.array(z.string()).describe("one line per changed field: spec.replicas: 3 → 5"),
});
export type ApplyResult = z.infer<typeof ApplyResult>;

/** What a dry run answers: what would change, per app. */
export const DiffResult = z.object({ name: z.string(), changes: z.array(z.string()) });
export type DiffResult = z.infer<typeof DiffResult>;
