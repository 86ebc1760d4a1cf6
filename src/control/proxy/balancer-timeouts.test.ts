// The balancer's timeouts, against backends that accept and then say nothing: the response
// timeout (504, not retried), a stalled body, the connect timeout (retried), and the WebSocket
// that may idle for ever. Timeouts are short; the tests wait for things to end, not for a time.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fetchVia, header, stuckPort } from "./fake-backend.ts";
import { backends, balancer, defer, rawBackend, rawClient } from "./test-fixture.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a backend that accepts and never answers gets the client a 504, and is not sent the request again", async () => {
  const silent = await rawBackend(() => {});
  const [b] = await backends("b");
  const { lb, port } = await balancer(
    [{ app: "web", strategy: "round-robin", backends: [silent.spec("silent"), b!.spec()] }],
    { responseTimeoutMs: 200 },
  );
  const r = await fetchVia(port, "/");
  assert.equal(r.status, 504);
  assert.match(r.text, /gateway timeout/);
  assert.equal(header(r.rawHeaders, "connection"), "close");
  // Its connection is closed, not kept for the next request.
  await silent.closed(1);
  // Not replayed: the backend has the request and may be acting on it.
  assert.equal(b!.seen.length, 0);
  const next = await fetchVia(port, "/");
  assert.equal(next.status, 200);
  assert.equal(next.text, "b");
  const m = lb.metrics().apps.web!;
  assert.equal(m.errors.timeout, 1);
  assert.equal(m.errors.retried, 0);
  assert.equal(m.errors.badGateway, 0);
  assert.equal(m.status["5xx"], 1);
  assert.equal(m.status["2xx"], 1);
  assert.equal(m.inflight, 0);
  assert.equal(m.backends.silent!.errors.timeout, 1);
  assert.equal(m.backends.silent!.status["5xx"], 1);
  assert.equal(m.backends.silent!.inflight, 0);
  assert.equal(silent.heads.length, 1);
});

test("a pooled connection idle for longer than the response timeout is reused, and still timed", async () => {
  // Answers the first request on a connection, and never the second.
  const once = await rawBackend((_head, write) => {
    if (once.heads.length === 1) write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  });
  const { lb, port } = await balancer(
    [{ app: "web", strategy: "round-robin", backends: [once.spec("once")] }],
    {
      responseTimeoutMs: 200,
    },
  );
  assert.equal((await fetchVia(port, "/")).text, "ok");
  await sleep(500);
  assert.equal((await fetchVia(port, "/")).status, 504);
  assert.equal(once.heads.length, 2);
  assert.equal(once.connections(), 1);
  await once.closed(1);
  assert.equal(lb.metrics().apps.web!.errors.timeout, 1);
});

test("a response body that stalls midway cuts the client's connection", async () => {
  const stalling = await rawBackend((_head, write) => {
    write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nthe first part");
  });
  const { lb, port } = await balancer(
    [{ app: "web", strategy: "round-robin", backends: [stalling.spec("stalling")] }],
    { responseTimeoutMs: 200 },
  );
  const client = rawClient(port);
  const ended = new Promise<void>((resolve) => client.socket.once("close", () => resolve()));
  client.socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await ended;
  assert.match(client.got(), /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(client.got(), /the first part$/);
  await stalling.closed(1);
  const m = lb.metrics().apps.web!;
  assert.equal(m.errors.timeout, 1);
  assert.equal(m.inflight, 0);
  assert.equal(m.status["2xx"], 0);
});

test("a backend slower than the timeout in all but each pause is answered, and a route may allow longer", async () => {
  // The head comes after a pause, then the body in pieces: more than the timeout in all, but
  // never that long between two reads.
  const trickle = await rawBackend((_head, write) => {
    const pieces = ["HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n", "a", "b", "c", "d", "e", "f"];
    const next = (): void => {
      write(pieces.shift()!);
      if (pieces.length !== 0) setTimeout(next, 75);
    };
    setTimeout(next, 75);
  });
  const [slow] = await backends("slow");
  const { lb, port } = await balancer(
    [
      { app: "trickle", pathPrefix: "/trickle", strategy: "round-robin", backends: [trickle.spec("t")] },
      // This route's own timeout is longer than the balancer's.
      { app: "slow", responseTimeoutMs: 5000, strategy: "round-robin", backends: [slow!.spec()] },
    ],
    { responseTimeoutMs: 300 },
  );
  const r = await fetchVia(port, "/trickle");
  assert.equal(r.status, 200);
  assert.equal(r.text, "abcdef");
  slow!.hold();
  const pending = fetchVia(port, "/");
  await slow!.received(1);
  await sleep(600);
  slow!.release();
  const s = await pending;
  assert.equal(s.status, 200);
  assert.equal(s.text, "slow");
  assert.equal(lb.metrics().apps.trickle!.errors.timeout, 0);
  assert.equal(lb.metrics().apps.slow!.errors.timeout, 0);
});

test("a WebSocket tunnel idle for longer than the response timeout stays open", async () => {
  const [a] = await backends("a");
  const { lb, port } = await balancer([{ app: "web", strategy: "round-robin", backends: [a!.spec()] }], {
    responseTimeoutMs: 200,
  });
  const client = rawClient(port);
  let closed = false;
  client.socket.once("close", () => {
    closed = true;
  });
  client.socket.write("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
  await client.until("\r\n\r\n");
  assert.match(client.got(), /^HTTP\/1\.1 101 /);
  await sleep(600);
  assert.equal(closed, false);
  client.socket.write("still there");
  await client.until("still there");
  assert.equal(lb.metrics().apps.web!.errors.timeout, 0);
});

test("an upgrade the backend never answers gets a 504", async () => {
  const silent = await rawBackend(() => {});
  const { lb, port } = await balancer(
    [{ app: "web", strategy: "round-robin", backends: [silent.spec("silent")] }],
    { responseTimeoutMs: 200 },
  );
  const client = rawClient(port);
  const ended = new Promise<void>((resolve) => client.socket.once("close", () => resolve()));
  client.socket.write("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
  await ended;
  assert.match(client.got(), /^HTTP\/1\.1 504 Gateway Timeout\r\n/);
  await silent.closed(1);
  const m = lb.metrics().apps.web!;
  assert.equal(m.errors.timeout, 1);
  assert.equal(m.status["5xx"], 1);
  assert.equal(m.backends.silent!.connections, 0);
});

test("a connect that times out is a failed connect: the request goes to another backend", async () => {
  const stuck = await stuckPort();
  defer(() => stuck.close());
  const [b] = await backends("b");
  const { lb, port } = await balancer(
    [
      {
        app: "web",
        strategy: "round-robin",
        backends: [{ id: "stuck", host: "127.0.0.1", port: stuck.port, ready: true }, b!.spec()],
      },
    ],
    { connectTimeoutMs: 200 },
  );
  const r = await fetchVia(port, "/");
  assert.equal(r.status, 200);
  assert.equal(r.text, "b");
  const m = lb.metrics().apps.web!;
  assert.equal(m.errors.connect, 1);
  assert.equal(m.errors.retried, 1);
  assert.equal(m.errors.timeout, 0);
  assert.equal(m.backends.stuck!.errors.connect, 1);
});
