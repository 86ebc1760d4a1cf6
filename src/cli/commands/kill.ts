// `bosun kill`: send a signal (SIGKILL unless -s says otherwise) to containers' process groups.
import { Command } from "commander";
import { signalNumber } from "../../api/signals.ts";
import { clientFor } from "../context.ts";
import { eachRef } from "../each-ref.ts";
import { UsageError } from "../failure.ts";

export function killCommand(): Command {
  return new Command("kill")
    .description("send a signal to one or more running containers")
    .argument("<containers...>", "names or ids")
    .option("-s, --signal <signal>", "the signal: a name (TERM, SIGTERM) or a number", "SIGKILL")
    .action(async (refs: string[], flags: { signal: string }, self: Command) => {
      if (signalNumber(flags.signal) === undefined)
        throw new UsageError(`-s: unknown signal "${flags.signal}"`);
      const client = clientFor(self);
      process.exitCode = await eachRef(refs, (ref) => client.kill(ref, flags.signal));
    });
}
