import { type ExecFn, execProbe } from "./exec-probe.ts";
import { httpProbe } from "./http-probe.ts";
import type { Probe } from "./probe.ts";
import type { ProbeSpec } from "./probe-spec.ts";
import { tcpProbe } from "./tcp-probe.ts";

/** The probe a spec describes; `exec` runs a command in the replica's container. */
export function probeFor(spec: ProbeSpec, exec?: ExecFn): Probe {
  if (spec.http) return httpProbe(spec.http);
  if (spec.tcp) return tcpProbe(spec.tcp);
  if (spec.exec) {
    if (!exec) throw new Error("an exec health check needs an exec function");
    return execProbe(spec.exec, exec);
  }
  throw new Error("a health check needs one of http, tcp or exec");
}
