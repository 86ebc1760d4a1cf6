// `bosun restart`: stop (signal, then SIGKILL after the timeout) and start again.
import { Command } from "commander";
import { clientFor } from "../context.ts";
import { eachRef } from "../each-ref.ts";
import { parseIntFlag } from "../flags.ts";

export function restartCommand(): Command {
  return new Command("restart")
    .description("restart one or more containers")
    .argument("<containers...>", "names or ids")
    .option("-t, --time <seconds>", "seconds to wait before SIGKILL (default: the container's stop timeout)")
    .action(async (refs: string[], flags: { time?: string }, self: Command) => {
      const t = flags.time === undefined ? undefined : parseIntFlag("-t", flags.time);
      const client = clientFor(self);
      process.exitCode = await eachRef(refs, (ref) => client.restart(ref, t));
    });
}
