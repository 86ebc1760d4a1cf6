// The shapes of the sandbox-policy API (issue 4): lockdown and the kill switch. Kept apart from
// schemas.ts only while that file is being reworked; they belong there.
import { z } from "zod";
import { Signal } from "./schemas.ts";

/** GET /v1/lockdown, and the answer of POST /v1/lockdown. */
export const LockdownState = z.object({ on: z.boolean(), since: z.string().nullable() });
export type LockdownState = z.infer<typeof LockdownState>;

export const LockdownRequest = z.strictObject({ on: z.boolean() });
export type LockdownRequest = z.infer<typeof LockdownRequest>;

/** POST /v1/containers/kill: every running container that passes the filters (all without any). */
export const KillAllRequest = z.strictObject({
  signal: Signal.optional(),
  /** As `GET /v1/containers?filter=`: name=, id=, label=KEY or KEY=VALUE, status=. */
  filter: z.array(z.string()).optional(),
});
export type KillAllRequest = z.input<typeof KillAllRequest>;

export const KillAllResponse = z.object({
  killed: z.array(z.object({ id: z.string(), name: z.string() })),
  failed: z.array(z.object({ id: z.string(), name: z.string(), message: z.string() })),
});
export type KillAllResponse = z.infer<typeof KillAllResponse>;
