// `bosun wait`: block until containers stop, print each exit code, and exit with the last one.
import { Command } from "commander";
import { clientFor } from "../context.ts";
import { describeFailure } from "../failure.ts";
import { write } from "../output.ts";

export function waitCommand(): Command {
  return new Command("wait")
    .description("wait for containers to stop and print their exit codes")
    .argument("<containers...>", "names or ids")
    .action(async (refs: string[], _flags: unknown, self: Command) => {
      const client = clientFor(self);
      const results = await Promise.allSettled(refs.map((ref) => client.wait(ref)));
      let code = 0;
      let failed = false;
      for (const r of results) {
        if (r.status === "fulfilled") {
          code = r.value.exitCode;
          await write(process.stdout, `${code}\n`);
        } else {
          failed = true;
          await write(process.stderr, describeFailure(r.reason).text);
        }
      }
      process.exitCode = failed ? 1 : code;
    });
}
