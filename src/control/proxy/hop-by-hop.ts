// Header fields that describe one connection rather than the message (RFC 7230 §6.1), which a
// proxy must not forward: the fixed set, plus whatever the Connection header lists.

/**
 * The lower-cased names of the hop-by-hop fields a Connection value lists beyond the usual
 * "close", "keep-alive" and "upgrade" (which name fields this module drops anyway); null when
 * there are none, which is nearly always.
 */
export function extraConnectionTokens(value: string): string[] | null {
  let extra: string[] | null = null;
  for (const part of value.split(",")) {
    const token = part.trim().toLowerCase();
    if (token === "" || token === "close" || token === "keep-alive" || token === "upgrade") continue;
    extra ??= [];
    extra.push(token);
  }
  return extra;
}

/** Whether a Connection value carries the token (case-insensitive). */
export function hasConnectionToken(value: string, token: string): boolean {
  const v = value.toLowerCase();
  let at = v.indexOf(token);
  while (at !== -1) {
    const before = at === 0 ? 44 : v.charCodeAt(at - 1);
    const after = at + token.length === v.length ? 44 : v.charCodeAt(at + token.length);
    if ((before === 44 || before === 32 || before === 9) && (after === 44 || after === 32 || after === 9)) {
      return true;
    }
    at = v.indexOf(token, at + 1);
  }
  return false;
}
