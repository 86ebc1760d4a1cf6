import { createHash } from "node:crypto";
import type { App } from "./app-spec.ts";
import { canonicalJson } from "./canonical.ts";

/**
 * What each replica is made from: the app without `spec.replicas` (scaling is not a new
 * generation) and `spec.update` (it says how to roll out, not what runs).
 */
export function replicaTemplate(app: App): unknown {
  const { replicas: _replicas, update: _update, ...spec } = app.spec;
  return { ...app, spec };
}

/**
 * 16 hex digits that change when the replicas' spec does, whatever the key order or units the
 * file used: the label that tells which generation a replica belongs to.
 */
export function specHash(app: App): string {
  return createHash("sha256")
    .update(canonicalJson(replicaTemplate(app)))
    .digest("hex")
    .slice(0, 16);
}
