// Isolation and sandbox bounds through bosund and the CLI: an isolated container sees only its own
// processes, its own hostname and network, its own root; exec enters all of it; lifetimes and
// heartbeats end containers with an event saying why.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";
import { busyboxRootfs, copyRootfs } from "./helpers/rootfs.ts";
import { nthEvent } from "./helpers/wait.ts";

const root = process.getuid?.() === 0;
const fs = root ? await busyboxRootfs() : { skip: "not root: namespaces need root" };
const rootfs = typeof fs === "string" ? fs : undefined;

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
});
after(() => d?.stop());

/** Runs a container in the foreground and returns what it printed. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return d.cli(["run", "--rm", ...args]);
}

describe("isolation", { skip: root ? false : "not root: namespaces need root" }, () => {
  test("--isolate: it sees only its own processes, is PID 1, and has its own hostname", async () => {
    const r = await run([
      "--isolate",
      "--hostname",
      "box",
      "--",
      "sh",
      "-c",
      "echo $$; hostname; ls /proc | grep -c '^[0-9]'",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [pid, host, procs] = r.stdout.trim().split("\n");
    assert.deepEqual([pid, host], ["1", "box"]);
    // sh, and the ls and grep of the pipeline: nothing of the host.
    assert.ok(Number(procs) <= 4, `it sees ${procs} processes`);
  });

  test("--network none: only loopback", async () => {
    const r = await run(["--network", "none", "--", "sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...new Set(r.stdout.split(/\s+/).filter(Boolean))], ["lo"]);
  });

  test("--user runs as that uid and gid; isolated, it keeps Docker's capabilities only", async () => {
    const r = await run([
      "--isolate",
      "--user",
      "65534:65534",
      "--",
      "sh",
      "-c",
      "id -u; id -g; grep -E '^(CapBnd|NoNewPrivs)' /proc/self/status",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [uid, gid, bnd, nnp] = r.stdout.trim().split("\n");
    assert.deepEqual([uid, gid], ["65534", "65534"]);
    // CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW
    // SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP: Docker's default set.
    assert.match(bnd!, /^CapBnd:\s+00000000a80425fb$/);
    assert.match(nnp!, /^NoNewPrivs:\s+1$/);
  });

  test("a flag this host or request cannot honour is refused, naming it, and nothing is created", async () => {
    const r = await d.cli([
      "run",
      "--name",
      "bad-rootfs",
      "--isolate",
      "--rootfs",
      "/nonexistent",
      "--",
      "true",
    ]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /rootfs: \/nonexistent is not a directory/);
    const cap = await d.cli(["run", "--name", "bad-cap", "--isolate", "--cap-add", "FLY", "--", "true"]);
    assert.equal(cap.code, 125);
    assert.match(cap.stderr, /capAdd: unknown capability "FLY"/);
    const names = (await d.client.list({ all: true })).map((c) => c.name);
    assert.ok(!names.includes("bad-rootfs") && !names.includes("bad-cap"));
  });
});

describe("root filesystems", { skip: rootfs ? false : (fs as { skip: string }).skip }, () => {
  let copy: string;
  let hostDir: string;
  before(async () => {
    copy = await mkdtemp(join(tmpdir(), "bosun-rootfs-"));
    await copyRootfs(rootfs!, copy);
    hostDir = await mkdtemp(join(tmpdir(), "bosun-vol-"));
    await writeFile(join(hostDir, "shared.txt"), "from the host\n");
  });
  after(async () => {
    await rm(copy, { recursive: true, force: true });
    await rm(hostDir, { recursive: true, force: true });
  });

  test("--rootfs: the host's files are invisible; /proc and /dev work", async () => {
    const r = await run([
      "--isolate",
      "--rootfs",
      copy,
      "--",
      "sh",
      "-c",
      `ls ${hostDir} 2>&1; echo x > /dev/null && echo null-ok; ls /proc/1/status`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /No such file or directory/);
    assert.match(r.stdout, /null-ok/);
    assert.match(r.stdout, /\/proc\/1\/status/);
  });

  test("--read-only refuses writes to the root; -v mounts a host directory, :ro read-only", async () => {
    const ro = await run([
      "--isolate",
      "--rootfs",
      copy,
      "--read-only",
      "--",
      "sh",
      "-c",
      "touch /new 2>&1; echo $?",
    ]);
    assert.match(ro.stdout, /Read-only file system\n1\n$/);
    const rw = await run([
      "--isolate",
      "--rootfs",
      copy,
      "-v",
      `${hostDir}:/data`,
      "--",
      "sh",
      "-c",
      "cat /data/shared.txt; echo written > /data/back.txt",
    ]);
    assert.equal(rw.code, 0, rw.stderr);
    assert.equal(rw.stdout, "from the host\n");
    const back = await run([
      "--isolate",
      "--rootfs",
      copy,
      "-v",
      `${hostDir}:/data:ro`,
      "--",
      "sh",
      "-c",
      "cat /data/back.txt; touch /data/x 2>&1; echo $?",
    ]);
    assert.match(back.stdout, /^written\n.*Read-only file system\n1\n$/s);
  });

  test("inside a rootfs, the heartbeat file is bound in and touching it keeps the container alive", async () => {
    const r = await d.cli([
      "run",
      "-d",
      "--name",
      "beat-root",
      "--isolate",
      "--rootfs",
      copy,
      "--heartbeat-timeout",
      "1s",
      "--",
      "sh",
      "-c",
      'while :; do touch "$BOSUN_HEARTBEAT_FILE" || exit 3; sleep 0.1; done',
    ]);
    assert.equal(r.code, 0, r.stderr);
    await sleep(2500);
    const c = await d.client.inspect("beat-root");
    assert.equal(c.state.status, "running", `${c.state.reason} ${c.state.exitCode}`);
    assert.equal(c.env.BOSUN_HEARTBEAT_FILE, "/run/bosun/heartbeat");
    await d.client.remove("beat-root", { force: true });
  });

  test("exec enters the container: same root, hostname, pid namespace and user", async () => {
    const r = await d.cli([
      "run",
      "-d",
      "--name",
      "iso",
      "--isolate",
      "--hostname",
      "iso",
      "--rootfs",
      copy,
      "--user",
      "65534",
      "--",
      "sleep",
      "1000",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const x = await d.cli([
      "exec",
      "iso",
      "--",
      "sh",
      "-c",
      `hostname; id -u; cat /proc/1/cmdline | tr '\\0' ' '; echo; ls ${hostDir} 2>/dev/null | wc -l`,
    ]);
    assert.equal(x.code, 0, x.stderr);
    assert.deepEqual(
      x.stdout
        .trim()
        .split("\n")
        .map((l) => l.trim()),
      ["iso", "65534", "sleep 1000", "0"],
    );
    await d.client.remove("iso", { force: true });
  });
});

describe("sandbox bounds", () => {
  test("--max-lifetime ends it, with an event that says why", async () => {
    const r = await d.cli(["run", "-d", "--name", "short", "--max-lifetime", "300ms", "--", "sleep", "1000"]);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    const why = await nthEvent(d.client, id, "sandbox");
    assert.equal(why.attributes.what, "lifetime");
    const died = await nthEvent(d.client, id, "die");
    assert.equal(died.attributes.reason, "lifetime");
    assert.equal((await d.client.inspect(id)).state.reason, "lifetime");
  });

  test("--heartbeat-timeout: checking in through the API keeps it alive; silence ends it as stale", async () => {
    const r = await d.cli([
      "run",
      "-d",
      "--name",
      "beat",
      "--heartbeat-timeout",
      "1s",
      "--",
      "sleep",
      "1000",
    ]);
    const id = r.stdout.trim();
    // Check in ten times a second for two timeouts' worth; it must still run.
    for (let i = 0; i < 20; i++) {
      await d.client.heartbeat(id);
      await sleep(100);
    }
    assert.equal((await d.client.inspect(id)).state.status, "running");
    const died = await nthEvent(d.client, id, "die");
    assert.equal(died.attributes.reason, "stale");
    assert.equal((await nthEvent(d.client, id, "sandbox")).attributes.what, "heartbeat");
  });

  test("the container can check in by touching BOSUN_HEARTBEAT_FILE", async () => {
    const r = await d.cli([
      "run",
      "-d",
      "--name",
      "self-beat",
      "--heartbeat-timeout",
      "1s",
      "--",
      "sh",
      "-c",
      'while :; do touch "$BOSUN_HEARTBEAT_FILE"; sleep 0.1; done',
    ]);
    const id = r.stdout.trim();
    await sleep(2500);
    assert.equal((await d.client.inspect(id)).state.status, "running");
    await d.client.remove(id, { force: true });
  });

  test("heartbeat on a container without a timeout is a 409", async () => {
    const r = await d.cli(["run", "-d", "--name", "nobeat", "--", "sleep", "1000"]);
    await assert.rejects(d.client.heartbeat(r.stdout.trim()), /has no heartbeat timeout/);
    await d.client.remove("nobeat", { force: true });
  });
});
