// Writing to stdout and stderr without losing bytes: waits for drain when a pipe is full, and
// flushes before the process exits.
import { once } from "node:events";

type Stream = NodeJS.WritableStream;

export async function write(stream: Stream, text: string | Uint8Array): Promise<void> {
  if (!stream.write(text)) await once(stream, "drain");
}

export function printJson(value: unknown): Promise<void> {
  return write(process.stdout, `${JSON.stringify(value, null, 2)}\n`);
}

function flush(stream: Stream): Promise<void> {
  return new Promise((ok) => {
    try {
      stream.write("", () => ok());
    } catch {
      ok();
    }
  });
}

/** Exits once everything written so far has left the process. */
export async function flushAndExit(code: number): Promise<never> {
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(code);
}

/** `bosun logs web | head` must end quietly when head stops reading. */
export function exitQuietlyOnBrokenPipe(): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
    throw e;
  });
}
