// `bosun start`: start created or exited containers. With -a (or -i), attach first, stream the
// output and exit with the container's code, like `docker start -a`.
import { Command } from "commander";
import { BosunError } from "../../api/errors.ts";
import { clientFor } from "../context.ts";
import { eachRef } from "../each-ref.ts";
import { UsageError } from "../failure.ts";
import { foreground } from "../foreground.ts";
import { DEFAULT_DETACH_KEYS, parseDetachKeys, requireTerminalInput } from "../terminal.ts";

interface StartFlags {
  attach?: boolean;
  interactive?: boolean;
  detachKeys: string;
}

export function startCommand(): Command {
  return new Command("start")
    .description("start one or more containers")
    .argument("<containers...>", "names or ids")
    .option("-a, --attach", "attach to the output and exit with the container's code")
    .option("-i, --interactive", "attach stdin too")
    .option("--detach-keys <keys>", "the keys that detach from a terminal", DEFAULT_DETACH_KEYS)
    .action(async (refs: string[], flags: StartFlags, self: Command) => {
      const client = clientFor(self);
      if (!flags.attach && !flags.interactive) {
        process.exitCode = await eachRef(refs, (ref) => client.start(ref));
        return;
      }
      const [ref] = refs;
      if (refs.length !== 1 || ref === undefined)
        throw new UsageError("-a: attach to one container at a time");
      const c = await client.inspect(ref);
      const stdin = flags.interactive === true && c.stdin;
      if (stdin && c.tty) requireTerminalInput("start -i");
      const channel = await client.attach(c.id, { stdin });
      const end = await foreground(client, c.id, channel, {
        stdin,
        ...(c.tty ? { tty: { detachKeys: parseDetachKeys(flags.detachKeys) } } : {}),
        start: () =>
          client.start(c.id).then(
            () => undefined,
            (e: unknown) => {
              if (!(e instanceof BosunError && e.code === "not_modified")) throw e;
            },
          ),
      });
      if (!("detached" in end)) process.exitCode = end.exitCode;
    });
}
