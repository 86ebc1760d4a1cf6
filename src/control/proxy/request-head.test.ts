import assert from "node:assert/strict";
import { test } from "node:test";
import { buildRequestHead, isIdempotent, type RequestFacts } from "./request-head.ts";

function build(raw: string[], upgrade = false): { head: string; facts: RequestFacts } {
  const facts: RequestFacts = { host: "stale", body: "chunked" };
  const head = buildRequestHead("POST", "/a?b=1", raw, "10.1.2.3", upgrade, facts);
  return { head, facts };
}

test("hop-by-hop fields and those Connection names are dropped; X-Forwarded-* are set", () => {
  const { head, facts } = build(
    [
      ["Host", "shop.test:8080"],
      ["Connection", "keep-alive, X-Hop"],
      ["X-Hop", "1"],
      ["Keep-Alive", "timeout=5"],
      ["TE", "trailers"],
      ["Trailer", "X-Sum"],
      ["Upgrade", "h2c"],
      ["Proxy-Connection", "keep-alive"],
      ["Expect", "100-continue"],
      ["X-Forwarded-For", "192.0.2.1"],
      ["X-Forwarded-Proto", "https"],
      ["X-Forwarded-Host", "spoofed"],
      ["Content-Length", "3"],
      ["Accept", "*/*"],
    ].flat(),
  );
  assert.equal(
    head,
    "POST /a?b=1 HTTP/1.1\r\nHost: shop.test:8080\r\nContent-Length: 3\r\nAccept: */*\r\n" +
      "X-Forwarded-For: 192.0.2.1, 10.1.2.3\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: shop.test:8080\r\n\r\n",
  );
  assert.deepEqual(facts, { host: "shop.test:8080", body: "length" });
});

test("a chunked request is announced as chunked; no body and a zero length need no body", () => {
  const chunked = build(["Host", "a", "Transfer-Encoding", "chunked"]);
  assert.equal(chunked.facts.body, "chunked");
  assert.match(chunked.head, /\r\nTransfer-Encoding: chunked\r\n/);
  assert.equal(build(["Host", "a"]).facts.body, "none");
  assert.equal(build(["Host", "a", "Content-Length", "0"]).facts.body, "none");
  assert.equal(build([]).facts.host, "");
});

test("an upgrade keeps Upgrade and asks for it in Connection", () => {
  const { head } = build(["Host", "a", "Connection", "Upgrade", "Upgrade", "websocket"], true);
  assert.match(head, /\r\nUpgrade: websocket\r\n/);
  assert.match(head, /\r\nConnection: Upgrade\r\n\r\n$/);
  assert.equal(head.match(/Connection:/g)?.length, 1);
});

test("isIdempotent() follows RFC 7231", () => {
  for (const m of ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]) assert.ok(isIdempotent(m), m);
  for (const m of ["POST", "PATCH", "CONNECT"]) assert.ok(!isIdempotent(m), m);
});
