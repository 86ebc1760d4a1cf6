// The app verbs: apply -f, diff -f, apps, app inspect|rm, scale, rollout status|undo. Files are
// read here and sent as text, so the daemon's errors name their lines.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import type { AppView, SpecText } from "../../api/apps.ts";
import type { BosunClient } from "../../api/client.ts";
import { clientFor } from "../context.ts";
import { SilentExit, UsageError } from "../failure.ts";
import { collect, parseIntFlag } from "../flags.ts";
import { timeAgo } from "../human-duration.ts";
import { printJson, write } from "../output.ts";
import { formatTable } from "../table.ts";

/** FILE, DIR (its .yaml, .yml and .json files, sorted) or - (stdin). */
export async function readSpecTexts(paths: readonly string[]): Promise<SpecText[]> {
  if (paths.length === 0) throw new UsageError("-f: give a file, a directory or - for stdin");
  const out: SpecText[] = [];
  for (const p of paths) {
    if (p === "-") {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      out.push({ name: "stdin", text: Buffer.concat(chunks).toString() });
      continue;
    }
    const entries = await readdir(p).catch(() => undefined);
    const files = entries
      ? entries
          .filter((n) => /\.(ya?ml|json)$/.test(n))
          .sort()
          .map((n) => join(p, n))
      : [p];
    for (const f of files) {
      const text = await readFile(f, "utf8").catch((e: Error) => {
        throw new UsageError(`-f ${f}: ${e.message}`);
      });
      out.push({ name: f, text });
    }
  }
  return out;
}

export function applyCommand(): Command {
  return new Command("apply")
    .description(
      "create or update apps from YAML or JSON files (several documents each); the spec's fields are in docs/apps.md",
    )
    .requiredOption("-f, --file <path>", "a file, a directory, or - for stdin (repeatable)", collect)
    .action(async (flags: { file: string[] }, self: Command) => {
      const results = await clientFor(self).apply(await readSpecTexts(flags.file));
      const lines = results.map((r) =>
        r.changed
          ? `${r.name}: ${r.generation === 1 ? "created" : "configured"} (generation ${r.generation})`
          : `${r.name}: unchanged`,
      );
      await write(process.stdout, `${lines.join("\n")}\n`);
    });
}

export function diffCommand(): Command {
  return new Command("diff")
    .description("show what apply -f would change")
    .requiredOption("-f, --file <path>", "a file, a directory, or - for stdin (repeatable)", collect)
    .action(async (flags: { file: string[] }, self: Command) => {
      const results = await clientFor(self).diff(await readSpecTexts(flags.file));
      const text = results
        .map((r) => (r.changes.length ? `${r.name}:\n${r.changes.map((c) => `  ${c}\n`).join("")}` : ""))
        .join("");
      await write(process.stdout, text || "no changes\n");
      // As diff(1) does: 1 when there are differences, so scripts can ask.
      if (text) process.exitCode = 1;
    });
}

/** The rollout's state, and replicas in a crash loop, which it alone does not show. */
function statusOf(a: AppView): string {
  const looping = a.replicas.filter((r) => r.crashLooping).length;
  return looping === 0 ? a.status : `${a.status}, ${looping} crash-looping`;
}

function portsOf(a: AppView): string {
  // As a URL's authority and path would say it: a.test:8080/api→http.
  return a.ports
    .map((p) =>
      p.expose === null
        ? p.name
        : `${p.host === null ? "" : `${p.host}:`}${p.expose}${p.path ?? ""}→${p.name}`,
    )
    .join(", ");
}

export function appsCommand(): Command {
  return new Command("apps")
    .description("list apps")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }, self: Command) => {
      const apps = await clientFor(self).apps();
      if (flags.json) return printJson(apps);
      const now = Date.now();
      const rows = apps.map((a) => [
        a.name,
        `${a.ready}/${a.desired}`,
        statusOf(a),
        portsOf(a),
        timeAgo(a.createdAt, now),
      ]);
      await write(process.stdout, formatTable(["NAME", "REPLICAS", "STATUS", "PORTS", "AGE"], rows));
    });
}

export function appCommand(): Command {
  const app = new Command("app").description("inspect or remove an app");
  app
    .command("inspect")
    .description("an app's spec, status and replicas, as JSON")
    .argument("<name>")
    .action(async (name: string, _flags: unknown, self: Command) =>
      printJson(await clientFor(self).app(name)),
    );
  app
    .command("rm")
    .description("stop an app's replicas and remove it")
    .argument("<name>")
    .action(async (name: string, _flags: unknown, self: Command) => {
      await clientFor(self).removeApp(name);
      await write(process.stdout, `${name}\n`);
    });
  return app;
}

export function scaleCommand(): Command {
  return new Command("scale")
    .description("set an app's number of replicas (no new generation, no rollout)")
    .argument("<name>")
    .argument("<replicas>")
    .action(async (name: string, n: string, _flags: unknown, self: Command) => {
      const a = await clientFor(self).scale(name, parseIntFlag("REPLICAS", n));
      await write(process.stdout, `${a.name}: scaled to ${a.desired}\n`);
    });
}

/** Waits for the app's rollout to end; 0 when complete, 1 when it failed or rolled back. */
async function rolloutStatus(client: BosunClient, name: string): Promise<number> {
  const ac = new AbortController();
  let last = "";
  let generation: number | undefined;
  const report = async (a: AppView): Promise<number | undefined> => {
    const line = `${a.name}: generation ${a.generation}, ${a.ready}/${a.desired} ready, ${a.status}`;
    if (line !== last) await write(process.stdout, `${line}\n`);
    last = line;
    generation ??= a.generation;
    // A rollback writes the old spec as a new generation: the rollout we waited for failed.
    if (
      a.status === "failed" ||
      a.status === "rolled-back" ||
      a.status === "rolling-back" ||
      a.generation > generation
    )
      return 1;
    if (a.status === "complete" && a.ready === a.desired && a.replicas.length === a.desired) return 0;
    return undefined;
  };
  // Taken before the first look, so that what happens after it is replayed, however soon.
  const since = new Date().toISOString();
  const first = await report(await client.app(name));
  if (first !== undefined) return first;
  try {
    // Every change of the app or of its replicas is an event: look again at each.
    const filter = [`app=${name}`];
    for await (const _ of client.events({ since, filter, signal: ac.signal })) {
      const done = await report(await client.app(name));
      if (done !== undefined) return done;
    }
  } finally {
    ac.abort();
  }
  return 1;
}

export function rolloutCommand(): Command {
  const rollout = new Command("rollout").description("follow or undo an app's rollout");
  rollout
    .command("status")
    .description("wait for the rollout to finish; exit 1 if it failed")
    .argument("<name>")
    .action(async (name: string, _flags: unknown, self: Command) => {
      const code = await rolloutStatus(clientFor(self), name);
      if (code !== 0) throw new SilentExit(code);
    });
  rollout
    .command("undo")
    .description("go back to the previous spec (a new generation)")
    .argument("<name>")
    .option("--to-generation <n>", "go back to this generation instead")
    .action(async (name: string, flags: { toGeneration?: string }, self: Command) => {
      const to =
        flags.toGeneration === undefined ? undefined : parseIntFlag("--to-generation", flags.toGeneration);
      const a = await clientFor(self).rollback(name, to);
      await write(process.stdout, `${a.name}: rolled back (generation ${a.generation})\n`);
    });
  return rollout;
}
