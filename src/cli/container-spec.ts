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
  const workdir = flags.workdir ?? inputs.cwd;
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
    ...(flags.rm ? { autoRemove: true } : {}),
  };
}
