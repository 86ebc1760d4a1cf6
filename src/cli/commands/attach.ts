// `bosun attach`: connect to a running container's output (and stdin, if it was created with -i)
// and exit with its exit code. A terminal container gets the local terminal, raw, at its size;
// the detach keys leave it running.
import { Command } from "commander";
import { clientFor } from "../context.ts";
import { foreground } from "../foreground.ts";
import { DEFAULT_DETACH_KEYS, parseDetachKeys, requireTerminalInput } from "../terminal.ts";

export function attachCommand(): Command {
  return new Command("attach")
    .description("attach to a running container's output and stdin")
    .argument("<container>", "name or id")
    .option("--no-stdin", "do not send stdin")
    .option("--detach-keys <keys>", "the keys that detach from a terminal", DEFAULT_DETACH_KEYS)
    .action(async (ref: string, flags: { stdin: boolean; detachKeys: string }, self: Command) => {
      const detachKeys = parseDetachKeys(flags.detachKeys);
      const client = clientFor(self);
      const c = await client.inspect(ref);
      // Only a container created with -i has a stdin to write to.
      const stdin = flags.stdin && c.stdin;
      if (stdin && c.tty) requireTerminalInput("attach");
      const channel = await client.attach(c.id, { stdin });
      const end = await foreground(client, c.id, channel, {
        stdin,
        ...(c.tty ? { tty: { detachKeys } } : {}),
      });
      if (!("detached" in end)) process.exitCode = end.exitCode;
    });
}
