// Rewrites a client's request head for a backend: drops the hop-by-hop fields, adds the
// X-Forwarded-* fields, and states the body's framing. Works on node's rawHeaders so that the
// lazily built `req.headers` object is never made; names are lower-cased only when their length
// matches a field this cares about.
import { extraConnectionTokens } from "./hop-by-hop.ts";

/** How the request body reaches the backend. */
export type BodyKind = "none" | "length" | "chunked";

export interface RequestFacts {
  /** The Host header as sent, "" when absent. */
  host: string;
  body: BodyKind;
}

/**
 * `upgrade`: keep Upgrade and send "Connection: Upgrade" (a WebSocket handshake); otherwise both
 * are dropped. A chunked request body is re-chunked by the caller (node has decoded it); its
 * trailers are not forwarded. Expect is dropped: node has already answered 100-continue.
 */
export function buildRequestHead(
  method: string,
  url: string,
  raw: readonly string[],
  clientIp: string,
  upgrade: boolean,
  facts: RequestFacts,
): string {
  const n = raw.length;
  let extra: string[] | null = null;
  for (let i = 0; i < n; i += 2) {
    const name = raw[i]!;
    if (name.length === 10 && name.toLowerCase() === "connection") {
      const more = extraConnectionTokens(raw[i + 1]!);
      if (more !== null) extra = extra === null ? more : extra.concat(more);
    }
  }
  let head = `${method} ${url} HTTP/1.1\r\n`;
  let forwardedFor = "";
  facts.host = "";
  facts.body = "none";
  for (let i = 0; i < n; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    switch (name.length) {
      case 2:
        if (name.toLowerCase() === "te") continue;
        break;
      case 4:
        if (name.toLowerCase() === "host") facts.host = value;
        break;
      case 6:
        if (name.toLowerCase() === "expect") continue;
        break;
      case 7: {
        const lc = name.toLowerCase();
        if (lc === "trailer" || (lc === "upgrade" && !upgrade)) continue;
        break;
      }
      case 10: {
        const lc = name.toLowerCase();
        if (lc === "connection" || lc === "keep-alive") continue;
        break;
      }
      case 14:
        if (name.toLowerCase() === "content-length" && facts.body === "none" && value !== "0") {
          facts.body = "length";
        }
        break;
      case 15:
        if (name.toLowerCase() === "x-forwarded-for") {
          forwardedFor = forwardedFor === "" ? value : `${forwardedFor}, ${value}`;
          continue;
        }
        break;
      case 16: {
        const lc = name.toLowerCase();
        if (lc === "x-forwarded-host" || lc === "proxy-connection") continue;
        break;
      }
      case 17: {
        const lc = name.toLowerCase();
        if (lc === "transfer-encoding") {
          // Node accepts a request body only when chunked is the final coding; it decoded it.
          facts.body = "chunked";
          continue;
        }
        if (lc === "x-forwarded-proto") continue;
        break;
      }
    }
    if (extra?.includes(name.toLowerCase())) continue;
    head += `${name}: ${value}\r\n`;
  }
  if (facts.body === "chunked") head += "Transfer-Encoding: chunked\r\n";
  head += `X-Forwarded-For: ${forwardedFor === "" ? clientIp : `${forwardedFor}, ${clientIp}`}\r\n`;
  head += "X-Forwarded-Proto: http\r\n";
  if (facts.host !== "") head += `X-Forwarded-Host: ${facts.host}\r\n`;
  if (upgrade) head += "Connection: Upgrade\r\n";
  return `${head}\r\n`;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/** RFC 7231 §4.2.2. */
export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method);
}
