// Turns CRI log records back into the bytes the container wrote: a full record (F) ends a line,
// a partial one (P) does not. With timestamps, each line starts with the time of its first
// record, as `docker logs -t` prints it.
import type { LogRecord } from "../api/log-record.ts";

export class LogRenderer {
  private readonly atLineStart = { stdout: true, stderr: true };

  constructor(private readonly timestamps: boolean) {}

  render(rec: LogRecord): string {
    const stamp = this.timestamps && this.atLineStart[rec.stream] ? `${rec.time} ` : "";
    this.atLineStart[rec.stream] = !rec.partial;
    return `${stamp}${rec.text}${rec.partial ? "" : "\n"}`;
  }
}
