// `bosun pause` and `bosun unpause`: freeze every process of containers, and let them go on.
import { Command } from "commander";
import { clientFor } from "../context.ts";
import { eachRef } from "../each-ref.ts";

export function pauseCommand(): Command {
  return new Command("pause")
    .description("pause every process of one or more running containers")
    .argument("<containers...>", "names or ids")
    .action(async (refs: string[], _flags: unknown, self: Command) => {
      const client = clientFor(self);
      process.exitCode = await eachRef(refs, (ref) => client.pause(ref));
    });
}

export function unpauseCommand(): Command {
  return new Command("unpause")
    .description("let the processes of one or more paused containers go on")
    .argument("<containers...>", "names or ids")
    .action(async (refs: string[], _flags: unknown, self: Command) => {
      const client = clientFor(self);
      process.exitCode = await eachRef(refs, (ref) => client.unpause(ref));
    });
}
