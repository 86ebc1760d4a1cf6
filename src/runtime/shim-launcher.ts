// Starts a bosun-shim for one container and waits for its `ready SHIMPID CONTAINERPID` line
// (docs/shim.md). The shim detaches itself (fork + setsid); the process spawned here exits at
// once, so nothing of the container hangs off the daemon.
import { spawn } from "node:child_process";
import { BosunError } from "../api/errors.ts";
import type { ContainerConfig } from "./container.ts";

export interface ShimStarted {
  shimPid: number;
  containerPid: number;
}

export function shimArgs(config: ContainerConfig, dir: string): string[] {
  const args = ["--dir", dir, "--cwd", config.cwd, "--restart", config.restart];
  if (config.stdin) args.push("--stdin");
  args.push("--log-max-size", String(config.log.maxSize), "--log-max-files", String(config.log.maxFiles));
  return [...args, "--", ...config.command];
}

export function launchShim(shimPath: string, config: ContainerConfig, dir: string): Promise<ShimStarted> {
  return new Promise((resolve, reject) => {
    const child = spawn(shimPath, shimArgs(config, dir), {
      env: config.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
    child.on("error", (e) =>
      reject(new BosunError("shim_failed", `cannot start the shim for ${config.name}: ${e.message}`)),
    );
    // stdout reaches EOF once the detached shim has written its ready line and closed it.
    child.stdout.on("end", () => {
      const m = /^ready (\d+) (\d+)\n/.exec(out);
      if (m) return resolve({ shimPid: Number(m[1]), containerPid: Number(m[2]) });
      const why = (out.replace(/^error /, "") || err || "it exited without saying why").trim();
      reject(new BosunError("shim_failed", `cannot start ${config.name}: ${why}`));
    });
    child.unref();
  });
}
