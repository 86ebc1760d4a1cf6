// KEY=VALUE filter arguments, as `--filter label=team=shop` writes them.

/** "a=b=c" → ["a", "b=c"]; "a" → ["a", undefined]. */
export function splitPair(s: string): [string, string | undefined] {
  const i = s.indexOf("=");
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** A label filter: "KEY" matches when the label is set, "KEY=VALUE" when it has that value. */
export function labelMatches(labels: Record<string, string>, spec: string): boolean {
  const [k, v] = splitPair(spec);
  return v === undefined ? Object.hasOwn(labels, k) : labels[k] === v;
}
