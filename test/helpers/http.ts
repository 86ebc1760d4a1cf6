// Raw HTTP against the daemon's socket, for tests that check status codes and error bodies
// exactly as a non-bosun client would see them.
import { request } from "node:http";

export interface RawResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the daemon answers
  body: any;
  text: string;
}

export function raw(
  socketPath: string,
  method: string,
  path: string,
  body?: unknown | string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const req = request(
      { socketPath, method, path, headers: data === undefined ? {} : { "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c) => (text += c));
        res.on("end", () => {
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}
