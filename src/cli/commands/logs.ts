// `bosun logs`: a container's output, stdout records to stdout and stderr records to stderr; with
// -f it follows new output as it comes.
import { Command } from "commander";
import { clientFor } from "../context.ts";
import { UsageError } from "../failure.ts";
import { LogRenderer } from "../log-renderer.ts";
import { write } from "../output.ts";
import { parseTimeArg } from "../time-arg.ts";

interface LogsFlags {
  follow?: boolean;
  tail?: string;
  since?: string;
  until?: string;
  timestamps?: boolean;
}

function parseTail(value: string | undefined): number | "all" | undefined {
  if (value === undefined || value === "all") return value;
  if (!/^\d+$/.test(value))
    throw new UsageError(`--tail: expected a number of lines or "all", got "${value}"`);
  return Number(value);
}

export function logsCommand(): Command {
  return new Command("logs")
    .description("print a container's output")
    .argument("<container>", "name or id")
    .option("-f, --follow", "keep printing new output")
    .option("-n, --tail <lines>", 'only the last N lines, or "all"')
    .option("--since <time>", "only output since a time (2026-11-22T01:02:03Z) or a duration ago (10m)")
    .option("--until <time>", "only output before a time or a duration ago")
    .option("-t, --timestamps", "start each line with its time")
    .action(async (ref: string, flags: LogsFlags, self: Command) => {
      const now = Date.now();
      const tail = parseTail(flags.tail);
      const since = flags.since === undefined ? undefined : parseTimeArg("--since", flags.since, now);
      const until = flags.until === undefined ? undefined : parseTimeArg("--until", flags.until, now);
      const renderer = new LogRenderer(flags.timestamps === true);
      const records = clientFor(self).logs(ref, {
        follow: flags.follow === true,
        ...(tail !== undefined ? { tail } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
      });
      for await (const rec of records) {
        await write(rec.stream === "stderr" ? process.stderr : process.stdout, renderer.render(rec));
      }
    });
}
