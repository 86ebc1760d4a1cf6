import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import { test } from "node:test";
import { Balancer } from "./balancer.ts";
import { deadPort, fetchVia, header, startRawBackend } from "./fake-backend.ts";
import { backends, balancer, defer, rawClient } from "./test-fixture.ts";

async function sequential(port: number, n: number, path = "/"): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetchVia(port, path);
    assert.equal(r.status, 200);
    bodies.push(r.text);
  }
  return bodies;
}

function tally(bodies: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of bodies) out[b] = (out[b] ?? 0) + 1;
  return out;
}

test("round-robin spreads requests evenly over three backends", async () => {
  const [a, b, c] = await backends("a", "b", "c");
  const { port } = await balancer([
    { app: "web", strategy: "round-robin", backends: [a!.spec(), b!.spec(), c!.spec()] },
  ]);
  assert.deepEqual(tally(await sequential(port, 30)), { a: 10, b: 10, c: 10 });
});

test("a backend that is not ready gets nothing", async () => {
  const [a, b] = await backends("a", "b");
  const { port } = await balancer([
    { app: "web", strategy: "round-robin", backends: [a!.spec(false), b!.spec()] },
  ]);
  assert.deepEqual(tally(await sequential(port, 6)), { b: 6 });
});

test("least-connections sends new requests to the idle backend, round-robin does not", async () => {
  for (const strategy of ["least-connections", "round-robin"] as const) {
    const [slow, fast] = await backends(`slow-${strategy}`, `fast-${strategy}`);
    const { port } = await balancer([{ app: "web", strategy, backends: [slow!.spec(), fast!.spec()] }]);
    slow!.hold();
    const pending = fetchVia(port, "/");
    await slow!.received(1);
    const later: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = fetchVia(port, "/");
      if (strategy === "round-robin" && i % 2 === 1) {
        // Round-robin keeps feeding the busy backend; let those go so the loop can go on.
        await slow!.received(1 + (i + 1) / 2);
        slow!.release();
        slow!.hold();
      }
      later.push((await r).text);
    }
    slow!.release();
    assert.equal((await pending).text, slow!.name);
    if (strategy === "least-connections") assert.deepEqual(tally(later), { [fast!.name]: 4 });
    else assert.deepEqual(tally(later), { [fast!.name]: 2, [slow!.name]: 2 });
  }
});

test("a request to a backend that refuses connections is retried on another, and no client sees an error", async () => {
  const [b, c] = await backends("b", "c");
  const dead = { id: "dead", host: "127.0.0.1", port: await deadPort(), ready: true };
  const { lb, port } = await balancer([
    { app: "web", strategy: "round-robin", backends: [dead, b!.spec(), c!.spec()] },
  ]);
  const bodies = await sequential(port, 12);
  assert.deepEqual(Object.keys(tally(bodies)).sort(), ["b", "c"]);
  const m = lb.metrics().apps.web!;
  assert.equal(m.status["2xx"], 12);
  assert.equal(m.status["5xx"], 0);
  // Each time the cursor lands on the dead backend, the attempt moves on to the next one.
  assert.ok(m.errors.connect >= 4);
  assert.equal(m.errors.retried, m.errors.connect);
  assert.equal(m.backends.dead!.errors.connect, m.errors.connect);
  assert.equal(m.backends.dead!.requests, 0);
});

test("when every backend refuses, the client gets a 502 after one retry", async () => {
  const dead1 = { id: "d1", host: "127.0.0.1", port: await deadPort(), ready: true };
  const dead2 = { id: "d2", host: "127.0.0.1", port: await deadPort(), ready: true };
  const { lb, port } = await balancer([{ app: "web", strategy: "round-robin", backends: [dead1, dead2] }]);
  const r = await fetchVia(port, "/");
  assert.equal(r.status, 502);
  const m = lb.metrics().apps.web!;
  assert.equal(m.errors.connect, 2);
  assert.equal(m.errors.badGateway, 1);
  assert.equal(m.status["5xx"], 1);
});

