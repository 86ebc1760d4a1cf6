// `bosun events`: the daemon's events as they happen (and past ones, kept in its store, with
// --since), until --until or Ctrl-C.
import { Command } from "commander";
import { clientFor } from "../context.ts";
import { formatEvent } from "../event-line.ts";
import { collect, parseFilters, wantsJson } from "../flags.ts";
import { write } from "../output.ts";
import { parseTimeArg } from "../time-arg.ts";

interface EventsFlags {
  filter?: string[];
  since?: string;
  until?: string;
  format?: string;
  json?: boolean;
}

export function eventsCommand(): Command {
  return new Command("events")
    .description("stream container events")
    .option(
      "--filter <key=value>",
      "filter by container (name or id), event, label, type or app (repeatable)",
      collect,
    )
    .option("--since <time>", "replay events since a time or a duration ago (10m)")
    .option("--until <time>", "stop at a time or a duration ago")
    .option("--format <format>", "json (one object per line) or table")
    .option("--json", "same as --format json")
    .addHelpText(
      "after",
      `
Every event (containers', apps', the daemon's) is kept in the daemon's store, so --since reaches
back across daemon restarts; it replays at most the newest 10,000 that match. Events older than
7 days, and all but the newest 100,000, are pruned. Without --since or --until, only the events
that happen next are shown, as Docker does; without --until, they follow the past ones, none
missed and none twice.`,
    )
    .action(async (flags: EventsFlags, self: Command) => {
      const now = Date.now();
      const filter = parseFilters("--filter", flags.filter ?? [], [
        "container",
        "event",
        "action",
        "label",
        "type",
        "app",
      ]);
      const json = wantsJson(flags.format, flags.json);
      const since = flags.since === undefined ? undefined : parseTimeArg("--since", flags.since, now);
      const until = flags.until === undefined ? undefined : parseTimeArg("--until", flags.until, now);
      const events = clientFor(self).events({
        filter,
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
      });
      for await (const ev of events)
        await write(process.stdout, `${json ? JSON.stringify(ev) : formatEvent(ev)}\n`);
    });
}
