// `bosun info`: what the daemon is and what it runs.
import { Command } from "commander";
import type { DaemonInfo } from "../../api/schemas.ts";
import { clientFor } from "../context.ts";
import { wantsJson } from "../flags.ts";
import { humanDuration } from "../human-duration.ts";
import { printJson, write } from "../output.ts";

export function formatInfo(i: DaemonInfo): string {
  const mib = (i.memoryRss / 1024 / 1024).toFixed(1);
  return [
    `Server Version: ${i.version}`,
    `Containers: ${i.containers.total}`,
    ` Running: ${i.containers.running}`,
    ` Paused: ${i.containers.paused}`,
    ` Restarting: ${i.containers.restarting}`,
    ` Exited: ${i.containers.exited}`,
    ` Created: ${i.containers.created}`,
    `Root: ${i.root}`,
    `Socket: ${i.socket}`,
    `PID: ${i.pid}`,
    `Shim: ${i.shim}`,
    `Kernel: ${i.kernel}`,
    `Cgroup: ${i.cgroup}`,
    `Isolation: ${i.isolation}`,
    `Memory (RSS): ${mib} MiB`,
    `Uptime: ${humanDuration(i.uptimeSeconds * 1000)}`,
    "",
  ].join("\n");
}

export function infoCommand(): Command {
  return new Command("info")
    .description("show the daemon's settings and counts")
    .option("--format <format>", "json or table")
    .option("--json", "same as --format json")
    .action(async (flags: { format?: string; json?: boolean }, self: Command) => {
      const json = wantsJson(flags.format, flags.json);
      const info = await clientFor(self).info();
      if (json) await printJson(info);
      else await write(process.stdout, formatInfo(info));
    });
}