test("a POST whose connection breaks after it was sent is not replayed", async () => {
  const raw = await startRawBackend((_head, _write, destroy) => destroy());
  defer(() => raw.close());
  const [b] = await backends("b");
  const { port } = await balancer([
    {
      app: "web",
      strategy: "round-robin",
      backends: [{ id: "raw", host: "127.0.0.1", port: raw.port, ready: true }, b!.spec()],
    },
  ]);
  const r = await fetchVia(port, "/", { method: "POST", body: "pay once" });
  assert.equal(r.status, 502);
  assert.equal(raw.heads.length, 1);
  assert.equal(b!.seen.length, 0);
  // A GET without a body is safe to replay.
  const g = await fetchVia(port, "/");
  assert.equal(g.status, 200);
  assert.equal(g.text, "b");
});

test("a drained backend gets nothing new while its slow request completes", async () => {
  const [a, b] = await backends("a", "b");
  const { lb, port } = await balancer([
    { app: "web", strategy: "round-robin", backends: [a!.spec(), b!.spec()] },
  ]);
  a!.hold();
  const slow = fetchVia(port, "/slow");
  await a!.received(1);
  lb.drain("a");
  let drained = false;
  const done = lb.drained("a").then(() => {
    drained = true;
  });
  assert.deepEqual(tally(await sequential(port, 6)), { b: 6 });
  assert.equal(drained, false);
  assert.equal(lb.metrics().apps.web!.backends.a!.inflight, 1);
  a!.release();
  const r = await slow;
  assert.equal(r.status, 200);
  assert.equal(r.text, "a");
  await done;
  const m = lb.metrics().apps.web!.backends.a!;
  assert.equal(m.inflight, 0);
  assert.equal(m.draining, true);
  assert.equal(a!.seen.length, 1);
});

test("a backend dropped from the routes drains the same way", async () => {
  const [a, b] = await backends("a", "b");
  const { lb, port } = await balancer([
    { app: "web", strategy: "round-robin", backends: [a!.spec(), b!.spec()] },
  ]);
  a!.hold();
  const slow = fetchVia(port, "/");
  await a!.received(1);
  lb.setRoutes([{ app: "web", strategy: "round-robin", backends: [b!.spec()] }]);
  assert.deepEqual(tally(await sequential(port, 3)), { b: 3 });
  const waiting = lb.drained("a");
  a!.release();
  assert.equal((await slow).text, "a");
  await waiting;
  assert.equal(lb.metrics().apps.web!.backends.a, undefined);
});

