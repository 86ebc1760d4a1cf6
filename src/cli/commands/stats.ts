// `bosun stats`: containers' CPU, memory, pids and log size. Live, a table redrawn every second
// on a terminal, or a block per second down a pipe; one sample with --no-stream; one JSON object
// per container per sample with --format json.
import { Command } from "commander";
import type { ContainerStats } from "../../api/schemas.ts";
import { clientFor } from "../context.ts";
import { describeFailure } from "../failure.ts";
import { wantsJson } from "../flags.ts";
import { write } from "../output.ts";
import { STATS_HEADER, statsRows } from "../stats-table.ts";
import { formatTable } from "../table.ts";

interface StatsFlags {
  all?: boolean;
  stream: boolean;
  format?: string;
  json?: boolean;
  trunc: boolean;
}

const CLEAR = "\x1b[2J\x1b[H";

export function statsCommand(): Command {
  return new Command("stats")
    .description("show containers' CPU, memory, pids and log size, live (the running ones unless named)")
    .argument("[containers...]", "names or ids (default: every running container)")
    .option("-a, --all", "show every container, not only running ones")
    .option("--no-stream", "print one sample and exit")
    .option("--format <format>", "json (one object per container per sample, a line each) or table")
    .option("--json", "same as --format json")
    .option("--no-trunc", "do not shorten ids")
    .addHelpText(
      "after",
      `
CPU % is the share of one core since the previous reading (a busy loop is about 100%, two busy
threads about 200%); the first sample needs two readings, so it comes half a second after the
start, then one a second. MEM USAGE is the sum of the processes' resident memory; the limit is
"-" until containers have limits. PIDS counts processes and their threads. LOG is the size of the
container's log files. A container that is not running shows zeros (and its log size).`,
    )
    .action(async (refs: string[], flags: StatsFlags, self: Command) => {
      const json = wantsJson(flags.format, flags.json);
      const client = clientFor(self);
      // Named containers must all exist before anything streams, as with Docker.
      let ids: string[] | undefined;
      if (refs.length > 0) {
        const found = await Promise.allSettled(refs.map((ref) => client.inspect(ref)));
        const failed = found.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
        for (const e of failed) await write(process.stderr, describeFailure(e).text);
        if (failed.length > 0) {
          process.exitCode = 1;
          return;
        }
        ids = found.map((r) => (r as PromiseFulfilledResult<{ id: string }>).value.id);
      }
      const order = (list: ContainerStats[]) =>
        ids ? [...list].sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id)) : list;
      const table = (list: ContainerStats[]) =>
        formatTable(STATS_HEADER, statsRows(order(list), flags.trunc));
      const live = flags.stream && !json && process.stdout.isTTY === true;

      // The samples of one reading share their `read` time and arrive together, in one chunk:
      // they are drawn once that chunk is read. A terminal shows the reading's whole table,
      // redrawn; down a pipe each batch is printed once.
      let block: ContainerStats[] = [];
      let read: string | undefined;
      let drawn = 0;
      let printed = false;
      const draw = () => {
        const rows = live ? block : block.slice(drawn);
        drawn = block.length;
        if (rows.length === 0 && printed) return Promise.resolve();
        printed = true;
        return write(process.stdout, (live ? CLEAR : "") + table(rows));
      };
      if (live) await draw(); // the header, at once: nothing may be running yet
      let timer: NodeJS.Immediate | undefined;
      for await (const s of client.stats({
        all: flags.all === true || ids !== undefined,
        stream: flags.stream,
      })) {
        if (ids && !ids.includes(s.id)) continue;
        if (json) {
          await write(process.stdout, `${JSON.stringify(s)}\n`);
          continue;
        }
        if (s.read !== read) {
          block = [];
          drawn = 0;
          read = s.read;
        }
        block.push(s);
        clearImmediate(timer);
        timer = setImmediate(() => void draw());
      }
      clearImmediate(timer);
      if (!json) await draw();
    });
}
