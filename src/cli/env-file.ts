// Environment variables from flags and files, in Docker's format: `KEY=VALUE` sets a variable,
// a bare `KEY` copies it from the CLI's own environment (and is skipped when unset there), and
// in files blank lines and lines starting with # are ignored. Values are taken verbatim: no quotes
// are stripped, as in Docker.
import { UsageError } from "./failure.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** One `-e` value → [key, value], or undefined for a bare KEY the CLI's environment lacks. */
export function parseEnvItem(item: string, env: Env, where = "-e"): [string, string] | undefined {
  const eq = item.indexOf("=");
  const key = eq < 0 ? item : item.slice(0, eq);
  if (key === "") throw new UsageError(`${where}: a variable needs a name, got "${item}"`);
  if (/\s/.test(key)) throw new UsageError(`${where}: variable "${key}" contains whitespace`);
  if (key.includes("\0") || item.includes("\0"))
    throw new UsageError(`${where}: "${key}" contains a NUL byte`);
  if (eq >= 0) return [key, item.slice(eq + 1)];
  const fromEnv = env[key];
  return fromEnv === undefined ? undefined : [key, fromEnv];
}

/** The variables of an env file, in order. `name` is used in messages: `--env-file app.env:3: …`. */
export function parseEnvFile(text: string, env: Env, name: string): [string, string][] {
  const out: [string, string][] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trimStart();
    if (line === "" || line.startsWith("#")) continue;
    const kv = parseEnvItem(line, env, `--env-file ${name}:${i + 1}`);
    if (kv) out.push(kv);
  }
  return out;
}
