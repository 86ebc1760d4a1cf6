// Where bosun keeps its state and its socket. As root: /var/lib/bosun and /run/bosun/bosun.sock,
// like other system daemons. Otherwise the user's XDG state and runtime directories, so an
// unprivileged user can run their own bosund. Flags beat environment variables beat defaults.
import { homedir } from "node:os";
import { join } from "node:path";

export interface Paths {
  root: string;
  socket: string;
}

type Env = Record<string, string | undefined>;

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function defaultRoot(env: Env = process.env): string {
  if (isRoot()) return "/var/lib/bosun";
  const base = env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(base, "bosun");
}

export function defaultSocket(env: Env = process.env): string {
  if (isRoot()) return "/run/bosun/bosun.sock";
  const base = env.XDG_RUNTIME_DIR || join("/tmp", `bosun-${process.getuid?.() ?? "user"}`);
  return join(base, "bosun", "bosun.sock");
}

export function resolveSocket(flag: string | undefined, env: Env = process.env): string {
  return flag || env.BOSUN_SOCKET || defaultSocket(env);
}

export function resolveRoot(flag: string | undefined, env: Env = process.env): string {
  return flag || env.BOSUN_ROOT || defaultRoot(env);
}
