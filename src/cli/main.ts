// The `bosun` CLI: parses, calls the typed client, prints. One file per command in commands/.
// Kept light at start-up: `ws` and the API schemas (zod) load only in the commands that use them.
import { Command, Option } from "commander";
import {
  appCommand,
  applyCommand,
  appsCommand,
  diffCommand,
  rolloutCommand,
  scaleCommand,
} from "./commands/apps.ts";
import { attachCommand } from "./commands/attach.ts";
import { createCommand } from "./commands/create.ts";
import { eventsCommand } from "./commands/events.ts";
import { execCommand } from "./commands/exec.ts";
import { infoCommand } from "./commands/info.ts";
import { inspectCommand } from "./commands/inspect.ts";
import { killCommand } from "./commands/kill.ts";
import { lockdownCommand } from "./commands/lockdown.ts";
import { logsCommand } from "./commands/logs.ts";
import { pauseCommand, unpauseCommand } from "./commands/pause.ts";
import { psCommand } from "./commands/ps.ts";
import { restartCommand } from "./commands/restart.ts";
import { rmCommand } from "./commands/rm.ts";
import { runCommand } from "./commands/run.ts";
import { startCommand } from "./commands/start.ts";
import { statsCommand } from "./commands/stats.ts";
import { stopCommand } from "./commands/stop.ts";
import { topCommand } from "./commands/top.ts";
import { versionCommand } from "./commands/version.ts";
import { waitCommand } from "./commands/wait.ts";
import { describeFailure, SilentExit } from "./failure.ts";
import { exitQuietlyOnBrokenPipe, flushAndExit } from "./output.ts";

const COMMANDS = [
  runCommand,
  createCommand,
  startCommand,
  stopCommand,
  restartCommand,
  killCommand,
  lockdownCommand,
  pauseCommand,
  unpauseCommand,
  rmCommand,
  psCommand,
  logsCommand,
  attachCommand,
  execCommand,
  inspectCommand,
  statsCommand,
  topCommand,
  waitCommand,
  eventsCommand,
  applyCommand,
  diffCommand,
  appsCommand,
  appCommand,
  scaleCommand,
  rolloutCommand,
  versionCommand,
  infoCommand,
];

/** Bad flags exit 2, except for run and create, which exit 125 like Docker's. */
function usageExitCode(command: string): number {
  return command === "run" || command === "create" ? 125 : 2;
}

function configure(cmd: Command, usageExit: number): Command {
  return cmd
    .exitOverride((err) => {
      throw new SilentExit(err.exitCode === 0 ? 0 : usageExit);
    })
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, "bosun: ")) })
    .showHelpAfterError(`(see 'bosun ${cmd.name() === "bosun" ? "" : `${cmd.name()} `}--help')`);
}

export function buildProgram(): Command {
  const program = new Command("bosun")
    .description("run and supervise processes and containers")
    .option(
      "--socket <path>",
      "bosund's socket (default: $BOSUN_SOCKET, else the per-user or system default)",
    )
    // Needed for `run ... -- COMMAND`: options after the command belong to the command.
    .enablePositionalOptions();
  configure(program, 2);
  for (const make of COMMANDS) {
    const cmd = make();
    // --socket after the verb works too: `bosun ps --socket PATH`.
    cmd.addOption(new Option("--socket <path>", "bosund's socket").hideHelp());
    program.addCommand(configure(cmd, usageExitCode(cmd.name())));
  }
  return program;
}

async function main(argv: string[]): Promise<number> {
  exitQuietlyOnBrokenPipe();
  let usageExit = 2;
  const program = buildProgram();
  program.hook("preAction", (_program, action) => {
    usageExit = usageExitCode(action.name());
  });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    const report = describeFailure(e, usageExit);
    process.stderr.write(report.text);
    return report.exitCode;
  }
}

await flushAndExit(await main(process.argv));
