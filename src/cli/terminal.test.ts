import assert from "node:assert/strict";
import { test } from "node:test";
import { DetachScanner, parseDetachKeys } from "./terminal.ts";

const CTRL_P = 0x10;
const CTRL_Q = 0x11;

test("detach keys: Docker's format, ctrl-X and single characters", () => {
  assert.deepEqual([...parseDetachKeys("ctrl-p,ctrl-q")], [CTRL_P, CTRL_Q]);
  assert.deepEqual([...parseDetachKeys("ctrl-@,ctrl-_,x")], [0x00, 0x1f, 0x78]);
  assert.deepEqual([...parseDetachKeys("Ctrl-A")], [0x01]);
});

test("detach keys: a key that is not one names itself", () => {
  assert.throws(() => parseDetachKeys("ctrl-p,alt-q"), /--detach-keys: "alt-q" is not a key/);
  assert.throws(() => parseDetachKeys("ctrl-1"), /"ctrl-1"/);
  assert.throws(() => parseDetachKeys(""), /--detach-keys/);
});

function scanAll(keys: string, chunks: number[][]): { sent: number[]; detachedAt: number } {
  const s = new DetachScanner(parseDetachKeys(keys));
  const sent: number[] = [];
  for (const [i, c] of chunks.entries()) {
    const r = s.scan(Uint8Array.from(c));
    sent.push(...r.forward);
    if (r.detach) return { sent, detachedAt: i };
  }
  return { sent, detachedAt: -1 };
}

test("the sequence detaches and is not sent; what came before it is", () => {
  assert.deepEqual(scanAll("ctrl-p,ctrl-q", [[0x61, CTRL_P, CTRL_Q, 0x62]]), { sent: [0x61], detachedAt: 0 });
});

test("the sequence is found across chunks", () => {
  assert.deepEqual(scanAll("ctrl-p,ctrl-q", [[0x61, CTRL_P], [CTRL_Q]]), { sent: [0x61], detachedAt: 1 });
});

test("a prefix that is not followed by the rest goes out as typed", () => {
  // Ctrl-P alone (previous command in a shell) must still reach the container.
  assert.deepEqual(scanAll("ctrl-p,ctrl-q", [[CTRL_P], [0x61]]), { sent: [CTRL_P, 0x61], detachedAt: -1 });
  // Ctrl-P Ctrl-P Ctrl-Q: the first goes out, the second starts the sequence.
  assert.deepEqual(scanAll("ctrl-p,ctrl-q", [[CTRL_P, CTRL_P, CTRL_Q]]), { sent: [CTRL_P], detachedAt: 0 });
});

test("a one-key sequence detaches at once", () => {
  assert.deepEqual(scanAll("ctrl-x", [[0x61, 0x18, 0x62]]), { sent: [0x61], detachedAt: 0 });
});
