// `bosun attach`: connect to a running container's output (and stdin, if it was created with -i)
// and exit with its exit code.
import { Command } from "commander";
import { clientFor } from "../context.ts";
import { foreground } from "../foreground.ts";

export function attachCommand(): Command {
  return new Command("attach")
    .description("attach to a running container's output and stdin")
    .argument("<container>", "name or id")
    .option("--no-stdin", "do not send stdin")
    .action(async (ref: string, flags: { stdin: boolean }, self: Command) => {
      const client = clientFor(self);
      const c = await client.inspect(ref);
      // Only a container created with -i has a stdin to write to.
      const stdin = flags.stdin && c.stdin;
      const channel = await client.attach(c.id, { stdin });
      process.exitCode = await foreground(client, c.id, channel, { stdin });
    });
}
