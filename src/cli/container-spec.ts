// `bosun run` and `bosun create` flags → the API's create request. Pure: the env files' text,
// the CLI's environment and its working directory are passed in.
import { isAbsolute, resolve } from "node:path";
import type { CreateContainerRequest } from "../api/schemas.ts";
import { parseEnvFile, parseEnvItem } from "./env-file.ts";
import { UsageError } from "./failure.ts";
import { parseIntFlag, parseKeyValue } from "./flags.ts";

/** The flags `run` and `create` share, as commander hands them over. */
export interface ContainerFlags {
  name?: string;
  rm?: boolean;
  env?: string[];
  envFile?: string[];
  workdir?: string;
  label?: string[];
  restart?: string;
  stopSignal?: string;
  stopTimeout?: string;
  logMaxSize?: string;
  logMaxFiles?: string;
  interactive?: boolean;
  tty?: boolean;
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  pidsLimit?: string;
  isolate?: boolean;
  network?: string;
  hostname?: string;
  rootfs?: string;
  readOnly?: boolean;
  volume?: string[];
  user?: string;
  capAdd?: string[];
  maxLifetime?: string;
  heartbeatTimeout?: string;
}

/** -v HOST:CONTAINER[:ro|rw]; a relative host path is taken from the CLI's directory. */
export function parseVolume(
  item: string,
  cwd: string,
): { source: string; target: string; readOnly: boolean } {
  const parts = item.split(":");
  const mode = parts.length === 3 ? parts[2] : undefined;
  if (
    parts.length < 2 ||
    parts.length > 3 ||
    !parts[0] ||
    !parts[1] ||
    (mode && mode !== "ro" && mode !== "rw")
  )
    throw new UsageError(`-v: expected HOST:CONTAINER[:ro], got "${item}"`);
  if (!parts[1].startsWith("/")) throw new UsageError(`-v ${item}: the container path must be absolute`);
  return { source: resolve(cwd, parts[0]), target: parts[1], readOnly: mode === "ro" };
}

export interface SpecInputs {
  /** The CLI's working directory: the container's unless -w says otherwise (as PM2 does). */
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** The text of each --env-file, in the order given. */
  envFiles: readonly { name: string; text: string }[];
}

export function buildCreateRequest(
  command: readonly string[],
  flags: ContainerFlags,
  inputs: SpecInputs,
): CreateContainerRequest {
  if (command.length === 0)
    throw new UsageError("a command is required: bosun run [OPTIONS] -- COMMAND [ARG...]");
  // Files first, then -e, later ones winning, as Docker orders them.
  const env: Record<string, string> = {};
  for (const f of inputs.envFiles) for (const [k, v] of parseEnvFile(f.text, inputs.env, f.name)) env[k] = v;
  for (const item of flags.env ?? []) {
    const kv = parseEnvItem(item, inputs.env);
    if (kv) env[kv[0]] = kv[1];
  }
  const labels = Object.fromEntries((flags.label ?? []).map((l) => parseKeyValue("-l", l, true)));
  // Our directory means nothing inside another root filesystem: there it is "/", as in Docker.
  const workdir = flags.workdir ?? (flags.rootfs !== undefined ? "/" : inputs.cwd);
  const log = {
    ...(flags.logMaxSize !== undefined ? { maxSize: flags.logMaxSize } : {}),
    ...(flags.logMaxFiles !== undefined
      ? { maxFiles: parseIntFlag("--log-max-files", flags.logMaxFiles) }
      : {}),
  };
  return {
    command: [...command],
    cwd: isAbsolute(workdir) ? workdir : resolve(inputs.cwd, workdir),
    env,
    labels,
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(flags.restart !== undefined ? { restart: flags.restart } : {}),
    ...(flags.stopSignal !== undefined ? { stopSignal: flags.stopSignal } : {}),
    ...(flags.stopTimeout !== undefined
      ? { stopTimeout: parseIntFlag("--stop-timeout", flags.stopTimeout) }
      : {}),
    ...(Object.keys(log).length > 0 ? { log } : {}),
    ...(flags.interactive ? { stdin: true } : {}),
    ...(flags.tty ? { tty: true } : {}),
    ...resourcesOf(flags),
    ...(flags.isolate ? { isolate: true } : {}),
    ...(flags.network !== undefined ? { network: flags.network as "host" | "none" } : {}),
    ...(flags.hostname !== undefined ? { hostname: flags.hostname } : {}),
    ...(flags.rootfs !== undefined ? { rootfs: resolve(inputs.cwd, flags.rootfs) } : {}),
    ...(flags.readOnly ? { readOnly: true } : {}),
    ...(flags.volume?.length ? { volumes: flags.volume.map((v) => parseVolume(v, inputs.cwd)) } : {}),
    ...(flags.user !== undefined ? { user: flags.user } : {}),
    ...(flags.capAdd?.length ? { capAdd: flags.capAdd } : {}),
    ...(flags.maxLifetime !== undefined ? { maxLifetime: flags.maxLifetime } : {}),
    ...(flags.heartbeatTimeout !== undefined ? { heartbeatTimeout: flags.heartbeatTimeout } : {}),
    ...(flags.rm ? { autoRemove: true } : {}),
  };
}

/** The limit flags as the API's resources (its schema checks the values and names the field). */
function resourcesOf(flags: ContainerFlags): Pick<CreateContainerRequest, "resources"> {
  const r: NonNullable<CreateContainerRequest["resources"]> = {};
  if (flags.memory !== undefined) r.memory = flags.memory;
  if (flags.memorySwap !== undefined) r.memorySwap = flags.memorySwap;
  if (flags.cpus !== undefined) r.cpu = flags.cpus;
  if (flags.pidsLimit !== undefined) r.pids = parseIntFlag("--pids-limit", flags.pidsLimit);
  return Object.keys(r).length > 0 ? { resources: r } : {};
}
