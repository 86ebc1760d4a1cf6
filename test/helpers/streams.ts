// Reading a container's output in tests: its log through the API, and attach channels.
import type { BosunClient, Channel } from "../../src/api/client.ts";

/** The container's stdout (or stderr) as text, rebuilt from its log records. */
export async function logText(
  client: BosunClient,
  ref: string,
  stream: "stdout" | "stderr" = "stdout",
): Promise<string> {
  let out = "";
  for await (const r of client.logs(ref)) if (r.stream === stream) out += r.partial ? r.text : `${r.text}\n`;
  return out;
}

export interface Collected {
  stdout: string;
  stderr: string;
  controls: { type: string; [k: string]: unknown }[];
  closed: Promise<void>;
}

/** Collects everything an attach channel says until it closes. */
export function collect(ch: Channel): Collected {
  const c: Collected = { stdout: "", stderr: "", controls: [], closed: Promise.resolve() };
  c.closed = new Promise((resolve) => ch.onClose(() => resolve()));
  ch.onMessage((m) => {
    if (typeof m === "string") c.controls.push(JSON.parse(m));
    else if (m[0] === 1) c.stdout += Buffer.from(m.subarray(1)).toString();
    else c.stderr += Buffer.from(m.subarray(1)).toString();
  });
  return c;
}
