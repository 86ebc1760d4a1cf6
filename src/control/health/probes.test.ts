// The probes against real sockets: each must give its verdict within its timeout and leave no
// socket behind.
import assert from "node:assert/strict";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { type AddressInfo, createServer, type Server } from "node:net";
import { after, before, describe, test } from "node:test";
import { systemClock } from "./clock.ts";
import { type ExecFn, execProbe } from "./exec-probe.ts";
import { httpProbe } from "./http-probe.ts";
import { ManualClock } from "./manual-clock.ts";
import { type Probe, runProbe } from "./probe.ts";
import { tcpProbe } from "./tcp-probe.ts";

const run = (probe: Probe, timeoutMs = 5_000) => runProbe(probe, { timeoutMs, clock: systemClock });

function listen<S extends Server | HttpServer>(server: S): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

describe("http probe", () => {
  const server = createHttpServer((req, res) => {
    if (req.url === "/hang") return; // never answers
    const status = req.url === "/ok" ? 200 : req.url === "/moved" ? 302 : 500;
    res.writeHead(status).end(`status ${status}`);
  });
  let connections = 0;
  server.on("connection", () => connections++);
  let port = 0;
  before(async () => {
    port = await listen(server);
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test("passes on 200 and 302, with the body as output", async () => {
    assert.deepEqual(await run(httpProbe({ port, path: "/ok" })), {
      ok: true,
      message: "HTTP 200",
      output: "status 200",
    });
    assert.equal((await run(httpProbe({ port, path: "/moved" }))).ok, true);
  });

  test("fails on 500", async () => {
    const r = await run(httpProbe({ port, path: "/broken" }));
    assert.equal(r.ok, false);
    assert.equal(r.message, "HTTP 500");
  });

  test("fails when the server does not answer within the timeout", async () => {
    assert.deepEqual(await run(httpProbe({ port, path: "/hang" }), 200), {
      ok: false,
      message: "timed out after 200ms",
    });
  });

  test("opens a fresh connection for every probe", async () => {
    const before = connections;
    await run(httpProbe({ port, path: "/ok" }));
    await run(httpProbe({ port, path: "/ok" }));
    assert.equal(connections - before, 2);
  });
});

describe("tcp probe", () => {
  const server = createServer((socket) => socket.destroy());
  let open = 0;
  let closed = 0;
  before(async () => {
    open = await listen(server);
    const gone = createServer();
    closed = await listen(gone);
    await new Promise((resolve) => gone.close(resolve));
  });
  after(() => server.close());

  test("passes against a listening port", async () => {
    assert.equal((await run(tcpProbe({ port: open }))).ok, true);
  });

  test("fails against a closed port, saying why", async () => {
    const r = await run(tcpProbe({ port: closed }));
    assert.equal(r.ok, false);
    assert.match(r.message, /ECONNREFUSED/);
  });
});

describe("exec probe", () => {
  const fake =
    (answer: (signal: AbortSignal) => Promise<{ exitCode: number; output?: string }>): ExecFn =>
    (command, signal) => {
      assert.deepEqual(command, ["check", "--quick"]);
      return answer(signal);
    };
  const probe = (exec: ExecFn) => execProbe(["check", "--quick"], exec);

  test("passes when the command exits 0, keeping its output", async () => {
    const r = await run(probe(fake(async () => ({ exitCode: 0, output: "all good\n" }))));
    assert.deepEqual(r, { ok: true, message: "exit code 0", output: "all good\n" });
  });

  test("fails when the command exits non-zero", async () => {
    const r = await run(probe(fake(async () => ({ exitCode: 1 }))));
    assert.deepEqual(r, { ok: false, message: "exit code 1" });
  });

  test("fails when the command does not finish within the timeout, and aborts it", async () => {
    const clock = new ManualClock();
    let seen: AbortSignal | undefined;
    const result = runProbe(
      probe(
        fake((signal) => {
          seen = signal;
          return new Promise(() => {});
        }),
      ),
      { timeoutMs: 1_000, clock },
    );
    await clock.advance(1_000);
    assert.deepEqual(await result, { ok: false, message: "timed out after 1000ms" });
    assert.equal(seen?.aborted, true);
  });
});
