import { BosunError } from "../../api/errors.ts";

/** One thing wrong in a spec file, and where: `spec.replicas: must be at least 0 (web.yaml:7)`. */
export interface SpecIssue {
  /** The field, as `spec.ports[0].name`; "" for the document itself. */
  path: string;
  message: string;
  file: string;
  line: number;
}

export function formatIssue(i: SpecIssue): string {
  return `${i.path ? `${i.path}: ` : ""}${i.message} (${i.file}:${i.line})`;
}

/** All the issues found in the spec files, one per line. A bad request, when it reaches the API. */
export class SpecError extends BosunError {
  constructor(readonly issues: readonly SpecIssue[]) {
    super("bad_request", issues.map(formatIssue).join("\n"));
  }
}
