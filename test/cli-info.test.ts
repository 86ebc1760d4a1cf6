// `bosun version` and `bosun info`: what the CLI and the daemon say about themselves.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";

describe("bosun version and info", () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
  });
  after(() => d?.stop());

  test("version shows the client's and the server's versions", async () => {
    const r = await d.cli(["version"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Client:\n Version: +\d+\.\d+\.\d+/);
    assert.match(r.stdout, /\nServer:\n Version: +\S+\n API version: +\S+/);
  });

  test("info shows the daemon's socket and container counts, and --json the same as an object", async () => {
    const r = await d.cli(["info"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Socket: ${d.socket}$`, "m"));
    assert.match(r.stdout, /^Containers: \d+$/m);
    const json = JSON.parse((await d.cli(["info", "--json"])).stdout) as { socket: string };
    assert.equal(json.socket, d.socket);
  });
});
