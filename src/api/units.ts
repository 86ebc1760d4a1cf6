// Sizes and durations as people write them ("10m", "1g", "1.5s", "10m" for ten minutes).

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "512" → 512, "10k" → 10240, "10m", "10MB", "1g", "1.5g" → bytes; undefined when malformed. */
export function parseSize(input: string | number): number | undefined {
  if (typeof input === "number") return Number.isSafeInteger(input) && input >= 0 ? input : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(input.trim());
  if (!m) return undefined;
  const bytes = Math.floor(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "1500ms", "10s", "5m", "1h30m", "2d" → milliseconds; undefined when malformed. */
export function parseDuration(input: string): number | undefined {
  const s = input.trim();
  if (!/^(\d+(?:\.\d+)?(ms|s|m|h|d))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
  return Math.round(total);
}

/** CPU cores as Docker and Kubernetes write them: "0.5", "2", 1.5, "500m" (millicores). */
export function parseCpus(input: string | number): number | undefined {
  if (typeof input === "number") return Number.isFinite(input) && input > 0 ? input : undefined;
  const m = /^(\d+(?:\.\d+)?|\.\d+)(m?)$/.exec(input.trim());
  if (!m) return undefined;
  const cores = m[2] ? Number(m[1]) / 1000 : Number(m[1]);
  return cores > 0 ? cores : undefined;
}
