// `bosun ps`: which containers it lists and the shapes it prints them in.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Container } from "../src/api/schemas.ts";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";

describe("bosun ps", () => {
  let d: TestDaemon;
  let upId = "";
  let doneId = "";
  before(async () => {
    d = await startDaemon();
    upId = (
      await d.cli(["run", "-d", "--name", "up", "-l", "tier=web", "--", "sleep", "1000"])
    ).stdout.trim();
    doneId = (await d.cli(["run", "-d", "--name", "done", "--", "sh", "-c", "exit 137"])).stdout.trim();
    await d.cli(["wait", "done"]);
  });
  after(() => d?.stop());

  test("ps lists running containers; ps -a the exited ones too, with their code", async () => {
    const ps = await d.cli(["ps"]);
    assert.match(ps.stdout, /\sup\s/);
    assert.doesNotMatch(ps.stdout, /\sdone\s/);
    const all = await d.cli(["ps", "-a"]);
    assert.match(all.stdout, /\sdone\s+"sh -c 'exit 137'"\s+Exited \(137\) .+ ago\s+0\s+.+ ago\n/);
  });

  test("ps -q prints only short ids", async () => {
    assert.deepEqual(await d.cli(["ps", "-q"]), { code: 0, stdout: `${upId.slice(0, 12)}\n`, stderr: "" });
    const all = (await d.cli(["ps", "-a", "-q"])).stdout.split("\n").filter(Boolean);
    assert.deepEqual(all.sort(), [upId.slice(0, 12), doneId.slice(0, 12)].sort());
  });

  test("--no-trunc prints full ids", async () => {
    assert.equal((await d.cli(["ps", "-q", "--no-trunc"])).stdout, `${upId}\n`);
  });

  test("--filter narrows by name, label, status and id", async () => {
    const q = async (...filters: string[]) =>
      (await d.cli(["ps", "-a", "-q", ...filters.flatMap((f) => ["--filter", f])])).stdout;
    assert.equal(await q("name=done"), `${doneId.slice(0, 12)}\n`);
    assert.equal(await q("label=tier=web"), `${upId.slice(0, 12)}\n`);
    assert.equal(await q("status=exited"), `${doneId.slice(0, 12)}\n`);
    assert.equal(await q(`id=${upId.slice(0, 6)}`), `${upId.slice(0, 12)}\n`);
    assert.equal(await q("name=nobody"), "");
  });

  test("--format json and --json print the containers as a JSON array", async () => {
    for (const flag of [["--format", "json"], ["--json"]]) {
      const r = await d.cli(["ps", "-a", ...flag]);
      const list = JSON.parse(r.stdout) as Container[];
      assert.deepEqual(list.map((c) => c.name).sort(), ["done", "up"]);
      assert.equal(list.find((c) => c.name === "up")?.state.status, "running");
    }
  });
});
