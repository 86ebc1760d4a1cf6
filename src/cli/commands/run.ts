// `bosun run`: create and start a container. With -d, print its id; without, stream its output,
// forward signals, pipe stdin with -i, and exit with the container's exit code (with --rm, once
// it is removed). With -it, an interactive terminal that the detach keys leave running.
// Failures before the container ran exit 125, as with Docker.
import { Command } from "commander";
import type { BosunClient } from "../../api/client.ts";
import { BosunError } from "../../api/errors.ts";
import { addContainerOptions, containerSpec } from "../container-options.ts";
import type { ContainerFlags } from "../container-spec.ts";
import { clientFor } from "../context.ts";
import { ExitWith } from "../failure.ts";
import { foreground } from "../foreground.ts";
import { write } from "../output.ts";
import { DEFAULT_DETACH_KEYS, parseDetachKeys, requireTerminalInput } from "../terminal.ts";
import { waitRemoved } from "../wait-removed.ts";

interface RunFlags extends ContainerFlags {
  detach?: boolean;
  detachKeys: string;
}

const isCode = (e: unknown, code: string) => e instanceof BosunError && e.code === code;

/** Fails with `code`, removing the container first when --rm asked for it to be gone anyway. */
async function failBeforeRun(
  client: BosunClient,
  id: string,
  rm: boolean | undefined,
  e: unknown,
  code = 125,
): Promise<never> {
  if (rm) await client.remove(id, { force: true }).catch(() => {});
  throw new ExitWith(code, e);
}

/**
 * A command that cannot be run exits 127 when it was not found and 126 otherwise, as in a shell
 * and with Docker, and as the shim's own exit code says. Read from the message, because asking
 * the daemon (wait) is unsafe while --rm is removing the container.
 */
export function execFailureCode(message: string): number {
  return /\bexec\b.*no such file or directory/i.test(message) ? 127 : 126;
}

async function startOrFail(client: BosunClient, id: string, rm: boolean | undefined): Promise<void> {
  try {
    await client.start(id);
  } catch (e) {
    if (isCode(e, "not_modified")) return;
    const code = isCode(e, "exec_failed") ? execFailureCode((e as Error).message) : 125;
    await failBeforeRun(client, id, rm, e, code);
  }
}

export function runCommand(): Command {
  const cmd = new Command("run")
    .description("create and start a container")
    .usage("[options] [--] COMMAND [ARG...]")
    .argument("[command...]", "the command and its arguments")
    .option("-d, --detach", "run in the background and print the container's id")
    .option("--detach-keys <keys>", "the keys that detach from a terminal (-it)", DEFAULT_DETACH_KEYS)
    .passThroughOptions();
  return addContainerOptions(cmd).action(async (command: string[], flags: RunFlags, self: Command) => {
    const spec = await containerSpec(command, flags);
    const interactiveTty = flags.tty === true && flags.interactive === true && !flags.detach;
    // Checked before anything exists, so a refusal leaves nothing behind.
    if (interactiveTty) requireTerminalInput("run -it");
    const detachKeys = parseDetachKeys(flags.detachKeys);
    const client = clientFor(self);
    const { id } = await client.create(spec).catch((e: unknown) => {
      throw new ExitWith(125, e);
    });
    if (flags.detach) {
      await startOrFail(client, id, flags.rm);
      await write(process.stdout, `${id}\n`);
      return;
    }
    const channel = await client
      .attach(id, { stdin: flags.interactive === true })
      .catch((e: unknown) => failBeforeRun(client, id, flags.rm, e));
    const end = await foreground(client, id, channel, {
      stdin: flags.interactive === true,
      ...(flags.tty ? { tty: { detachKeys } } : {}),
      start: () => startOrFail(client, id, flags.rm),
    });
    // Detached, it runs on: --rm removes it when it ends, as it would have.
    if ("detached" in end) return;
    process.exitCode = end.exitCode;
    if (flags.rm) await waitRemoved(client, id);
  });
}
