// Attach: live output, stdin with half-close, and a client that attaches before start.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";
import { raw } from "./helpers/http.ts";
import { collect } from "./helpers/streams.ts";

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
});
after(async () => {
  await d.stop();
});

test("stdin reaches the container and closing it gives cat its EOF", async () => {
  const { id } = await d.client.create({ command: ["cat"], stdin: true });
  const ch = await d.client.attach(id, { stdin: true });
  const out = collect(ch);
  // Sent before the start: held until the process exists, then delivered in order.
  ch.send(new TextEncoder().encode("hello\n"));
  ch.send(new TextEncoder().encode("world\n"));
  ch.send(JSON.stringify({ type: "close-stdin" }));
  await d.client.start(id);
  await out.closed;
  assert.equal(out.stdout, "hello\nworld\n");
  assert.deepEqual(
    out.controls.find((c) => c.type === "exit"),
    { type: "exit", exitCode: 0, reason: "exited", final: true },
  );
  assert.ok(
    out.controls.some((c) => c.type === "stdin-closed"),
    "the end of stdin is acknowledged",
  );
  await d.client.remove(id);
});

test("attach to a running container streams its output, stdout and stderr apart", async () => {
  const { id } = await d.client.create({
    command: ["sh", "-c", "read x; echo out $x; echo err $x >&2; exit 4"],
    stdin: true,
  });
  await d.client.start(id);
  const ch = await d.client.attach(id, { stdin: true });
  const out = collect(ch);
  ch.send(new TextEncoder().encode("ping\n"));
  await out.closed;
  assert.equal(out.stdout, "out ping\n");
  assert.equal(out.stderr, "err ping\n");
  assert.equal(out.controls.find((c) => c.type === "exit")?.exitCode, 4);
  await d.client.remove(id);
});

test("attach with tail replays the last lines first", async () => {
  const { id } = await d.client.create({ command: ["sh", "-c", "seq 1 10; read x"], stdin: true });
  await d.client.start(id);
  // Follow the log until line 10 is written, so the tail has something to replay.
  for await (const r of d.client.logs(id, { follow: true })) if (r.text === "10") break;
  const ch = await d.client.attach(id, { stdin: true, tail: 2 });
  const out = collect(ch);
  ch.send(JSON.stringify({ type: "close-stdin" }));
  await out.closed;
  assert.equal(out.stdout, "9\n10\n");
  await d.client.remove(id);
});

test("attach to an exited container is a 409, to an unknown one a 404", async () => {
  const { id } = await d.client.create({ command: ["true"] });
  await d.client.start(id);
  await d.client.wait(id);
  const r = await raw(d.socket, "GET", `/v1/containers/${id}/attach`);
  assert.equal(r.status, 409);
  assert.match(r.body.error.message, /has exited/);
  assert.equal((await raw(d.socket, "GET", "/v1/containers/nope/attach")).status, 404);
  await d.client.remove(id);
});

test("events tell the lifecycle: create, start, die with the exit code, destroy", async () => {
  const { id } = await d.client.create({ name: "ev", command: ["sh", "-c", "exit 9"], labels: { app: "x" } });
  await d.client.start(id);
  await d.client.wait(id);
  await d.client.remove(id);
  const abort = new AbortController();
  const seen = [];
  for await (const e of d.client.events({ filter: [`container=${id}`], until: "0s", signal: abort.signal }))
    seen.push(e);
  assert.deepEqual(
    seen.map((e) => e.action),
    ["create", "start", "die", "destroy"],
  );
  const die = seen[2]!;
  assert.equal(die.attributes.exitCode, "9");
  assert.equal(die.attributes.app, "x", "labels ride along as attributes");
  assert.equal(die.name, "ev");
});
