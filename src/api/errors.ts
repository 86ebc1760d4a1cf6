// One error class with a code from a closed union, and one table that maps each code to its
// HTTP status and a hint. The daemon throws it, the API serialises it, the client turns the
// JSON back into the same class, and the CLI prints message and hint. Every code is listed in
// docs/errors.md (a test checks it).

export const ERROR_TABLE = {
  bad_request: { status: 400, hint: undefined },
  unauthorized: { status: 401, hint: "pass the API token with `Authorization: Bearer TOKEN`" },
  forbidden: { status: 403, hint: undefined },
  not_found: { status: 404, hint: "`bosun ps -a` lists the containers" },
  ambiguous: { status: 400, hint: "give more characters of the id, or the name" },
  name_in_use: { status: 409, hint: "remove it with `bosun rm`, or pick another --name" },
  conflict: { status: 409, hint: undefined },
  quota_exceeded: {
    status: 403,
    hint: "stopped containers count too: `bosun rm` the ones you no longer need (`bosun ps -a` lists them)",
  },
  locked_down: { status: 423, hint: "lift it with `bosun lockdown off`" },
  not_modified: { status: 304, hint: undefined },
  exec_failed: { status: 400, hint: "check the command, its PATH and the working directory" },
  shim_failed: { status: 500, hint: "the container's shim.log in its state directory may say more" },
  internal: { status: 500, hint: undefined },
  unreachable: { status: 503, hint: undefined },
} as const satisfies Record<string, { status: number; hint: string | undefined }>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_TABLE, code);
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; hint?: string };
}

export class BosunError extends Error {
  override readonly name = "BosunError";
  readonly hint: string | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    hint?: string,
  ) {
    super(message);
    this.hint = hint ?? ERROR_TABLE[code].hint;
  }

  get status(): number {
    return ERROR_TABLE[this.code].status;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.hint !== undefined ? { hint: this.hint } : {}),
      },
    };
  }

  static fromBody(status: number, body: unknown): BosunError {
    const e = (body as Partial<ErrorBody> | undefined)?.error;
    if (e && isErrorCode(e.code) && typeof e.message === "string")
      return new BosunError(e.code, e.message, e.hint);
    return new BosunError(status >= 500 ? "internal" : "bad_request", `unexpected response: HTTP ${status}`);
  }
}