test("a WebSocket-style upgrade passes through and echoes", async () => {
  const [a] = await backends("a");
  const { lb, port } = await balancer([{ app: "web", strategy: "round-robin", backends: [a!.spec()] }]);
  const { socket, got, until } = rawClient(port);
  socket.write("GET /chat HTTP/1.1\r\nHost: chat.test\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
  await until("\r\n\r\n");
  assert.match(got(), /^HTTP\/1\.1 101 /);
  assert.match(got(), /X-Backend: a/);
  socket.write("ping across the tunnel");
  await until("ping across the tunnel");
  const seen = a!.seen[0]!;
  assert.equal(header(seen.rawHeaders, "upgrade"), "echo");
  assert.equal(header(seen.rawHeaders, "connection"), "Upgrade");
  const m = lb.metrics().apps.web!;
  assert.equal(m.status["1xx"], 1);
  assert.equal(m.backends.a!.connections, 1);
});

test("routes by host, then by the longest path prefix", async () => {
  const [api, v2, assets, web] = await backends("api", "v2", "assets", "web");
  const { port } = await balancer([
    { app: "api", host: "api.test", strategy: "round-robin", backends: [api!.spec()] },
    { app: "api-v2", host: "api.test", pathPrefix: "/v2", strategy: "round-robin", backends: [v2!.spec()] },
    { app: "assets", pathPrefix: "/static/", strategy: "round-robin", backends: [assets!.spec()] },
    { app: "web", strategy: "round-robin", backends: [web!.spec()] },
  ]);
  const cases: [string, string, string][] = [
    ["api.test:8080", "/users", "api"],
    ["API.test", "/v2/users?x=1", "v2"],
    ["api.test", "/v2", "v2"],
    ["api.test", "/v20", "api"],
    ["api.test", "/static/x.css", "api"],
    ["www.test", "/static/x.css", "assets"],
    ["www.test", "/static", "assets"],
    ["www.test", "/staticx", "web"],
    ["www.test", "/", "web"],
  ];
  for (const [host, path, want] of cases) {
    const r = await fetchVia(port, path, { headers: { host } });
    assert.equal(r.text, want, `${host}${path}`);
  }
});

test("answers 404 when no route matches and 503 when the route has no ready backend", async () => {
  const [a] = await backends("a");
  const { lb, port } = await balancer([
    { app: "site", host: "site.test", strategy: "round-robin", backends: [a!.spec()] },
    { app: "down", host: "down.test", strategy: "round-robin", backends: [a!.spec(false)] },
  ]);
  const none = await fetchVia(port, "/", { headers: { host: "other.test" } });
  assert.equal(none.status, 404);
  assert.match(none.text, /no route/);
  const down = await fetchVia(port, "/", { headers: { host: "down.test" } });
  assert.equal(down.status, 503);
  assert.match(down.text, /no ready backend/);
  const m = lb.metrics();
  assert.equal(m.unrouted, 1);
  assert.equal(m.apps.down!.errors.unavailable, 1);
  assert.equal(m.apps.down!.status["5xx"], 1);
  assert.equal(a!.seen.length, 0);
});

test("hop-by-hop headers are not forwarded either way; X-Forwarded-* are added", async () => {
  const raw = await startRawBackend((_head, write) => {
    write(
      "HTTP/1.1 200 OK\r\nConnection: X-Secret, keep-alive\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\n" +
        "Proxy-Connection: keep-alive\r\nTrailer: X-Sum\r\nUpgrade: nothing\r\nX-Kept: yes\r\n" +
        "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Sum: 1\r\n\r\n",
    );
  });
  defer(() => raw.close());
  const { port } = await balancer([
    {
      app: "web",
      strategy: "round-robin",
      backends: [{ id: "raw", host: "127.0.0.1", port: raw.port, ready: true }],
    },
  ]);
  const r = await fetchVia(port, "/p?q=1", {
    headers: {
      host: "shop.test",
      connection: "keep-alive, X-Hop",
      "x-hop": "1",
      "keep-alive": "timeout=9",
      te: "trailers",
      "proxy-connection": "keep-alive",
      upgrade: "h2c",
      "x-forwarded-for": "10.0.0.1",
      "x-forwarded-proto": "https",
      "x-end-to-end": "kept",
    },
  });
  assert.equal(r.status, 200);
  assert.equal(r.text, "ok");
  for (const name of ["x-secret", "trailer", "proxy-connection", "upgrade"]) {
    assert.equal(header(r.rawHeaders, name), undefined, name);
  }
  assert.equal(header(r.rawHeaders, "x-kept"), "yes");
  const head = raw.heads[0]!.toLowerCase();
  assert.match(head, /^get \/p\?q=1 http\/1\.1\r\n/);
  for (const name of ["connection", "x-hop", "keep-alive", "te", "proxy-connection", "upgrade"]) {
    assert.doesNotMatch(head, new RegExp(`\r\n${name}:`), name);
  }
  assert.match(head, /\r\nx-end-to-end: kept/);
  assert.match(head, /\r\nhost: shop\.test/);
  assert.match(head, /\r\nx-forwarded-for: 10\.0\.0\.1, 127\.0\.0\.1/);
  assert.match(head, /\r\nx-forwarded-proto: http(\r|$)/);
  assert.match(head, /\r\nx-forwarded-host: shop\.test/);
});

test("backend connections are kept alive and reused", async () => {
  const [a] = await backends("a");
  const { lb, port } = await balancer([{ app: "web", strategy: "round-robin", backends: [a!.spec()] }]);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  defer(() => agent.destroy());
  for (let i = 0; i < 20; i++) assert.equal((await fetchVia(port, "/", { agent })).text, "a");
  assert.equal(a!.seen.length, 20);
  assert.equal(a!.connections(), 1);
  assert.equal(lb.metrics().apps.web!.backends.a!.connections, 1);
  assert.equal(lb.metrics().clientConnections, 1);
});

test("request and response bodies stream through, chunked and sized", async () => {
  const [a] = await backends("a");
  const { port } = await balancer([{ app: "web", strategy: "round-robin", backends: [a!.spec()] }]);
  const big = Buffer.alloc(3 * 1024 * 1024 + 7);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const sized = await fetchVia(port, "/upload", { method: "POST", body: big });
  assert.equal(sized.status, 200);
  assert.ok(sized.body.equals(big));
  // No Content-Length: node sends the body chunked; the backend answers chunked too.
  const chunked = await new Promise<Buffer>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/c", method: "POST" }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve(Buffer.concat(parts)));
    });
    req.on("error", reject);
    req.write(big.subarray(0, 1000));
    setImmediate(() => req.end(big.subarray(1000, 200_000)));
  });
  assert.ok(chunked.equals(big.subarray(0, 200_000)));
  assert.equal(a!.seen[1]!.body.length, 200_000);
  assert.equal(header(a!.seen[1]!.rawHeaders, "transfer-encoding"), "chunked");
});

