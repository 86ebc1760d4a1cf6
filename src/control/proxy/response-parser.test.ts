import assert from "node:assert/strict";
import { test } from "node:test";
import { ResponseParser, type ResponseSink } from "./response-parser.ts";

interface Parsed {
  status: number;
  reason: string;
  headers: string[];
  body: string;
  complete: boolean;
  error: string;
  /** Calls that carried body bytes, onComplete's included. */
  pieces: number;
}

function recorder(): { sink: ResponseSink; out: Parsed[] } {
  const out: Parsed[] = [];
  const cur = (): Parsed => out[out.length - 1]!;
  const sink: ResponseSink = {
    onHead: (status, reason, headers) => {
      out.push({ status, reason, headers, body: "", complete: false, error: "", pieces: 0 });
    },
    onBody: (chunk) => {
      cur().body += chunk.toString("latin1");
      cur().pieces++;
    },
    onComplete: (last) => {
      if (last !== null) {
        cur().body += last.toString("latin1");
        cur().pieces++;
      }
      cur().complete = true;
    },
    onProtocolError: (reason) => {
      if (out.length === 0)
        out.push({ status: 0, reason: "", headers: [], body: "", complete: false, error: "", pieces: 0 });
      cur().error = reason;
    },
  };
  return { sink, out };
}

/** Feeds `wire` whole, then again one byte at a time: both must parse the same. */
function parseBothWays(
  wire: string,
  isHead = false,
): { whole: Parsed[]; bytes: Parsed[]; parser: ResponseParser } {
  const a = recorder();
  const p1 = new ResponseParser(a.sink);
  p1.begin(isHead);
  p1.execute(Buffer.from(wire, "latin1"));
  const b = recorder();
  const p2 = new ResponseParser(b.sink);
  p2.begin(isHead);
  for (const byte of Buffer.from(wire, "latin1")) p2.execute(Buffer.from([byte]));
  const strip = (ps: Parsed[]): Omit<Parsed, "pieces">[] => ps.map(({ pieces: _, ...rest }) => rest);
  assert.deepEqual(strip(b.out), strip(a.out));
  assert.equal(p2.keepAlive, p1.keepAlive);
  return { whole: a.out, bytes: b.out, parser: p1 };
}

test("a sized response arriving in one read is passed on as one final piece", () => {
  const { whole, parser } = parseBothWays(
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
  );
  assert.deepEqual(whole, [
    {
      status: 200,
      reason: "OK",
      headers: ["Content-Type", "text/plain", "Content-Length", "5"],
      body: "hello",
      complete: true,
      error: "",
      pieces: 1,
    },
  ]);
  assert.equal(parser.keepAlive, true);
});

test("a chunked body is de-chunked, extensions and trailers skipped, Transfer-Encoding dropped", () => {
  const { whole, parser } = parseBothWays(
    "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n" +
      "5;name=value\r\nhello\r\n1A\r\n, this is twenty-six bytes\r\n0\r\nX-Trailer: t\r\n\r\n",
  );
  assert.equal(whole.length, 1);
  assert.equal(whole[0]!.body, "hello, this is twenty-six bytes");
  assert.deepEqual(whole[0]!.headers, ["X-A", "1"]);
  assert.equal(whole[0]!.complete, true);
  assert.equal(parser.keepAlive, true);
});

test("interim 1xx responses are skipped; the final one is passed on", () => {
  const { whole } = parseBothWays(
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
  );
  assert.equal(whole.length, 1);
  assert.equal(whole[0]!.status, 204);
  assert.equal(whole[0]!.complete, true);
});

test("responses to HEAD, and 204 and 304, have no body whatever their Content-Length says", () => {
  const head = parseBothWays("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", true).whole;
  assert.equal(head[0]!.complete, true);
  assert.deepEqual(head[0]!.headers, ["Content-Length", "100"]);
  const notModified = parseBothWays("HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n").whole;
  assert.equal(notModified[0]!.complete, true);
});

