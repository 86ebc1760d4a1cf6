// The life of a container through the CLI: create, start, stop, restart, kill, rm, wait, inspect,
// attach, with the exit code of each verb.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Container } from "../src/api/schemas.ts";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";

describe("container lifecycle", () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
  });
  after(() => d?.stop());

  const status = async (ref: string) => {
    const r = await d.cli(["ps", "-a", "--filter", `name=${ref}`]);
    return r.stdout.split("\n")[1] ?? "";
  };

  test("create prints the id and the container is Created, not running", async () => {
    const r = await d.cli(["create", "--name", "made", "--", "sleep", "1000"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
    assert.match(await status("made"), /\sCreated\s/);
    assert.doesNotMatch((await d.cli(["ps"])).stdout, /made/);
  });

  test("start, stop and restart print the name and exit 0", async () => {
    await d.cli(["create", "--name", "cycle", "--", "sleep", "1000"]);
    assert.deepEqual(await d.cli(["start", "cycle"]), { code: 0, stdout: "cycle\n", stderr: "" });
    assert.match(await status("cycle"), /\sUp /);
    assert.deepEqual(await d.cli(["stop", "-t", "5", "cycle"]), { code: 0, stdout: "cycle\n", stderr: "" });
    assert.match(await status("cycle"), /\sExited \(143\) /);
    assert.deepEqual(await d.cli(["restart", "-t", "1", "cycle"]), {
      code: 0,
      stdout: "cycle\n",
      stderr: "",
    });
    assert.match(await status("cycle"), /\sUp /);
  });

  test("starting a running container or stopping a stopped one succeeds quietly, as Docker does", async () => {
    await d.cli(["run", "-d", "--name", "idem", "--", "sleep", "1000"]);
    assert.deepEqual(await d.cli(["start", "idem"]), { code: 0, stdout: "idem\n", stderr: "" });
    await d.cli(["stop", "-t", "0", "idem"]);
    assert.deepEqual(await d.cli(["stop", "idem"]), { code: 0, stdout: "idem\n", stderr: "" });
  });

  test("kill sends the signal; killing a stopped container fails with exit 1", async () => {
    await d.cli(["run", "-d", "--name", "victim", "--", "sleep", "1000"]);
    assert.deepEqual(await d.cli(["kill", "-s", "TERM", "victim"]), {
      code: 0,
      stdout: "victim\n",
      stderr: "",
    });
    assert.equal((await d.cli(["wait", "victim"])).stdout, "143\n");
    const again = await d.cli(["kill", "victim"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^bosun: .+/);
  });

  test("rm refuses a running container without -f, and rm -f removes it", async () => {
    await d.cli(["run", "-d", "--name", "busy", "--", "sleep", "1000"]);
    const refused = await d.cli(["rm", "busy"]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^bosun: .*busy/);
    assert.deepEqual(await d.cli(["rm", "-f", "busy"]), { code: 0, stdout: "busy\n", stderr: "" });
    const gone = await d.cli(["inspect", "busy"]);
    assert.equal(gone.code, 1);
    assert.equal(gone.stdout, "[]\n");
    assert.match(gone.stderr, /^bosun: .+\n`bosun ps -a` lists the containers\n$/);
  });

  test("rm takes several containers, and one unknown ref makes it exit 1 after removing the rest", async () => {
    await d.cli(["create", "--name", "one", "--", "true"]);
    await d.cli(["create", "--name", "two", "--", "true"]);
    const r = await d.cli(["rm", "one", "nosuch", "two"]);
    assert.equal(r.stdout, "one\ntwo\n");
    assert.match(r.stderr, /^bosun: .*nosuch/);
    assert.equal(r.code, 1);
  });

  test("wait prints each exit code and exits with the last one", async () => {
    await d.cli(["run", "-d", "--name", "five", "--", "sh", "-c", "sleep 0.2; exit 5"]);
    await d.cli(["run", "-d", "--name", "zero", "--", "true"]);
    assert.deepEqual(await d.cli(["wait", "zero", "five"]), { code: 5, stdout: "0\n5\n", stderr: "" });
    assert.deepEqual(await d.cli(["wait", "five", "zero"]), { code: 0, stdout: "5\n0\n", stderr: "" });
  });

  test("inspect prints a JSON array of the containers asked for", async () => {
    await d.cli(["create", "--name", "i1", "-e", "A=1", "--", "echo", "hi"]);
    await d.cli(["create", "--name", "i2", "--", "true"]);
    const r = await d.cli(["inspect", "i1", "i2"]);
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as Container[];
    assert.deepEqual(
      list.map((c) => [c.name, c.command, c.state.status]),
      [
        ["i1", ["echo", "hi"], "created"],
        ["i2", ["true"], "created"],
      ],
    );
    assert.equal(list[0]?.env.A, "1");
  });

  test("start -a streams the output and exits with the container's code", async () => {
    await d.cli(["create", "--name", "attached", "--", "sh", "-c", "echo from-start; exit 4"]);
    assert.deepEqual(await d.cli(["start", "-a", "attached"]), {
      code: 4,
      stdout: "from-start\n",
      stderr: "",
    });
  });

  test("attach sends stdin to a container created with -i and exits with its code", async () => {
    await d.cli(["run", "-d", "-i", "--name", "echoer", "--", "cat"]);
    const r = await d.cli(["attach", "echoer"], { input: "through attach\n" });
    assert.equal(r.stdout, "through attach\n");
    assert.equal(r.code, 0, r.stderr);
  });

  test("an unknown container is exit 1 with the hint", async () => {
    for (const verb of ["start", "stop", "kill", "rm", "wait", "logs", "attach"]) {
      const r = await d.cli([verb, "nosuchthing"]);
      assert.equal(r.code, 1, verb);
      assert.match(r.stderr, /^bosun: .+\n`bosun ps -a` lists the containers\n$/, verb);
    }
  });
});
