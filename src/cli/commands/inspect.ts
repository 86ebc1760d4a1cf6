// `bosun inspect`: containers as a JSON array, like `docker inspect`. Unknown refs are reported
// after the array, and make the exit code 1.
import { Command } from "commander";
import { clientFor } from "../context.ts";
import { describeFailure } from "../failure.ts";
import { printJson, write } from "../output.ts";

export function inspectCommand(): Command {
  return new Command("inspect")
    .description("show containers' details as JSON")
    .argument("<containers...>", "names or ids")
    .action(async (refs: string[], _flags: unknown, self: Command) => {
      const client = clientFor(self);
      const results = await Promise.allSettled(refs.map((ref) => client.inspect(ref)));
      await printJson(results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])));
      for (const r of results) {
        if (r.status === "rejected") {
          await write(process.stderr, describeFailure(r.reason).text);
          process.exitCode = 1;
        }
      }
    });
}
