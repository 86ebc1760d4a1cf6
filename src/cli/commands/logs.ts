// `bosun logs`: a container's output, stdout records to stdout and stderr records to stderr; with
// -f it follows new output as it comes.
import { Command } from "commander";
import type { LogRecord } from "../../api/log-record.ts";
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
    .description("print a container's output, or every replica's of an app (app/NAME)")
    .argument("<container>", "name or id, or app/NAME")
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
      const client = clientFor(self);
      const opts = {
        follow: flags.follow === true,
        ...(tail !== undefined ? { tail } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
      };
      const out = (rec: LogRecord, text: string) =>
        write(rec.stream === "stderr" ? process.stderr : process.stdout, text);
      if (!ref.startsWith("app/")) {
        const renderer = new LogRenderer(flags.timestamps === true);
        for await (const rec of client.logs(ref, opts)) await out(rec, renderer.render(rec));
        return;
      }
      // An app: every replica's lines, each prefixed with the replica's name.
      const replicas = (await client.app(ref.slice(4))).replicas;
      const width = Math.max(0, ...replicas.map((r) => r.name.length));
      const prefixed = replicas.map((r) => {
        const renderer = new LogRenderer(flags.timestamps === true);
        const lineStart = { stdout: true, stderr: true };
        return (rec: LogRecord) => {
          const prefix = lineStart[rec.stream] ? `${r.name.padEnd(width)} | ` : "";
          lineStart[rec.stream] = !rec.partial;
          return prefix + renderer.render(rec);
        };
      });
      if (!opts.follow) {
        // Interleaved by time; within a replica its order is kept (the sort is stable).
        const all = await Promise.all(
          replicas.map(async (r, i) => {
            const recs: { rec: LogRecord; i: number }[] = [];
            for await (const rec of client.logs(r.id, opts)) recs.push({ rec, i });
            return recs;
          }),
        );
        const merged = all
          .flat()
          .sort((a, b) => (a.rec.time < b.rec.time ? -1 : a.rec.time > b.rec.time ? 1 : 0));
        for (const { rec, i } of merged) await out(rec, prefixed[i]!(rec));
        return;
      }
      await Promise.all(
        replicas.map(async (r, i) => {
          for await (const rec of client.logs(r.id, opts)) await out(rec, prefixed[i]!(rec));
        }),
      );
    });
}