test("metrics count requests per app and backend, with ordered latency percentiles", async () => {
  const [a, b] = await backends("a", "b");
  const { lb, port } = await balancer([
    { app: "web", strategy: "round-robin", backends: [a!.spec(), b!.spec()] },
  ]);
  await sequential(port, 20);
  await fetchVia(port, "/", { headers: { host: "x" } });
  const m = lb.metrics();
  const web = m.apps.web!;
  assert.equal(web.requests, 21);
  assert.equal(web.status["2xx"], 21);
  assert.equal(web.inflight, 0);
  assert.equal(web.backends.a!.requests + web.backends.b!.requests, 21);
  assert.ok(web.rate > 0);
  assert.ok(web.latencyMs.p50 > 0);
  assert.ok(web.latencyMs.p50 <= web.latencyMs.p95 && web.latencyMs.p95 <= web.latencyMs.p99);
  assert.equal(web.connections, 2);
  assert.deepEqual(JSON.parse(JSON.stringify(m)), m);
});

test("a client that goes away mid-request frees the backend slot", async () => {
  const [a] = await backends("a");
  const { lb, port } = await balancer([{ app: "web", strategy: "round-robin", backends: [a!.spec()] }]);
  a!.hold();
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await a!.received(1);
  socket.destroy();
  await lb.drained("a");
  const m = lb.metrics().apps.web!;
  assert.equal(m.errors.clientAborted, 1);
  assert.equal(m.inflight, 0);
  a!.release();
});

test("a keep-alive connection the backend closed while idle is not reused", async () => {
  const raw = await startRawBackend((_head, write, destroy) => {
    write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    setImmediate(destroy); // like a backend whose keep-alive timeout is very short
  });
  defer(() => raw.close());
  const { lb, port } = await balancer([
    {
      app: "web",
      strategy: "round-robin",
      backends: [{ id: "raw", host: "127.0.0.1", port: raw.port, ready: true }],
    },
  ]);
  for (let i = 0; i < 3; i++) {
    const r = await fetchVia(port, "/", { method: "POST", body: "x" });
    assert.equal(r.status, 200);
    assert.equal(r.text, "ok");
    // Until the close reaches the balancer, its connection still counts.
    while (lb.metrics().apps.web!.connections !== 0) await new Promise((resolve) => setImmediate(resolve));
  }
  // A POST is never replayed: had a dead pooled connection been picked, one of these would be a 502.
  assert.equal(raw.heads.length, 3);
  assert.equal(lb.metrics().apps.web!.errors.upstream, 0);
});

test("close() right after listen() leaves nothing listening", async () => {
  const lb = new Balancer();
  const listening = lb.listen({ port: 0, host: "localhost" });
  await lb.close();
  await assert.rejects(listening, /closed before it could listen/);
});
