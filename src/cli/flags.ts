// Small parsers for flag values. Each names its flag in the error, so `bosun run --stop-timeout x`
// says which flag was wrong, and nothing is sent to the daemon.
import { UsageError } from "./failure.ts";

/** Commander's accumulator for repeatable flags (`-e A=1 -e B=2`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseIntFlag(flag: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`${flag}: expected a whole number, got "${value}"`);
  return Number(value.trim());
}

/** `k=v` → [k, v]; a bare `k` → [k, ""] when `bareAllowed` (Docker's `-l k`). */
export function parseKeyValue(flag: string, item: string, bareAllowed = false): [string, string] {
  const eq = item.indexOf("=");
  if (eq === 0 || (eq < 0 && !bareAllowed))
    throw new UsageError(`${flag}: expected KEY=VALUE, got "${item}"`);
  return eq < 0 ? [item, ""] : [item.slice(0, eq), item.slice(eq + 1)];
}

/** `--filter` values are passed on as `k=v` strings once their shape is right. */
export function parseFilters(flag: string, items: readonly string[], keys: readonly string[]): string[] {
  for (const item of items) {
    const [k] = parseKeyValue(flag, item);
    if (!keys.includes(k))
      throw new UsageError(`${flag}: unknown filter "${k}" (expected ${keys.join(", ")})`);
  }
  return [...items];
}

/** `--format`: only `json` and `table` exist. Returns true for json. */
export function wantsJson(format: string | undefined, json: boolean | undefined): boolean {
  if (format !== undefined && format !== "json" && format !== "table") {
    throw new UsageError(`--format: expected "json" or "table", got "${format}"`);
  }
  return json === true || format === "json";
}
