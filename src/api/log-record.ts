// The CRI log line format the shim writes and the logs route streams:
// `2026-11-21T23:38:17.619726507Z stdout F text`. F ends a line, P is a fragment of one.

export interface LogRecord {
  time: string;
  stream: "stdout" | "stderr";
  partial: boolean;
  text: string;
}

export function parseLogLine(line: string): LogRecord | undefined {
  const a = line.indexOf(" ");
  const b = line.indexOf(" ", a + 1);
  if (a < 0 || b < 0 || (line[b + 2] !== " " && b + 2 !== line.length)) return undefined;
  const stream = line.slice(a + 1, b);
  const tag = line[b + 1];
  if ((stream !== "stdout" && stream !== "stderr") || (tag !== "F" && tag !== "P")) return undefined;
  return { time: line.slice(0, a), stream, partial: tag === "P", text: line.slice(b + 3) };
}

/** Nanosecond-precision RFC 3339 timestamps compare as strings once their width is equal. */
export function compareLogTime(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
