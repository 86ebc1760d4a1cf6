// Checks a create request with the API's own schema before sending it, so a bad --restart or
// --log-max-size is refused by the CLI with the flag named, and nothing is sent. The schema
// module (and zod with it) is imported lazily: `bosun ps` should not pay for it.
import type { CreateContainerRequest } from "../api/schemas.ts";
import { UsageError } from "./failure.ts";

const FLAG_OF: Readonly<Record<string, string>> = {
  name: "--name",
  command: "COMMAND",
  cwd: "-w",
  env: "-e",
  labels: "-l",
  restart: "--restart",
  stopSignal: "--stop-signal",
  stopTimeout: "--stop-timeout",
  "log.maxSize": "--log-max-size",
  "log.maxFiles": "--log-max-files",
  stdin: "-i",
  tty: "-t",
  autoRemove: "--rm",
  "resources.memory": "--memory",
  "resources.memorySwap": "--memory-swap",
  "resources.cpu": "--cpus",
  "resources.pids": "--pids-limit",
  isolate: "--isolate",
  network: "--network",
  hostname: "--hostname",
  rootfs: "--rootfs",
  readOnly: "--read-only",
  volumes: "-v",
  user: "--user",
  capAdd: "--cap-add",
  maxLifetime: "--max-lifetime",
  heartbeatTimeout: "--heartbeat-timeout",
};

function flagOf(path: readonly PropertyKey[]): string {
  const [head, next] = path.map(String);
  if ((head === "log" || head === "resources") && next) return FLAG_OF[`${head}.${next}`] ?? `--${head}`;
  const flag = FLAG_OF[head ?? ""] ?? head ?? "";
  // Name the variable or label: `-e FOO: …`.
  return (head === "env" || head === "labels") && next !== undefined ? `${flag} ${next}` : flag;
}

/** The request as the API will read it (signals and sizes normalised), or a UsageError. */
export async function validateCreateRequest(req: CreateContainerRequest): Promise<CreateContainerRequest> {
  const { CreateContainerRequest: schema } = await import("../api/schemas.ts");
  const r = schema.safeParse(req);
  if (r.success) return r.data;
  throw new UsageError(r.error.issues.map((i) => `${flagOf(i.path)}: ${i.message}`).join("; "));
}
