// `bosun top`: the processes of a running container, as a ps-like table or JSON.
import { Command } from "commander";
import { clientFor } from "../context.ts";
import { wantsJson } from "../flags.ts";
import { printJson, write } from "../output.ts";
import { TOP_HEADER, topRows } from "../stats-table.ts";
import { formatTable } from "../table.ts";

export function topCommand(): Command {
  return new Command("top")
    .description("list the processes of a running container")
    .argument("<container>", "name or id")
    .option("--format <format>", "json or table")
    .option("--json", "same as --format json")
    .action(async (ref: string, flags: { format?: string; json?: boolean }, self: Command) => {
      const json = wantsJson(flags.format, flags.json);
      const top = await clientFor(self).top(ref);
      if (json) await printJson(top);
      else await write(process.stdout, formatTable(TOP_HEADER, topRows(top.processes)));
    });
}