test("a body without length runs until EOF and the connection is not reused", () => {
  const a = recorder();
  const p = new ResponseParser(a.sink);
  p.begin(false);
  p.execute(Buffer.from("HTTP/1.1 200 OK\r\n\r\nsome "));
  p.execute(Buffer.from("bytes"));
  assert.equal(a.out[0]!.complete, false);
  assert.equal(p.untilEof, true);
  p.eof();
  assert.equal(a.out[0]!.body, "some bytes");
  assert.equal(a.out[0]!.complete, true);
  assert.equal(p.keepAlive, false);
});

test("EOF in the middle of a sized body is an error", () => {
  const a = recorder();
  const p = new ResponseParser(a.sink);
  p.begin(false);
  p.execute(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
  p.eof();
  assert.match(a.out[0]!.error, /closed the connection mid-response/);
  assert.equal(a.out[0]!.complete, false);
});

test("hop-by-hop fields and those the Connection header names are dropped", () => {
  const { whole, parser } = parseBothWays(
    "HTTP/1.1 200 OK\r\nConnection: close, X-Private\r\nKeep-Alive: timeout=5\r\nX-Private: secret\r\n" +
      "Proxy-Connection: keep-alive\r\nTrailer: X-Sum\r\nUpgrade: h2c\r\nTE: trailers\r\nX-Public: yes\r\nContent-Length: 0\r\n\r\n",
  );
  assert.deepEqual(whole[0]!.headers, ["X-Public", "yes", "Content-Length", "0"]);
  assert.equal(parser.keepAlive, false, "Connection: close");
});

test("HTTP/1.0 keeps the connection only when it says keep-alive; Keep-Alive's timeout is read", () => {
  const plain = parseBothWays("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").parser;
  assert.equal(plain.keepAlive, false);
  const kept = parseBothWays(
    "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nKeep-Alive: timeout=7, max=100\r\nContent-Length: 0\r\n\r\n",
  ).parser;
  assert.equal(kept.keepAlive, true);
  assert.equal(kept.keepAliveHintMs, 7000);
});

test("bytes after the end of the response make the connection unfit for reuse", () => {
  const { whole, parser } = parseBothWays("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA");
  assert.equal(whole[0]!.body, "ok");
  assert.equal(parser.keepAlive, false);
});

test("malformed responses are protocol errors", () => {
  const cases: [string, RegExp][] = [
    ["HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", /Content-Length/],
    ["HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", /Content-Length/],
    ["HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\n\r\n", /header line/],
    ["SSH-2.0-OpenSSH\r\n\r\n", /status line/],
    ["HTTP/1.1 2x0 OK\r\n\r\n", /status line/],
    ["HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", /Transfer-Encoding/],
    ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", /chunk size/],
    ["HTTP/1.1 101 Switching Protocols\r\n\r\n", /101/],
  ];
  for (const [wire, want] of cases) {
    const a = recorder();
    const p = new ResponseParser(a.sink);
    p.begin(false);
    p.execute(Buffer.from(wire, "latin1"));
    assert.match(a.out[a.out.length - 1]!.error, want, wire);
    assert.equal(p.keepAlive, false);
  }
});

test("a head larger than 64 KiB is refused", () => {
  const a = recorder();
  const p = new ResponseParser(a.sink);
  p.begin(false);
  const line = `X-Big: ${"a".repeat(1000)}\r\n`;
  p.execute(Buffer.from("HTTP/1.1 200 OK\r\n"));
  for (let i = 0; i < 70; i++) p.execute(Buffer.from(line));
  assert.match(a.out[0]!.error, /too large/);
});

test("one parser reads the responses of a keep-alive connection one after another", () => {
  const a = recorder();
  const p = new ResponseParser(a.sink);
  for (const body of ["first", "second"]) {
    p.begin(false);
    p.execute(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
  }
  assert.deepEqual(
    a.out.map((r) => [r.body, r.complete]),
    [
      ["first", true],
      ["second", true],
    ],
  );
});
