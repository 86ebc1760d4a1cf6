// An HTTP check: GET the path on the replica's port; healthy on 200–399, as Docker and
// Kubernetes judge it. A fresh connection each time (agent: false): a pooled socket would hide
// a replica that no longer accepts connections.
import { request } from "node:http";
import { OUTPUT_LIMIT, type Probe } from "./probe.ts";

export function httpProbe(target: { path: string; port: number; host?: string }): Probe {
  const host = target.host ?? "127.0.0.1";
  return (signal) =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host,
          port: target.port,
          path: target.path,
          method: "GET",
          agent: false,
          signal,
          headers: { "user-agent": "bosun-health", connection: "close" },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const verdict = { ok: status >= 200 && status < 400, message: `HTTP ${status}` };
          // Keep the start of the body as the output; stop reading past the limit.
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            body += chunk;
            if (body.length >= OUTPUT_LIMIT) res.destroy();
          });
          res.once("close", () => resolve({ ...verdict, output: body.slice(0, OUTPUT_LIMIT) }));
          res.once("error", () => resolve({ ...verdict, output: body.slice(0, OUTPUT_LIMIT) }));
        },
      );
      req.once("error", reject);
      req.end();
    });
}
