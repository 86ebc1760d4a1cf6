import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { PortAllocator } from "./replica-spec.ts";

test("replica ports: in range, not in use, not held by a listener, not handed out twice", async () => {
  // A range of four ports, one held by a listener and one in use by another replica.
  const low = 21_000 + Math.floor(Math.random() * 5000);
  const held = createServer();
  await new Promise<void>((ok) => held.listen(low + 1, "127.0.0.1", ok));
  try {
    const ports = new PortAllocator(low, low + 3);
    const got = [await ports.allocate(new Set([low + 2])), await ports.allocate(new Set([low + 2]))];
    assert.deepEqual(got.sort(), [low, low + 3]);
    await assert.rejects(ports.allocate(new Set([low + 2])), /no free port between/);
  } finally {
    held.close();
  }
});
