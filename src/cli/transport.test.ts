import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { WebSocketServer } from "ws";
import { BosunClient } from "../api/client.ts";
import { BosunError } from "../api/errors.ts";
import { nodeTransport } from "./transport.ts";

// A stand-in for bosund on a Unix socket: just enough routes to see the transport's behaviour.
let dir: string;
let socket: string;
let server: Server;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "bosun-transport-"));
  socket = join(dir, "s.sock");
  server = createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.url === "/v1/echo") {
        json(200, {
          method: req.method,
          type: req.headers["content-type"] ?? null,
          body: body ? JSON.parse(body) : null,
        });
      } else if (req.url === "/v1/containers/web/start") {
        res.writeHead(304).end();
      } else if (req.url?.startsWith("/v1/stream")) {
        // Lines cut mid-line and mid-character across chunks, and a last line without "\n".
        res.writeHead(200, { "content-type": "application/x-ndjson" });
        const bytes = Buffer.from("first\nsecond é\nthird");
        res.write(bytes.subarray(0, 3));
        setTimeout(() => res.write(bytes.subarray(3, 14)), 10);
        setTimeout(() => res.end(bytes.subarray(14)), 20);
      } else if (req.url?.startsWith("/v1/forever")) {
        res.writeHead(200);
        res.write("one\n");
      } else {
        json(404, { error: { code: "not_found", message: `no container named ${req.url}` } });
      }
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, sock, head) => {
    if (req.url !== "/v1/attach") {
      sock.end(
        'HTTP/1.1 409 Conflict\r\ncontent-type: application/json\r\n\r\n{"error":{"code":"conflict","message":"it exited"}}',
      );
      return;
    }
    wss.handleUpgrade(req, sock, head, (ws) => {
      // Says hello at once, before the client can have registered anything, then echoes.
      ws.send(Buffer.from([1, 104, 105]));
      ws.send(JSON.stringify({ type: "stdin-closed" }));
      ws.on("message", (data, isBinary) => {
        if (isBinary) ws.send(Buffer.concat([Buffer.from([2]), data as Buffer]));
        else ws.close(1000, "bye");
      });
    });
  });
  await new Promise<void>((ok) => server.listen(socket, ok));
});

after(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
  await rm(dir, { recursive: true, force: true });
});

test("request() sends JSON bodies and reads JSON answers", async () => {
  const t = nodeTransport(socket);
  const r = await t.request("POST", "/v1/echo", { a: 1 });
  assert.deepEqual(r, { status: 200, body: { method: "POST", type: "application/json", body: { a: 1 } } });
});

test("request() without a body does not claim to send JSON", async () => {
  const r = await nodeTransport(socket).request("POST", "/v1/echo");
  assert.deepEqual(r.body, { method: "POST", type: null, body: null });
});

test("a 304 reaches the client as not_modified", async () => {
  const client = new BosunClient(nodeTransport(socket));
  await assert.rejects(
    client.start("web"),
    (e: unknown) => e instanceof BosunError && e.code === "not_modified",
  );
});

test("an API error body becomes the same BosunError", async () => {
  const client = new BosunClient(nodeTransport(socket));
  await assert.rejects(client.inspect("nope"), { name: "BosunError", code: "not_found" });
});

test("a socket where nothing listens gives the unreachable sentence", async () => {
  const path = join(dir, "nobody.sock");
  await assert.rejects(nodeTransport(path).request("GET", "/v1/ping"), {
    code: "unreachable",
    message: `cannot reach bosund at ${path}: is it running? start it with \`bosund\``,
  });
});

test("lines() yields whole lines however the chunks fall", async () => {
  const got: string[] = [];
  for await (const line of nodeTransport(socket).lines("/v1/stream")) got.push(line);
  assert.deepEqual(got, ["first", "second é", "third"]);
});

test("lines() throws the API error of a non-2xx answer", async () => {
  const it = nodeTransport(socket).lines("/v1/nothing-here");
  await assert.rejects(
    async () => {
      for await (const _ of it) assert.fail("no line expected");
    },
    { code: "not_found" },
  );
});

test("lines() ends quietly when its signal aborts", async () => {
  const ac = new AbortController();
  const got: string[] = [];
  for await (const line of nodeTransport(socket).lines("/v1/forever", ac.signal)) {
    got.push(line);
    ac.abort();
  }
  assert.deepEqual(got, ["one"]);
});

test("channel() delivers what the server said before the callbacks existed, then echoes", async () => {
  const ch = await nodeTransport(socket).channel("/v1/attach");
  await new Promise((r) => setTimeout(r, 50));
  const got: (string | number[])[] = [];
  const closed = new Promise<[number, string]>((ok) => ch.onClose((code, reason) => ok([code, reason])));
  ch.onMessage((m) => {
    got.push(typeof m === "string" ? m : [...m]);
    if (got.length === 3) ch.send(JSON.stringify({ type: "close-stdin" }));
  });
  ch.send(new Uint8Array([111, 107]));
  assert.deepEqual(await closed, [1000, "bye"]);
  assert.deepEqual(got, [[1, 104, 105], '{"type":"stdin-closed"}', [2, 111, 107]]);
});

test("channel() refused by the server throws its API error", async () => {
  await assert.rejects(nodeTransport(socket).channel("/v1/other"), { name: "BosunError", code: "conflict" });
});

test("channel() to a socket where nothing listens gives the unreachable sentence", async () => {
  await assert.rejects(nodeTransport(join(dir, "nobody.sock")).channel("/v1/attach"), {
    code: "unreachable",
    message: /^cannot reach bosund at .*nobody\.sock: is it running\?/,
  });
});
