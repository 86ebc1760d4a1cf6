// Parses a backend's response head: the status line and the fields, with the hop-by-hop ones
// dropped (RFC 7230 §6.1) and the body's framing worked out (§3.3.3). A malformed head gives a
// reason string instead: the proxy answers 502 rather than relay something ambiguous.
import { extraConnectionTokens, hasConnectionToken } from "./hop-by-hop.ts";

export interface ResponseHead {
  status: number;
  reason: string;
  /** Flat [name, value, …] for res.writeHead(): no hop-by-hop fields, no Transfer-Encoding. */
  headers: string[];
  /** The body length; -1 when chunked or running until EOF. */
  length: number;
  chunked: boolean;
  /** Whether the connection may carry another request afterwards (when the body is framed). */
  keepAlive: boolean;
  /** The backend's Keep-Alive timeout in ms, -1 when it named none. */
  keepAliveHintMs: number;
}

/** `text`: the head up to, not including, the blank line. */
export function parseResponseHead(text: string): ResponseHead | string {
  let eol = text.indexOf("\r\n");
  if (eol === -1) eol = text.length;
  // "HTTP/1.x NNN reason"
  if (eol < 12 || !text.startsWith("HTTP/1.") || text.charCodeAt(8) !== 32) return "malformed status line";
  if (eol > 12 && text.charCodeAt(12) !== 32) return "malformed status line";
  const minor = text.charCodeAt(7) - 48;
  const status = statusCode(text);
  if (status < 0 || minor < 0 || minor > 9) return "malformed status line";
  const reason = eol > 13 ? text.slice(13, eol) : "";
  const headers: string[] = [];
  let length = -1;
  let transferEncoding = "";
  let connection = "";
  let keepAliveValue = "";
  let pos = eol + 2;
  while (pos < text.length) {
    let end = text.indexOf("\r\n", pos);
    if (end === -1) end = text.length;
    const colon = text.indexOf(":", pos);
    const first = text.charCodeAt(pos);
    // Includes obs-fold (a line starting with white space), which RFC 7230 lets a proxy reject.
    if (colon === -1 || colon >= end || colon === pos || first === 32 || first === 9) {
      return "malformed header line";
    }
    const name = text.slice(pos, colon);
    const value = text.slice(colon + 1, end).trim();
    pos = end + 2;
    switch (name.length) {
      case 2:
        if (name.toLowerCase() === "te") continue;
        break;
      case 7: {
        const lc = name.toLowerCase();
        if (lc === "trailer" || lc === "upgrade") continue;
        break;
      }
      case 10: {
        const lc = name.toLowerCase();
        if (lc === "connection") {
          connection = connection === "" ? value : `${connection}, ${value}`;
          continue;
        }
        if (lc === "keep-alive") {
          keepAliveValue = value;
          continue;
        }
        break;
      }
      case 14:
        if (name.toLowerCase() === "content-length") {
          const n = contentLength(value);
          if (n < 0 || (length >= 0 && n !== length)) return "bad Content-Length";
          length = n;
          continue;
        }
        break;
      case 16:
        if (name.toLowerCase() === "proxy-connection") continue;
        break;
      case 17:
        if (name.toLowerCase() === "transfer-encoding") {
          transferEncoding = transferEncoding === "" ? value : `${transferEncoding}, ${value}`;
          continue;
        }
        break;
    }
    headers.push(name, value);
  }

  let chunked = false;
  if (transferEncoding !== "") {
    // Transfer-Encoding overrides Content-Length. Only a chunked body can be de-framed: other
    // codings would reach the client undeclared.
    const te = transferEncoding.toLowerCase();
    if (te !== "chunked") return "unsupported Transfer-Encoding";
    chunked = true;
    length = -1;
  } else if (length >= 0) {
    headers.push("Content-Length", String(length));
  }

  let extra: string[] | null = null;
  let close = false;
  let keepAlive = minor === 1;
  if (connection !== "") {
    // Nearly always a lone "keep-alive" or "close": no token parsing then.
    const lc = connection.length <= 10 ? connection.toLowerCase() : "";
    if (lc === "keep-alive") keepAlive = true;
    else if (lc === "close") close = true;
    else {
      extra = extraConnectionTokens(connection);
      close = hasConnectionToken(connection, "close");
      keepAlive ||= hasConnectionToken(connection, "keep-alive");
    }
  }
  return {
    status,
    reason,
    headers: extra === null ? headers : dropNamed(headers, extra),
    length,
    chunked,
    keepAlive: keepAlive && !close,
    keepAliveHintMs: keepAliveValue === "" ? -1 : keepAliveTimeout(keepAliveValue),
  };
}

function statusCode(text: string): number {
  const a = text.charCodeAt(9) - 48;
  const b = text.charCodeAt(10) - 48;
  const c = text.charCodeAt(11) - 48;
  if (a < 1 || a > 5 || b < 0 || b > 9 || c < 0 || c > 9) return -1;
  return a * 100 + b * 10 + c;
}

function contentLength(value: string): number {
  if (value.length === 0 || value.length > 15) return -1;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  return Number(value);
}

function keepAliveTimeout(value: string): number {
  const at = value.toLowerCase().indexOf("timeout=");
  if (at === -1) return -1;
  const n = Number.parseInt(value.slice(at + 8), 10);
  return Number.isFinite(n) && n >= 0 ? n * 1000 : -1;
}

function dropNamed(headers: string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!names.includes(headers[i]!.toLowerCase())) out.push(headers[i]!, headers[i + 1]!);
  }
  return out;
}
