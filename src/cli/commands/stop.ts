// `bosun stop`: the stop signal, then SIGKILL after the timeout.
import { Command } from "commander";
import { clientFor } from "../context.ts";
import { eachRef } from "../each-ref.ts";
import { parseIntFlag } from "../flags.ts";

export function stopCommand(): Command {
  return new Command("stop")
    .description("stop one or more running containers")
    .argument("<containers...>", "names or ids")
    .option("-t, --time <seconds>", "seconds to wait before SIGKILL (default: the container's stop timeout)")
    .action(async (refs: string[], flags: { time?: string }, self: Command) => {
      const t = flags.time === undefined ? undefined : parseIntFlag("-t", flags.time);
      const client = clientFor(self);
      process.exitCode = await eachRef(refs, (ref) => client.stop(ref, t));
    });
}
