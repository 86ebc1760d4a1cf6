// The COMMAND column: the argv as a shell would read it, quoted and cut to fit, like docker ps.

const SAFE = /^[\w@%+=:,./-]+$/;

/** Joins an argv so it can be pasted into a shell: `sh -c 'exit 3'`. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map((a) => (SAFE.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(" ");
}

/** Cuts a string to `max` characters, marking the cut with an ellipsis. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join("")}…`;
}

export function formatCommand(argv: readonly string[], truncate: boolean): string {
  const line = shellJoin(argv);
  return `"${truncate ? ellipsis(line, 20) : line}"`;
}
