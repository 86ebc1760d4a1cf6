// What `bosun diff -f` prints, and how `bosun apply` knows whether anything changed: the fields
// that differ between two normalized specs, one line each, in the units people write.
import type { App } from "./app-spec.ts";
import { canonicalJson, prune } from "./canonical.ts";

const DURATIONS = new Set([
  "spec.health.interval",
  "spec.health.timeout",
  "spec.health.startPeriod",
  "spec.stopTimeout",
]);
const SIZES = new Set(["spec.resources.memory", "spec.resources.memorySwap", "spec.log.maxSize"]);

/**
 * `spec.replicas: 3 → 5`, `spec.env.NODE_ENV: added "production"`, `spec.cwd: removed (was "/srv")`.
 * Empty when nothing changed. A new app (no current) lists every field it sets as added.
 */
export function diffSpecs(current: App | undefined, next: App): string[] {
  const changes: string[] = [];
  walk(prune(current), prune(next), "", changes);
  return changes;
}

function walk(a: unknown, b: unknown, path: string, out: string[]): void {
  if (canonicalJson(a) === canonicalJson(b)) return;
  // Into mappings and lists of mappings (ports, volumes), so that each line is one field.
  if (alike(a, b, isRecord)) {
    const x = (a ?? {}) as Record<string, unknown>;
    const y = (b ?? {}) as Record<string, unknown>;
    for (const key of new Set([...Object.keys(y), ...Object.keys(x)]))
      walk(x[key], y[key], path ? `${path}.${key}` : key, out);
  } else if (alike(a, b, isListOfRecords)) {
    const x = (a ?? []) as unknown[];
    const y = (b ?? []) as unknown[];
    for (let i = 0; i < Math.max(x.length, y.length); i++) walk(x[i], y[i], `${path}[${i}]`, out);
  } else if (a === undefined) out.push(`${path}: added ${show(path, b)}`);
  else if (b === undefined) out.push(`${path}: removed (was ${show(path, a)})`);
  else out.push(`${path}: ${show(path, a)} → ${show(path, b)}`);
}

/** Both sides are of this shape, or one is absent (a mapping that became a list is one change). */
function alike(a: unknown, b: unknown, is: (v: unknown) => boolean): boolean {
  return (is(a) || a === undefined) && (is(b) || b === undefined);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isListOfRecords(v: unknown): boolean {
  return Array.isArray(v) && v.some(isRecord);
}

function show(path: string, v: unknown): string {
  if (typeof v === "number" && DURATIONS.has(path)) return formatDuration(v);
  if (typeof v === "number" && SIZES.has(path)) return formatSize(v);
  return JSON.stringify(v);
}

/** 90_000 → "1m30s", 1500 → "1s500ms", 0 → "0s". */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1],
  ];
  let rest = ms;
  let text = "";
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * size;
  }
  return text || "0s";
}

/** 268_435_456 → "256m"; bytes that are no whole number of k, m or g stay bytes. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [
    ["g", 1024 ** 3],
    ["m", 1024 ** 2],
    ["k", 1024],
  ] as const)
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}
