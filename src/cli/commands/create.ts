// `bosun create`: create a container without starting it, and print its id.
import { Command } from "commander";
import { addContainerOptions, containerSpec } from "../container-options.ts";
import type { ContainerFlags } from "../container-spec.ts";
import { clientFor } from "../context.ts";
import { ExitWith } from "../failure.ts";
import { write } from "../output.ts";

export function createCommand(): Command {
  const cmd = new Command("create")
    .description("create a container without starting it")
    .usage("[options] [--] COMMAND [ARG...]")
    .argument("[command...]", "the command and its arguments")
    .passThroughOptions();
  return addContainerOptions(cmd).action(async (command: string[], flags: ContainerFlags, self: Command) => {
    const spec = await containerSpec(command, flags);
    const { id } = await clientFor(self)
      .create(spec)
      .catch((e: unknown) => {
        throw new ExitWith(125, e);
      });
    await write(process.stdout, `${id}\n`);
  });
}
