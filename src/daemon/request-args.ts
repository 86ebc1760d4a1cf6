// Reading a request's body and query at the edge, shared by the route files: one zod schema per
// shape, and the KEY=VALUE filters of the list, kill-all and events routes.
import type { z } from "zod";
import { BosunError } from "../api/errors.ts";
import { describeIssues } from "../api/schemas.ts";
import { splitPair } from "../runtime/key-value.ts";

export function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw new BosunError("bad_request", describeIssues(r.error, where));
  return r.data;
}

/** name=a, label=k=v … → Map(name → [a], label → [k=v]). */
export function filterMap(filters: string[] | undefined): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const f of filters ?? []) {
    const [k, v] = splitPair(f);
    if (v === undefined || k === "")
      throw new BosunError("bad_request", `filter: expected KEY=VALUE, got "${f}"`);
    m.set(k, [...(m.get(k) ?? []), v]);
  }
  return m;
}
