// `bosun version`: the CLI's version, and the daemon's when it answers.
import { arch, platform } from "node:os";
import { Command } from "commander";
import { clientVersion } from "../client-version.ts";
import { clientFor } from "../context.ts";
import { wantsJson } from "../flags.ts";
import { printJson, write } from "../output.ts";

export function versionCommand(): Command {
  return new Command("version")
    .description("show the CLI's and the daemon's versions")
    .option("--format <format>", "json or table")
    .option("--json", "same as --format json")
    .action(async (flags: { format?: string; json?: boolean }, self: Command) => {
      const json = wantsJson(flags.format, flags.json);
      const client = { version: clientVersion(), node: process.version, os: platform(), arch: arch() };
      if (!json) {
        await write(
          process.stdout,
          `Client:\n Version:      ${client.version}\n Node:         ${client.node}\n OS/Arch:      ${client.os}/${client.arch}\n`,
        );
      }
      const server = await clientFor(self).version();
      if (json) {
        await printJson({ client, server });
        return;
      }
      await write(
        process.stdout,
        `\nServer:\n Version:      ${server.version}\n API version:  ${server.apiVersion}\n` +
          ` Node:         ${server.node}\n OS/Arch:      ${server.os}/${server.arch}\n`,
      );
    });
}
