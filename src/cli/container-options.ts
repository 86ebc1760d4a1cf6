// The flags `run` and `create` share, and how they become a create request: env files are read
// here, the request is built by container-spec.ts and checked with the API's schema.
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { CreateContainerRequest } from "../api/schemas.ts";
import { buildCreateRequest, type ContainerFlags } from "./container-spec.ts";
import { UsageError } from "./failure.ts";
import { collect } from "./flags.ts";
import { validateCreateRequest } from "./validate-spec.ts";

export function addContainerOptions(cmd: Command): Command {
  return cmd
    .option("--name <name>", "a name for the container")
    .option("-e, --env <KEY=VALUE>", "set an environment variable (a bare KEY copies it from here)", collect)
    .option("--env-file <file>", "read environment variables from a file", collect)
    .option("-w, --workdir <dir>", "working directory (default: the current directory)")
    .option("-l, --label <key=value>", "set a label", collect)
    .option("--restart <policy>", "no, always, unless-stopped, on-failure[:N]")
    .option("--stop-signal <signal>", "the signal that stops it (default SIGTERM)")
    .option("--stop-timeout <seconds>", "seconds to wait after the stop signal before SIGKILL")
    .option("--log-max-size <size>", "rotate the log at this size, like 10m")
    .option("--log-max-files <n>", "log files to keep, the current one included")
    .option("-i, --interactive", "keep stdin open")
    .option("-t, --tty", "give the container a terminal (with -i: an interactive one)")
    .option("-m, --memory <size>", "memory limit, like 512m or 1g")
    .option("--memory-swap <size>", "memory plus swap limit (default: no swap)")
    .option("--cpus <cores>", "CPU limit in cores, like 0.5, 2 or 500m")
    .option("--pids-limit <n>", "at most this many processes and threads")
    .option("--isolate", "new pid, mount, uts and ipc namespaces, fewer capabilities, no_new_privs")
    .option("--network <mode>", "host (default), or none: a network namespace with only loopback")
    .option("--hostname <name>", "the container's hostname (with --isolate)")
    .option("--rootfs <dir>", "run in this directory as its root (with --isolate)")
    .option("--read-only", "make the root filesystem read-only (with --rootfs)")
    .option("-v, --volume <host:container[:ro]>", "bind-mount a host path (with --isolate)", collect)
    .option("-u, --user <uid[:gid]>", "run as this user and group (numbers)")
    .option("--cap-add <cap>", "keep this capability too (with --isolate)", collect)
    .option("--max-lifetime <duration>", "kill it when this is up, like 10m")
    .option("--heartbeat-timeout <duration>", "kill it unless it checks in this often, like 60s")
    .option("--rm", "remove the container when it exits");
}

export async function containerSpec(
  command: string[],
  flags: ContainerFlags,
): Promise<CreateContainerRequest> {
  const envFiles = await Promise.all(
    (flags.envFile ?? []).map(async (name) => {
      try {
        return { name, text: await readFile(name, "utf8") };
      } catch (e) {
        throw new UsageError(`--env-file ${name}: ${(e as Error).message}`);
      }
    }),
  );
  const req = buildCreateRequest(command, flags, { cwd: process.cwd(), env: process.env, envFiles });
  return validateCreateRequest(req);
}
