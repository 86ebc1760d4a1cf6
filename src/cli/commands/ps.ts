// `bosun ps`: list containers, as a table for people or JSON for scripts.
import { Command } from "commander";
import type { Container } from "../../api/schemas.ts";
import { formatCommand } from "../command-line.ts";
import { formatStatus } from "../container-status.ts";
import { clientFor } from "../context.ts";
import { collect, parseFilters, wantsJson } from "../flags.ts";
import { timeAgo } from "../human-duration.ts";
import { printJson, write } from "../output.ts";
import { formatTable } from "../table.ts";

interface PsFlags {
  all?: boolean;
  quiet?: boolean;
  filter?: string[];
  format?: string;
  json?: boolean;
  trunc: boolean;
}

const HEADER = ["ID", "NAME", "COMMAND", "STATUS", "RESTARTS", "CREATED"];

export function psRows(list: readonly Container[], now: number, truncate: boolean): string[][] {
  return list.map((c) => [
    truncate ? c.id.slice(0, 12) : c.id,
    c.name,
    formatCommand(c.command, truncate),
    formatStatus(c.state, now),
    String(c.state.restarts),
    timeAgo(c.created, now),
  ]);
}

export function psCommand(): Command {
  return new Command("ps")
    .description("list containers (running ones unless -a)")
    .option("-a, --all", "show all containers, not only running ones")
    .option("-q, --quiet", "print only ids")
    .option("--filter <key=value>", "filter by name, label, status or id (repeatable)", collect)
    .option("--format <format>", "json or table")
    .option("--json", "print JSON (same as --format json)")
    .option("--no-trunc", "do not shorten ids and commands")
    .action(async (flags: PsFlags, self: Command) => {
      const filter = parseFilters("--filter", flags.filter ?? [], ["name", "label", "status", "id"]);
      const json = wantsJson(flags.format, flags.json);
      const list = await clientFor(self).list({ all: flags.all === true, filter });
      // Newest first, as Docker lists them.
      list.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
      if (flags.quiet) {
        await write(process.stdout, list.map((c) => `${flags.trunc ? c.id.slice(0, 12) : c.id}\n`).join(""));
      } else if (json) {
        await printJson(list);
      } else {
        await write(process.stdout, formatTable(HEADER, psRows(list, Date.now(), flags.trunc)));
      }
    });
}
