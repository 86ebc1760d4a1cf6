import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import type { Channel } from "../api/client.ts";
import { AttachSession } from "./attach-session.ts";

/** A channel the test speaks for the daemon through. */
class FakeChannel implements Channel {
  sent: (string | number[])[] = [];
  closed = false;
  private msg: (d: Uint8Array | string) => void = () => {};
  private end: (code: number, reason: string) => void = () => {};
  send(data: Uint8Array | string) {
    this.sent.push(typeof data === "string" ? data : [...data]);
  }
  close() {
    this.closed = true;
  }
  onMessage(cb: (d: Uint8Array | string) => void) {
    this.msg = cb;
  }
  onClose(cb: (code: number, reason: string) => void) {
    this.end = cb;
  }
  say(d: Uint8Array | object) {
    this.msg(d instanceof Uint8Array ? d : JSON.stringify(d));
  }
  hangUp() {
    this.end(1006, "");
  }
}

const sink = () => {
  const chunks: string[] = [];
  return { chunks, write: (c: Uint8Array) => chunks.push(Buffer.from(c).toString()) };
};

class FakeStdin extends EventEmitter {
  paused = false;
  pause() {
    this.paused = true;
  }
}

test("output frames go to stdout or stderr by their stream byte, and the exit ends the session", async () => {
  const ch = new FakeChannel();
  const stdout = sink();
  const stderr = sink();
  const s = new AttachSession(ch, { stdout, stderr });
  ch.say(new Uint8Array([1, ...Buffer.from("out\n")]));
  ch.say(new Uint8Array([2, ...Buffer.from("err\n")]));
  ch.say({ type: "exit", exitCode: 3, reason: "exited", final: true });
  assert.deepEqual(await s.ended, { kind: "exit", exitCode: 3, reason: "exited" });
  assert.deepEqual(stdout.chunks, ["out\n"]);
  assert.deepEqual(stderr.chunks, ["err\n"]);
});

test("stdin is sent as binary frames and its end as close-stdin", async () => {
  const ch = new FakeChannel();
  const s = new AttachSession(ch, { stdout: sink(), stderr: sink() });
  const stdin = new FakeStdin();
  s.pipeStdin(stdin);
  stdin.emit("data", Buffer.from("hi\n"));
  stdin.emit("end");
  stdin.emit("data", Buffer.from("late"));
  assert.deepEqual(ch.sent, [[104, 105, 10], '{"type":"close-stdin"}']);
  assert.equal(stdin.paused, true);
});

test("when the daemon says stdin is closed, no more stdin is sent", () => {
  const ch = new FakeChannel();
  const s = new AttachSession(ch, { stdout: sink(), stderr: sink() });
  const stdin = new FakeStdin();
  s.pipeStdin(stdin);
  ch.say({ type: "stdin-closed" });
  stdin.emit("data", Buffer.from("ignored"));
  assert.deepEqual(ch.sent, []);
});

test("a channel that closes without an exit ends the session as closed", async () => {
  const ch = new FakeChannel();
  const s = new AttachSession(ch, { stdout: sink(), stderr: sink() });
  ch.hangUp();
  assert.deepEqual(await s.ended, { kind: "closed", code: 1006, reason: "" });
});

test("an error message from the daemon fails the session with its code", async () => {
  const ch = new FakeChannel();
  const s = new AttachSession(ch, { stdout: sink(), stderr: sink() });
  ch.say({ type: "error", code: "conflict", message: "web exited" });
  await assert.rejects(s.ended, { name: "BosunError", code: "conflict", message: "web exited" });
});

test("a session that fails while nobody awaits it does not crash the process", async () => {
  const ch = new FakeChannel();
  new AttachSession(ch, { stdout: sink(), stderr: sink() });
  ch.say({ type: "error", code: "conflict", message: "web was removed" });
  // An unhandled rejection would fail this test file; give it the turn it needs to surface.
  await new Promise((r) => setImmediate(r));
});
