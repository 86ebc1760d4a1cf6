// Verbs that take several containers (`stop a b c`) act on all of them at once, print each ref
// that succeeded in the order given, report each failure, and exit 1 if any failed, as Docker
// does. Starting a running container or stopping a stopped one (not_modified) is a success.
import { BosunError } from "../api/errors.ts";
import { describeFailure } from "./failure.ts";
import { write } from "./output.ts";

export async function eachRef(
  refs: readonly string[],
  op: (ref: string) => Promise<unknown>,
): Promise<number> {
  const results = await Promise.allSettled(refs.map((ref) => op(ref)));
  let failed = false;
  for (const [i, r] of results.entries()) {
    const e: unknown = r.status === "rejected" ? r.reason : undefined;
    if (r.status === "fulfilled" || (e instanceof BosunError && e.code === "not_modified")) {
      await write(process.stdout, `${refs[i]}\n`);
      continue;
    }
    // One unreachable daemon is one message, not one per container.
    if (e instanceof BosunError && e.code === "unreachable") throw e;
    failed = true;
    await write(process.stderr, describeFailure(e).text);
  }
  return failed ? 1 : 0;
}
