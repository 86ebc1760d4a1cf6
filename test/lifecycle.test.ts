// The container lifecycle through the API, against a real bosund and real shims.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { isRunning } from "../src/runtime/proc.ts";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";
import { raw } from "./helpers/http.ts";

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
});
after(async () => {
  await d.stop();
});

const alive = isRunning;

test("create, start, stop, restart and remove a container", async () => {
  const { id, name } = await d.client.create({ name: "life", command: ["sleep", "1000"] });
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.equal(name, "life");
  assert.equal((await d.client.inspect("life")).state.status, "created");

  const started = await d.client.start("life");
  assert.equal(started.state.status, "running");
  const pid = started.state.pid!;
  assert.ok(await alive(pid), "the container process runs");

  const stopped = await d.client.stop(id.slice(0, 8), 5);
  assert.equal(stopped.state.status, "exited");
  assert.equal(stopped.state.exitCode, 143, "sleep dies of SIGTERM: 128 + 15");
  assert.equal(stopped.state.reason, "stopped");
  assert.equal(await alive(pid), false);

  const restarted = await d.client.restart("life", 1);
  assert.equal(restarted.state.status, "running");
  assert.notEqual(restarted.state.pid, pid);

  await assert.rejects(d.client.remove("life"), {
    code: "conflict",
    message: /cannot remove life: it is running/,
  });
  const newPid = restarted.state.pid!;
  await d.client.remove("life", { force: true });
  assert.equal(await alive(newPid), false, "rm -f killed the process");
  await assert.rejects(d.client.inspect(id), { code: "not_found" });
});

test("a container that exits by itself reports its code, and wait returns it", async () => {
  const { id } = await d.client.create({ command: ["sh", "-c", "exit 7"] });
  const waiting = d.client.wait(id, "next-exit");
  await d.client.start(id);
  assert.deepEqual(await waiting, { exitCode: 7, reason: "exited" });
  const c = await d.client.inspect(id);
  assert.equal(c.state.status, "exited");
  assert.equal(c.state.exitCode, 7);
  assert.deepEqual(
    await d.client.wait(id),
    { exitCode: 7, reason: "exited" },
    "wait on an exited container answers at once",
  );
  await d.client.remove(id);
});

test("a command that cannot be executed fails the start with 400 and exit code 127", async () => {
  const { id } = await d.client.create({ command: ["/nonexistent/binary"] });
  const r = await raw(d.socket, "POST", `/v1/containers/${id}/start`);
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, "exec_failed");
  assert.match(r.body.error.message, /No such file or directory/);
  const c = await d.client.wait(id);
  assert.equal(c.exitCode, 127);
  assert.equal((await d.client.inspect(id)).state.reason, "exec-failed");
  await d.client.remove(id);
});

test("every invalid transition answers with its status code", async () => {
  const { id } = await d.client.create({ name: "trans", command: ["sleep", "1000"] });
  // created
  assert.equal(
    (await raw(d.socket, "POST", `/v1/containers/${id}/stop`)).status,
    304,
    "stop a created container",
  );
  assert.equal(
    (await raw(d.socket, "POST", `/v1/containers/${id}/kill`)).status,
    409,
    "kill a created container",
  );
  // running
  assert.equal((await raw(d.socket, "POST", `/v1/containers/${id}/start`)).status, 200);
  const again = await raw(d.socket, "POST", `/v1/containers/${id}/start`);
  assert.equal(again.status, 304, "start a running container");
  assert.equal(again.text, "", "a 304 has no body");
  const rm = await raw(d.socket, "DELETE", `/v1/containers/${id}`);
  assert.equal(rm.status, 409, "remove a running container without force");
  assert.equal(rm.body.error.code, "conflict");
  assert.ok(rm.body.error.hint, "the conflict says what to do instead");
  // exited
  assert.equal((await raw(d.socket, "POST", `/v1/containers/${id}/stop?t=1`)).status, 200);
  assert.equal(
    (await raw(d.socket, "POST", `/v1/containers/${id}/stop`)).status,
    304,
    "stop a stopped container",
  );
  assert.equal(
    (await raw(d.socket, "POST", `/v1/containers/${id}/kill`)).status,
    409,
    "kill a stopped container",
  );
  // unknown
  assert.equal((await raw(d.socket, "POST", "/v1/containers/nosuch/start")).status, 404);
  assert.equal((await raw(d.socket, "GET", "/v1/containers/nosuch")).body.error.code, "not_found");
  assert.equal((await raw(d.socket, "DELETE", `/v1/containers/${id}`)).status, 200);
  assert.equal((await raw(d.socket, "DELETE", `/v1/containers/${id}`)).status, 404);
});

test("names are unique and validated; ids resolve by unambiguous prefix", async () => {
  const a = await d.client.create({ name: "uniq", command: ["true"] });
  const dup = await raw(d.socket, "POST", "/v1/containers", { name: "uniq", command: ["true"] });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.error.code, "name_in_use");
  for (const bad of ["", "-lead", "a/b", "../x", "has space", "x".repeat(129)]) {
    const r = await raw(d.socket, "POST", "/v1/containers", { name: bad, command: ["true"] });
    assert.equal(r.status, 400, `name ${JSON.stringify(bad)}`);
    assert.match(r.body.error.message, /^name: /, "the message names the field");
  }
  // Two ids share a prefix of length 0 at least; the empty-ish prefix "0".."f" may be ambiguous.
  const b = await d.client.create({ command: ["true"] });
  let prefix = "";
  while (a.id.startsWith(prefix) && b.id.startsWith(prefix)) prefix = a.id.slice(0, prefix.length + 1);
  assert.equal((await d.client.inspect(a.id.slice(0, prefix.length))).id, a.id);
  if (prefix.length > 1) {
    const amb = await raw(d.socket, "GET", `/v1/containers/${a.id.slice(0, prefix.length - 1)}`);
    assert.equal(amb.body.error.code, "ambiguous");
  }
  await d.client.remove(a.id);
  await d.client.remove(b.id);
});

