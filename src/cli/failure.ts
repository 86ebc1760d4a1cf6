// How the CLI fails. The API's errors arrive as BosunError and print as message, then hint;
// bad flags are UsageErrors and nothing is sent; ExitWith carries a specific exit code (125 for
// `run` and `create` failing before the container ran, as Docker does); SilentExit ends after
// commander has printed its own message.
import { BosunError } from "../api/errors.ts";

/** A bad flag or argument, found before anything was sent to the daemon. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Fail with this exit code, reporting `cause`. */
export class ExitWith extends Error {
  override readonly name = "ExitWith";
  constructor(
    readonly exitCode: number,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** Exit with this code; whatever there was to say has been said (commander's own messages). */
export class SilentExit extends Error {
  override readonly name = "SilentExit";
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export interface FailureReport {
  /** What to write to stderr, newline-terminated. */
  text: string;
  exitCode: number;
}

/** `usageExitCode` is 2 for most commands and 125 for run and create. */
export function describeFailure(err: unknown, usageExitCode = 2): FailureReport {
  if (err instanceof SilentExit) return { text: "", exitCode: err.exitCode };
  if (err instanceof ExitWith) {
    const inner = describeFailure(err.cause, usageExitCode);
    // No daemon is no daemon, whichever verb found out: always exit 1.
    const unreachable = err.cause instanceof BosunError && err.cause.code === "unreachable";
    return { ...inner, exitCode: unreachable ? inner.exitCode : err.exitCode };
  }
  if (err instanceof UsageError) return { text: `bosun: ${err.message}\n`, exitCode: usageExitCode };
  if (err instanceof BosunError) {
    // "cannot reach bosund at …" is a sentence of its own, printed exactly as it is.
    const head = err.code === "unreachable" ? err.message : `bosun: ${err.message}`;
    return { text: err.hint ? `${head}\n${err.hint}\n` : `${head}\n`, exitCode: 1 };
  }
  return { text: `bosun: ${err instanceof Error ? err.message : String(err)}\n`, exitCode: 1 };
}
