// The client a command talks through: bosund at --socket, else $BOSUN_SOCKET, else the default.
import type { Command } from "commander";
import { BosunClient } from "../api/client.ts";
import { resolveSocket } from "../config/paths.ts";
import { nodeTransport } from "./transport.ts";

export function clientFor(cmd: Command): BosunClient {
  const { socket } = cmd.optsWithGlobals<{ socket?: string }>();
  return new BosunClient(nodeTransport(resolveSocket(socket)));
}