test("malformed bodies and queries get 400 naming the field", async () => {
  const cases: [unknown, RegExp][] = [
    [{}, /^command: /],
    [{ command: [] }, /^command: a command is required/],
    [{ command: "sleep 1" }, /^command: /],
    [{ command: ["x"], cwd: "relative" }, /^cwd: must be an absolute path/],
    [{ command: ["x"], restart: "sometimes" }, /^restart: /],
    [{ command: ["x"], stopSignal: "SIGNOPE" }, /^stopSignal: unknown signal/],
    [{ command: ["x"], env: { "A=B": "c" } }, /^env\.A=B: /],
    [{ command: ["x"], log: { maxSize: "lots" } }, /^log\.maxSize: /],
    [{ command: ["x"], bogus: 1 }, /bogus/],
    [{ command: ["x"], autoRemove: true, restart: "always" }, /^autoRemove: /],
  ];
  for (const [body, message] of cases) {
    const r = await raw(d.socket, "POST", "/v1/containers", body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.error.code, "bad_request");
    assert.match(r.body.error.message, message, JSON.stringify(body));
  }
  const json = await raw(d.socket, "POST", "/v1/containers", "{not json");
  assert.equal(json.status, 400);
  assert.match(json.body.error.message, /^body: invalid JSON/);
  const { id } = await d.client.create({ command: ["sleep", "1000"] });
  const q = await raw(d.socket, "POST", `/v1/containers/${id}/stop?t=soon`);
  assert.equal(q.status, 400);
  assert.match(q.body.error.message, /^query\.t: /);
  const sig = await raw(d.socket, "POST", `/v1/containers/${id}/kill?signal=SIGFOO`);
  assert.equal(sig.status, 400);
  assert.match(sig.body.error.message, /^signal: unknown signal/);
  const f = await raw(d.socket, "GET", "/v1/containers?filter=colour=red");
  assert.equal(f.status, 400);
  assert.match(f.body.error.message, /^filter: unknown filter "colour"/);
  await d.client.remove(id);
  // Nothing was half-created by any of the bad requests.
  assert.deepEqual(await d.client.list({ all: true }), []);
});

test("list filters by name, label and status", async () => {
  const a = await d.client.create({ name: "flt-a", command: ["sleep", "1000"], labels: { team: "shop" } });
  const b = await d.client.create({ name: "flt-b", command: ["true"], labels: { team: "ops" } });
  await d.client.start(a.id);
  const names = (cs: { name: string }[]) => cs.map((c) => c.name).sort();
  assert.deepEqual(names(await d.client.list()), ["flt-a"], "without all, only running ones");
  assert.deepEqual(names(await d.client.list({ all: true })), ["flt-a", "flt-b"]);
  assert.deepEqual(names(await d.client.list({ all: true, filter: ["label=team=ops"] })), ["flt-b"]);
  assert.deepEqual(names(await d.client.list({ all: true, filter: ["label=team"] })), ["flt-a", "flt-b"]);
  assert.deepEqual(names(await d.client.list({ filter: ["status=created"] })), ["flt-b"]);
  assert.deepEqual(names(await d.client.list({ all: true, filter: ["name=flt-a"] })), ["flt-a"]);
  await d.client.remove(a.id, { force: true });
  await d.client.remove(b.id);
});

test("the list follows every change of state (each container's JSON is kept until its state changes)", async () => {
  const { id } = await d.client.create({ name: "listed", command: ["sleep", "1000"] });
  const listed = async () => (await d.client.list({ all: true })).find((c) => c.id === id)?.state;
  assert.equal((await listed())?.status, "created");
  await d.client.start(id);
  assert.equal((await listed())?.status, "running");
  await d.client.pause(id);
  assert.equal((await listed())?.status, "paused");
  await d.client.unpause(id);
  assert.equal((await listed())?.status, "running");
  await d.client.stop(id, 1);
  const stopped = await listed();
  assert.equal(stopped?.status, "exited");
  assert.equal(stopped?.exitCode, 143);
  assert.deepEqual(await listed(), (await d.client.inspect(id)).state);
  await d.client.remove(id);
  assert.equal(await listed(), undefined);
});

test("SIGTERM to bosund leaves containers running", async () => {
  const { id } = await d.client.create({ command: ["sleep", "1000"] });
  const pid = (await d.client.start(id)).state.pid!;
  assert.equal(await d.terminate(), 0, "bosund exits cleanly on SIGTERM");
  assert.ok(await alive(pid), "the container survived the daemon's shutdown");
  await d.restart();
  assert.ok(await alive(pid), "the container survived the daemon's shutdown");
  const c = await d.client.inspect(id);
  assert.equal(c.state.status, "running");
  assert.equal(c.state.pid, pid);
  await d.client.remove(id, { force: true });
});
