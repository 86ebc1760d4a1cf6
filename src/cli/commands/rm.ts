// `bosun rm`: remove containers; -f stops running ones first.
import { Command } from "commander";
import { clientFor } from "../context.ts";
import { eachRef } from "../each-ref.ts";

export function rmCommand(): Command {
  return new Command("rm")
    .description("remove one or more containers")
    .argument("<containers...>", "names or ids")
    .option("-f, --force", "kill and remove running containers")
    .action(async (refs: string[], flags: { force?: boolean }, self: Command) => {
      const client = clientFor(self);
      process.exitCode = await eachRef(refs, (ref) => client.remove(ref, { force: flags.force === true }));
    });
}
