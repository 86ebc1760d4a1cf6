// `bosun lockdown on|off|status`: while on, bosund refuses every create and start; running
// containers go on (`bosun kill --all` stops them). It outlives a daemon restart.
import { Argument, Command } from "commander";
import type { LockdownState } from "../../api/policy.ts";
import { clientFor } from "../context.ts";
import { write } from "../output.ts";

export function formatLockdown(s: LockdownState): string {
  if (!s.on) return "lockdown: off\n";
  return s.since === null ? "lockdown: on\n" : `lockdown: on since ${s.since}\n`;
}

export function lockdownCommand(): Command {
  return new Command("lockdown")
    .description("refuse every create and start (on), allow them again (off), or say which (status)")
    .addArgument(new Argument("<state>", "on, off or status").choices(["on", "off", "status"]))
    .action(async (what: "on" | "off" | "status", _flags: unknown, self: Command) => {
      const client = clientFor(self);
      const state = what === "status" ? await client.lockdown() : await client.setLockdown(what === "on");
      await write(process.stdout, formatLockdown(state));
    });
}
