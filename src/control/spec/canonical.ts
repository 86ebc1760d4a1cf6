// Two specs that mean the same thing must compare equal and hash alike: key order does not
// matter, and an empty list or mapping means the same as none (`env: {}`, `ports: []`).

/** The value without undefined members and empty objects or arrays; undefined when nothing is left. */
export function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(prune);
    return items.length > 0 ? items : undefined;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .map(([k, v]) => [k, prune(v)] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }
  return value;
}

/** JSON of the pruned value with object keys sorted: equal strings for equal meanings. */
export function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(prune(value), (_key, v: unknown) =>
      v !== null && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
    ) ?? "null"
  );
}
