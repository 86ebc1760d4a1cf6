// `bosun logs`: what the container wrote, split by stream, tailed, timestamped, and followed.
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";

describe("bosun logs", () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
    await d.cli([
      "run",
      "--name",
      "printer",
      "--",
      "sh",
      "-c",
      "echo one; echo two >&2; echo three; printf four",
    ]);
  });
  after(() => d?.stop());

  test("logs prints stdout records to stdout and stderr records to stderr, bytes as written", async () => {
    assert.deepEqual(await d.cli(["logs", "printer"]), {
      code: 0,
      stdout: "one\nthree\nfour",
      stderr: "two\n",
    });
  });

  test("logs --tail 2 prints only the last two lines", async () => {
    await d.cli(["run", "--name", "counter", "--", "sh", "-c", "for i in 1 2 3 4 5; do echo line $i; done"]);
    assert.deepEqual(await d.cli(["logs", "--tail", "2", "counter"]), {
      code: 0,
      stdout: "line 4\nline 5\n",
      stderr: "",
    });
  });

  test("logs -t starts each line with its timestamp", async () => {
    const r = await d.cli(["logs", "-t", "printer"]);
    assert.match(r.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z one\n\S+Z three\n\S+Z four$/);
  });

  test("logs --since in the future prints nothing", async () => {
    const r = await d.cli(["logs", "--since", "2999-01-01T00:00:00Z", "printer"]);
    assert.deepEqual(r, { code: 0, stdout: "", stderr: "" });
  });

  test("logs -f sees each new line as it comes", { timeout: 60_000 }, async () => {
    await d.cli(
      ["run", "-d", "--name", "ticker", "--", "sh", "-c"].concat([
        "i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.2; done",
      ]),
    );
    // One line from the past, then lines that did not exist when the CLI started.
    const child = d.spawnCli(["logs", "-f", "--tail", "1", "ticker"]);
    try {
      const lines: string[] = [];
      let buf = "";
      for await (const chunk of child.stdout!) {
        buf += chunk;
        const parts = buf.split("\n");
        buf = parts.pop()!;
        lines.push(...parts);
        if (lines.length >= 3) break;
      }
      const n = Number(/^tick (\d+)$/.exec(lines[0] ?? "")?.[1]);
      assert.deepEqual(lines.slice(0, 3), [`tick ${n}`, `tick ${n + 1}`, `tick ${n + 2}`]);
    } finally {
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    }
  });

  test("logs -f ends when the container exits", async () => {
    const child = d.spawnCli(["logs", "-f", "printer"]);
    const [code] = await once(child, "exit");
    assert.equal(code, 0);
  });
});
