// `bosun start`: start created or exited containers. With -a (or -i), attach first, stream the
// output and exit with the container's code, like `docker start -a`.
import { Command } from "commander";
import { BosunError } from "../../api/errors.ts";
import { clientFor } from "../context.ts";
import { eachRef } from "../each-ref.ts";
import { UsageError } from "../failure.ts";
import { foreground } from "../foreground.ts";

interface StartFlags {
  attach?: boolean;
  interactive?: boolean;
}

export function startCommand(): Command {
  return new Command("start")
    .description("start one or more containers")
    .argument("<containers...>", "names or ids")
    .option("-a, --attach", "attach to the output and exit with the container's code")
    .option("-i, --interactive", "attach stdin too")
    .action(async (refs: string[], flags: StartFlags, self: Command) => {
      const client = clientFor(self);
      if (!flags.attach && !flags.interactive) {
        process.exitCode = await eachRef(refs, (ref) => client.start(ref));
        return;
      }
      const [ref] = refs;
      if (refs.length !== 1 || ref === undefined)
        throw new UsageError("-a: attach to one container at a time");
      const stdin = flags.interactive === true;
      const channel = await client.attach(ref, { stdin });
      process.exitCode = await foreground(client, ref, channel, {
        stdin,
        start: () =>
          client.start(ref).then(
            () => undefined,
            (e: unknown) => {
              if (!(e instanceof BosunError && e.code === "not_modified")) throw e;
            },
          ),
      });
    });
}
