import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadPath } from "./load-path.ts";

const fixtures = fileURLToPath(new URL("fixtures/", import.meta.url));

test("a directory's *.yaml, *.yml and *.json files load in the order of their names", async () => {
  const { specs } = await loadPath(join(fixtures, "apps"));
  assert.deepEqual(
    specs.map((a) => a.name),
    ["api", "web", "mailer", "resizer"],
  );
});

test("a file loads on its own", async () => {
  const { specs } = await loadPath(join(fixtures, "web.yaml"));
  assert.equal(specs[0]?.spec.replicas, 3);
});

test("standard input is read for -", async () => {
  const text = "kind: App\nname: web\nspec:\n  command: [x]\n";
  const { specs } = await loadPath("-", { readStdin: async () => text });
  assert.equal(specs[0]?.name, "web");
  await assert.rejects(loadPath("-", { readStdin: async () => "kind: App\nname: web\n" }), {
    message: "spec: is required (stdin:1)",
  });
});

test("the issues of every file of a directory come at once, and names must differ across files", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bosun-spec-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "a.yaml"), "kind: App\nname: web\nspec:\n  command: [a]\n");
  writeFileSync(join(dir, "b.yml"), "kind: App\nname: web\nspec:\n  command: [b]\n");
  writeFileSync(join(dir, "c.json"), '{"kind": "App", "name": "c", "spec": {}}');
  await assert.rejects(loadPath(dir), {
    name: "BosunError",
    message: [
      `spec.command: is required (${dir}/c.json:1)`,
      `name: app "web" is also defined at ${dir}/a.yaml:2 (${dir}/b.yml:2)`,
    ].join("\n"),
  });
});

test("a missing file or an empty directory is a clear error", async (t) => {
  await assert.rejects(loadPath(join(fixtures, "nope.yaml")), {
    message: `cannot read ${fixtures}nope.yaml: no such file or directory`,
  });
  const empty = mkdtempSync(join(tmpdir(), "bosun-spec-"));
  t.after(() => rmSync(empty, { recursive: true, force: true }));
  await assert.rejects(loadPath(empty), { message: `${empty} holds no *.yaml, *.yml or *.json file` });
});
