// The sandbox-policy routes (issue 4): lockdown, which refuses every create and start until it is
// lifted, and the kill switch, which signals every running container that passes the filters.
import type { FastifyInstance } from "fastify";
import { KillAllRequest, type KillAllResponse, LockdownRequest, type LockdownState } from "../api/policy.ts";
import type { Admission } from "../runtime/admission.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { nowIso } from "../runtime/time.ts";
import { filterMap, parse } from "./request-args.ts";

/** An event about the daemon itself rather than one container. */
export interface DaemonEvent {
  type: "daemon";
  action: string;
  id: string;
  name: string;
  attributes: Record<string, string>;
}

export interface PolicyDeps {
  runtime: Pick<Runtime, "list" | "stop">;
  admission: Pick<Admission, "lockdown" | "setLockdown">;
  events: { emit(e: DaemonEvent): unknown };
  now?: () => string;
}

export function registerPolicyRoutes(app: FastifyInstance, deps: PolicyDeps): void {
  const { runtime, admission, events, now = nowIso } = deps;
  const announce = (action: string, attributes: Record<string, string>) =>
    events.emit({ type: "daemon", action, id: "bosund", name: "bosund", attributes });

  app.get("/v1/lockdown", async (): Promise<LockdownState> => admission.lockdown);

  app.post("/v1/lockdown", async (req): Promise<LockdownState> => {
    const body = parse(LockdownRequest, req.body, "");
    const { state, changed } = await admission.setLockdown(body.on, now());
    if (changed) announce("lockdown", { state: state.on ? "on" : "off" });
    return state;
  });

  // All at once, not one by one: a kill switch is pulled because something is running away.
  app.post("/v1/containers/kill", async (req): Promise<KillAllResponse> => {
    const body = parse(KillAllRequest, req.body, "");
    const signal = body.signal ?? "SIGKILL";
    // A stop with no grace, not a plain kill: the restart policy must not bring them back.
    const targets = runtime
      .list(false, filterMap(body.filter))
      .filter((c) => c.state.running || c.state.status === "restarting");
    // SIGKILL at once; another signal gets the container's own grace before the SIGKILL.
    const grace = signal === "SIGKILL" ? 0 : undefined;
    const results = await Promise.allSettled(targets.map((c) => runtime.stop(c.id, grace, signal)));
    const answer: KillAllResponse = { killed: [], failed: [] };
    for (const [i, r] of results.entries()) {
      const { id, name } = targets[i]!;
      if (r.status === "fulfilled") answer.killed.push({ id, name });
      else answer.failed.push({ id, name, message: (r.reason as Error).message });
    }
    announce("kill-all", {
      signal,
      filter: (body.filter ?? []).join(","),
      killed: String(answer.killed.length),
      failed: String(answer.failed.length),
    });
    return answer;
  });
}
