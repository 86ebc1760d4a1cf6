import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { waitUntil } from "./wait.ts";

test("waitUntil() re-checks until the condition holds", async () => {
  let checks = 0;
  assert.equal(await waitUntil(async () => ++checks === 5, 60_000), true);
  assert.equal(checks, 5);
});

test("waitUntil() gives up with false when the condition never holds", async () => {
  let checks = 0;
  const held = await waitUntil(async () => {
    checks++;
    return false;
  }, 20);
  assert.equal(held, false);
  assert.ok(checks >= 2, "a first check and one at the deadline");
});

test("waitUntil() on a watched file sees a change written while it waits", async () => {
  const dir = await mkdtemp(join(tmpdir(), "bosun-wait-"));
  const file = join(dir, "events");
  await writeFile(file, "frozen 0\n");
  try {
    const wait = waitUntil(async () => (await readFile(file, "utf8")) === "frozen 1\n", 60_000, file);
    await writeFile(file, "frozen 1\n");
    assert.equal(await wait, true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
