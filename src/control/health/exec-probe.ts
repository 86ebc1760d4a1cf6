// An exec check runs a command inside the container; bosund supplies the function (an exec
// session). Healthy when it exits 0. On timeout the signal aborts, and the function is expected
// to kill the session.
import { cap, type Probe } from "./probe.ts";

export interface ExecResult {
  exitCode: number;
  /** Its stdout and stderr, if the caller collected them. */
  output?: string;
}

export type ExecFn = (command: string[], signal: AbortSignal) => Promise<ExecResult>;

export function execProbe(command: string[], exec: ExecFn): Probe {
  return async (signal) => {
    const { exitCode, output } = await exec(command, signal);
    return {
      ok: exitCode === 0,
      message: `exit code ${exitCode}`,
      ...(output !== undefined ? { output: cap(output) } : {}),
    };
  };
}
