// Puts a rendered configuration into service: written beside the live one, checked with
// `nginx -t`, and only then renamed over it and loaded (reload, or start when nginx is not
// running). A configuration that fails the check never replaces the last good one.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rename, unlink, writeFile } from "node:fs/promises";

export { type NginxListener, type NginxOptions, renderNginxConfig } from "./nginx-config.ts";

export interface ApplyNginxOptions {
  /** Default "nginx", found on PATH. */
  nginxBin?: string;
  /** The live configuration file, passed to nginx with -c. */
  confPath: string;
  /** Per nginx command. Default 30 s. */
  timeoutMs?: number;
}

export type ApplyNginxResult =
  | { ok: true; action: "reloaded" | "started" }
  | { ok: false; stage: "check" | "load"; error: string };

/** Applies to the same file run one after another, so the last call's configuration wins. */
const queues = new Map<string, Promise<unknown>>();

export function applyNginx(config: string, options: ApplyNginxOptions): Promise<ApplyNginxResult> {
  const before = queues.get(options.confPath) ?? Promise.resolve();
  const run = before.then(() => apply(config, options));
  const tail = run.catch(() => {});
  queues.set(options.confPath, tail);
  void tail.then(() => {
    if (queues.get(options.confPath) === tail) queues.delete(options.confPath);
  });
  return run;
}

async function apply(config: string, options: ApplyNginxOptions): Promise<ApplyNginxResult> {
  const bin = options.nginxBin ?? "nginx";
  const timeout = options.timeoutMs ?? 30_000;
  const live = options.confPath;
  // Beside the live file, so that rename() replaces it atomically.
  const candidate = `${live}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(candidate, config);
  const checked = await run(bin, ["-t", "-c", candidate], timeout);
  if (checked !== null) {
    await unlink(candidate).catch(() => {});
    return { ok: false, stage: "check", error: checked };
  }
  await rename(candidate, live);
  const reload = await run(bin, ["-s", "reload", "-c", live], timeout);
  if (reload === null) return { ok: true, action: "reloaded" };
  // Most often nginx is not running yet (no pid file, or a stale one): start it.
  const start = await run(bin, ["-c", live], timeout);
  if (start === null) return { ok: true, action: "started" };
  return { ok: false, stage: "load", error: `nginx could not reload (${reload}) nor start (${start})` };
}

/** Null on success, else what nginx said. */
function run(bin: string, args: string[], timeout: number): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout }, (err, _stdout, stderr) => {
      if (err === null) resolve(null);
      else resolve(stderr.trim() || err.message);
    });
  });
}
