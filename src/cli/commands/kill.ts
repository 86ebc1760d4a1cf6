// `bosun kill`: send a signal (SIGKILL unless -s says otherwise) to containers' process groups;
// with --all, to every running container (that passes the filters) at once: the kill switch.
import { Command } from "commander";
import { signalNumber } from "../../api/signals.ts";
import { clientFor } from "../context.ts";
import { eachRef } from "../each-ref.ts";
import { UsageError } from "../failure.ts";
import { collect, parseFilters } from "../flags.ts";
import { write } from "../output.ts";

interface KillFlags {
  signal: string;
  all?: boolean;
  filter?: string[];
}

export function killCommand(): Command {
  return new Command("kill")
    .description("send a signal to one or more running containers, or to all of them")
    .argument("[containers...]", "names or ids")
    .option("-s, --signal <signal>", "the signal: a name (TERM, SIGTERM) or a number", "SIGKILL")
    .option("-a, --all", "every running container (the kill switch)")
    .option(
      "--filter <key=value>",
      "with --all: only those with this name, label, status or id (repeatable)",
      collect,
    )
    .action(async (refs: string[], flags: KillFlags, self: Command) => {
      if (signalNumber(flags.signal) === undefined)
        throw new UsageError(`-s: unknown signal "${flags.signal}"`);
      if (flags.all && refs.length > 0)
        throw new UsageError("--all: give container names or --all, not both");
      if (flags.filter && !flags.all) throw new UsageError("--filter: only goes with --all");
      if (!flags.all && refs.length === 0) self.error("error: missing required argument 'containers'");
      const client = clientFor(self);
      if (!flags.all) {
        process.exitCode = await eachRef(refs, (ref) => client.kill(ref, flags.signal));
        return;
      }
      const filter = parseFilters("--filter", flags.filter ?? [], ["name", "label", "status", "id"]);
      const r = await client.killAll({ signal: flags.signal, filter });
      await write(process.stdout, r.killed.map((c) => `${c.name}\n`).join(""));
      await write(process.stderr, r.failed.map((c) => `bosun: ${c.message}\n`).join(""));
      process.exitCode = r.failed.length > 0 ? 1 : 0;
    });
}
