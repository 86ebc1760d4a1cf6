// Isolation (docs/shim-isolation.md): namespaces, the root filesystem, user and privileges, and
// exec into all of them. Needs root; the rootfs tests need Debian's busybox-static (downloaded).
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname as hostHostname } from "node:os";
import { basename, join } from "node:path";
import { after, describe, test } from "node:test";
import { busyboxRootfs, copyRootfs } from "../../test/helpers/rootfs.ts";
import { alive, cleanup, descendants, exec, procIds, tempDir, waitFor, waitOutput } from "./helpers.ts";
import {
  DEFAULT_CAPS,
  DEFAULT_CAPS_MASK,
  hostMountsMentioning,
  needsRoot,
  nsOf,
  nsPids,
  runIsolated,
  startIsolated,
} from "./isolate-helpers.ts";

after(cleanup);

const T = { timeout: 60_000 };
const rootSkip = needsRoot();
const built = rootSkip ? { skip: rootSkip } : await busyboxRootfs();
const ROOTFS = typeof built === "string" ? built : "";
const fsSkip = typeof built === "string" ? false : built.skip;

/** Lines of text, without the empty one after the last newline. */
const lines = (s: string) => s.split("\n").filter((l) => l !== "");

/** busybox `ps -o pid,comm`: [pid, command] rows, the header dropped. */
function psRows(text: string): [number, string][] {
  return lines(text)
    .filter((l) => /^\s*\d+\s/.test(l))
    .map((l) => {
      const [pid, comm] = l.trim().split(/\s+/);
      return [Number(pid), comm!];
    });
}

describe("--ns pid", { skip: fsSkip }, () => {
  test("the main process is PID 1; ps inside sees only the container's processes", T, async () => {
    // `exit` keeps sh from exec'ing ps in its own place.
    const r = await runIsolated(
      ["sh", "-c", "echo $$; sleep 1000 & ps -o pid,comm; exit 0"],
      ["--ns", "pid,mount", "--rootfs", ROOTFS],
    );
    assert.equal(r.exit.exitCode, 0);
    const [first, ...rest] = lines(r.stdout);
    assert.equal(first, "1");
    const rows = psRows(rest.join("\n"));
    assert.deepEqual(
      rows.map(([pid]) => pid),
      [1, 2, 3],
    );
    assert.deepEqual(rows[0], [1, "sh"]);
    assert.deepEqual(rows[2], [3, "ps"]);
  });

  test("without a rootfs, a fresh /proc still shows only the container (the host's ps)", T, async () => {
    const r = await runIsolated(["sh", "-c", "ps -e -o pid=,comm="], ["--ns", "pid,mount"]);
    const rows = psRows(r.stdout);
    assert.ok(rows.length > 0 && rows.every(([pid]) => pid <= 2), r.stdout);
    assert.deepEqual(rows[0], [1, "sh"]);
    // The host's /proc is untouched: its pid 1 is still the machine's init.
    assert.ok(existsSync("/proc/1/status") && hostMountsMentioning(" /proc ").length === 1);
  });

  test("the shim and status.json know the main process by its host pid", T, async () => {
    const s = await startIsolated(["sleep", "1000"], ["--ns", "pid"]);
    const reply = await s.start();
    const pid = Number(reply.split(" ")[1]);
    assert.equal(s.status().pid, pid);
    assert.deepEqual(nsPids(pid), [pid, 1]);
    assert.equal(procIds(pid)?.pgrp, pid);
  });
});

describe("--ns uts", { skip: rootSkip }, () => {
  test("hostname prints --hostname; the host's is untouched", T, async () => {
    const before = hostHostname();
    const r = await runIsolated(["hostname"], ["--ns", "uts", "--hostname", "box-1"]);
    assert.equal(r.stdout, "box-1\n");
    assert.equal(hostHostname(), before);
  });

  test("without --hostname, it is the last component of --dir, cut to 12 characters", T, async () => {
    const r = await runIsolated(["hostname"], ["--ns", "uts"]);
    assert.equal(r.stdout, `${basename(r.shim.dir).slice(0, 12)}\n`);
  });
});

describe("--ns net", { skip: rootSkip }, () => {
  test("the only device is lo, and it is up", T, async () => {
    const r = await runIsolated(["sh", "-c", "cat /proc/net/dev; ip -o link"], ["--ns", "net"]);
    const devices = lines(r.stdout)
      .filter((l) => /^\s*\w+:\s+\d/.test(l))
      .map((l) => l.split(":")[0]!.trim());
    assert.deepEqual(devices, ["lo"]);
    assert.match(r.stdout, /^1: lo: <LOOPBACK,UP,LOWER_UP>/m);
    assert.equal(lines(r.stdout).filter((l) => /^\d+: /.test(l)).length, 1);
  });

  test("with a rootfs, /sys is a fresh read-only sysfs of the container's network", T, async (t) => {
    if (fsSkip) return t.skip(fsSkip);
    const r = await runIsolated(
      ["sh", "-c", "ls /sys/class/net; touch /sys/x || echo refused"],
      ["--ns", "mount,net", "--rootfs", ROOTFS],
    );
    assert.equal(r.stdout, "lo\nrefused\n");
  });
});

describe("--rootfs", { skip: fsSkip }, () => {
  test("/ is the rootfs: the host's files are out of sight; /proc and /dev work", T, async () => {
    const host = join(await tempDir(), "host-secret");
    writeFileSync(host, "secret");
    const r = await runIsolated(
      [
        "sh",
        "-c",
        `ls /; test -e ${host} && echo visible || echo invisible; echo x > /dev/null && echo null ok; ` +
          "head -c 4 /dev/zero | wc -c; readlink /proc/self/exe; ls /dev; ls /dev/pts; touch /dev/shm/x && echo shm ok",
      ],
      ["--ns", "pid,mount", "--rootfs", ROOTFS],
    );
    assert.equal(r.exit.exitCode, 0, r.stderr);
    const out = lines(r.stdout);
    const top = readdirSync(ROOTFS).sort();
    assert.deepEqual(out.slice(0, top.length), top);
    assert.deepEqual(out.slice(top.length, top.length + 4), ["invisible", "null ok", "4", "/bin/busybox"]);
    const dev = ["fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty"];
    assert.deepEqual(out.slice(top.length + 4, top.length + 4 + dev.length + 2), [...dev, "urandom", "zero"]);
    // A devpts of its own: none of the host's terminals.
    assert.deepEqual(out.slice(-2), ["ptmx", "shm ok"]);
  });

  test("/proc/sys is read-only and the host's keys and firmware are masked, as in Docker", T, async () => {
    // In a uts namespace: were the write let through, it would only rename the container's domain.
    const r = await runIsolated(
      [
        "sh",
        "-c",
        "cat /proc/sys/kernel/domainname > /proc/sys/kernel/domainname || echo sys refused; " +
          "cat /proc/keys | wc -c; ls -A /sys/firmware | wc -l",
      ],
      ["--ns", "pid,mount,uts", "--rootfs", ROOTFS],
    );
    assert.equal(r.stdout, "sys refused\n0\n0\n");
    assert.match(r.stderr, /Read-only file system/);
  });

  test("the host's /etc/hosts and /etc/resolv.conf are there, read-only", T, async (t) => {
    if (!existsSync("/etc/hosts")) return t.skip("the host has no /etc/hosts");
    const r = await runIsolated(
      ["sh", "-c", "cat /etc/hosts; echo >> /etc/hosts || echo refused"],
      ["--ns", "mount", "--rootfs", ROOTFS],
    );
    assert.equal(r.stdout, `${readFileSync("/etc/hosts", "utf8")}refused\n`);
  });

  test("no mount of the container's shows on the host, while it runs or after", T, async () => {
    const s = await startIsolated(["sleep", "1000"], ["--ns", "pid,mount", "--rootfs", ROOTFS]);
    await s.start();
    assert.deepEqual(hostMountsMentioning(ROOTFS), []);
    assert.equal(await s.request("T", "9 1000"), "ok");
    await s.waitExit();
    assert.deepEqual(hostMountsMentioning(ROOTFS), []);
  });

  test("a writable rootfs takes writes; --read-only refuses them but in /dev/shm", T, async () => {
    const copy = await tempDir();
    await copyRootfs(ROOTFS, copy);
    const rw = await runIsolated(["touch", "/made-inside"], ["--ns", "mount", "--rootfs", copy]);
    assert.equal(rw.exit.exitCode, 0, rw.stderr);
    assert.ok(existsSync(join(copy, "made-inside")));

    const ro = await runIsolated(
      [
        "sh",
        "-c",
        "touch /x || echo root refused; touch /tmp/x || echo tmp refused; touch /dev/shm/x && echo shm ok",
      ],
      ["--ns", "mount", "--rootfs", copy, "--read-only"],
    );
    assert.equal(ro.stdout, "root refused\ntmp refused\nshm ok\n");
    assert.match(ro.stderr, /Read-only file system/);
    assert.ok(!existsSync(join(copy, "x")));
  });

  test("--mount binds a host directory or file, read-write or ro; missing targets are made", T, async () => {
    const copy = await tempDir();
    await copyRootfs(ROOTFS, copy);
    const rw = await tempDir();
    const ro = await tempDir();
    writeFileSync(join(ro, "data"), "from the host\n");
    const file = join(await tempDir(), "motd");
    writeFileSync(file, "hello\n");
    const r = await runIsolated(
      [
        "sh",
        "-c",
        "echo written > /mnt/out && echo rw ok; cat /data/ro/data; echo x > /data/ro/y || echo ro refused; cat /etc/motd",
      ],
      [
        "--ns",
        "mount",
        "--rootfs",
        copy,
        "--mount",
        `${rw}:/mnt`,
        "--mount",
        `${ro}:/data/ro:ro`,
        "--mount",
        `${file}:/etc/motd:ro`,
      ],
    );
    assert.equal(r.stdout, "rw ok\nfrom the host\nro refused\nhello\n");
    assert.equal(readFileSync(join(rw, "out"), "utf8"), "written\n");
    assert.ok(!existsSync(join(ro, "y")));
    // The targets were made in the rootfs: a directory and an empty file.
    assert.ok(existsSync(join(copy, "data", "ro")));
    assert.equal(readFileSync(join(copy, "etc", "motd"), "utf8"), "");
  });

  test(
    "links in the rootfs resolve inside it: nothing is mounted or made on the host's tree",
    T,
    async () => {
      const copy = await tempDir();
      await copyRootfs(ROOTFS, copy);
      const src = await tempDir();
      const name = `bosun-isolate-${basename(copy)}`;
      // An image whose /data is an absolute link: /data/NAME is the rootfs's /tmp/NAME, made there.
      symlinkSync("/tmp", join(copy, "data"));
      const r = await runIsolated(
        ["ls", "-d", `/tmp/${name}`],
        ["--ns", "mount", "--rootfs", copy, "--mount", `${src}:/data/${name}`],
      );
      assert.equal(r.stdout, `/tmp/${name}\n`);
      assert.ok(existsSync(join(copy, "tmp", name)));
      assert.ok(!existsSync(join("/tmp", name)));
      // A link to a place the rootfs lacks is an error, never a directory made on the host.
      const outside = await tempDir();
      symlinkSync(outside, join(copy, "elsewhere"));
      const e = await runIsolated(
        ["true"],
        ["--ns", "mount", "--rootfs", copy, "--mount", `${src}:/elsewhere/sub`],
      );
      assert.equal(e.exit.error, `rootfs ${copy}: mount ${src} on /elsewhere/sub: No such file or directory`);
      assert.deepEqual(readdirSync(outside), []);
    },
  );

  test("a failure is the S reply and exit.json's error, naming the step and the path", T, async () => {
    const missing = join(await tempDir(), "nope");
    const r = await runIsolated(["true"], ["--ns", "mount", "--rootfs", missing]);
    assert.equal(r.reply, `err rootfs ${missing}: bind mount: No such file or directory`);
    assert.equal(r.exit.reason, "exec-failed");
    assert.equal(r.exit.exitCode, 126);

    const m = await runIsolated(
      ["true"],
      ["--ns", "mount", "--rootfs", ROOTFS, "--mount", `${missing}:/mnt`],
    );
    assert.equal(m.exit.error, `rootfs ${ROOTFS}: mount ${missing} on /mnt: No such file or directory`);

    // Without a rootfs, nothing is created on the host's own tree.
    const h = await runIsolated(["true"], ["--ns", "mount", "--mount", `/tmp:${missing}`]);
    assert.equal(h.exit.error, `mount /tmp on ${missing}: No such file or directory`);
    assert.ok(!existsSync(missing));
  });

  test("--cwd is resolved inside the rootfs; the default is /", T, async () => {
    const r = await runIsolated(["pwd"], ["--ns", "mount", "--rootfs", ROOTFS]);
    assert.equal(r.stdout, "/\n");
    const c = await runIsolated(["pwd"], ["--ns", "mount", "--rootfs", ROOTFS], { cwd: "/root" });
    assert.equal(c.stdout, "/root\n");
  });
});

describe("user and privileges", { skip: fsSkip }, () => {
  const fs = ["--ns", "mount", "--rootfs", ROOTFS];

  test("--user 65534:65534 runs as nobody, with no supplementary groups", T, async () => {
    const r = await runIsolated(
      ["sh", "-c", "id -u; id -g; grep Groups /proc/self/status"],
      [...fs, "--user", "65534:65534"],
    );
    assert.deepEqual(
      lines(r.stdout).map((l) => l.trim()),
      ["65534", "65534", "Groups:"],
    );
  });

  test("--caps: the bounding, effective and permitted sets are the given ones", T, async () => {
    const r = await runIsolated(["grep", "^Cap", "/proc/self/status"], [...fs, "--caps", DEFAULT_CAPS]);
    const caps = Object.fromEntries(lines(r.stdout).map((l) => l.split(/:\s+/)));
    assert.equal(caps.CapBnd, DEFAULT_CAPS_MASK);
    assert.equal(caps.CapEff, DEFAULT_CAPS_MASK);
    assert.equal(caps.CapPrm, DEFAULT_CAPS_MASK);
    assert.equal(caps.CapAmb, "0000000000000000");
  });

  test("--caps: a capability left out is refused (sethostname needs SYS_ADMIN)", T, async () => {
    const r = await runIsolated(
      ["sh", "-c", "hostname other || echo refused; hostname"],
      ["--ns", "mount,uts", "--rootfs", ROOTFS, "--hostname", "box", "--caps", DEFAULT_CAPS],
    );
    assert.equal(r.stdout, "refused\nbox\n");
  });

  test("--user with --caps: no capability in effect, the bounding set still limited", T, async () => {
    const r = await runIsolated(
      ["grep", "^Cap", "/proc/self/status"],
      [...fs, "--caps", DEFAULT_CAPS, "--user", "65534"],
    );
    const caps = Object.fromEntries(lines(r.stdout).map((l) => l.split(/:\s+/)));
    assert.equal(caps.CapEff, "0000000000000000");
    assert.equal(caps.CapBnd, DEFAULT_CAPS_MASK);
  });

  test("--no-new-privs sets NoNewPrivs; without it, it is 0", T, async () => {
    const on = await runIsolated(["grep", "NoNewPrivs", "/proc/self/status"], [...fs, "--no-new-privs"]);
    assert.equal(on.stdout, "NoNewPrivs:\t1\n");
    const off = await runIsolated(["grep", "NoNewPrivs", "/proc/self/status"], fs);
    assert.equal(off.stdout, "NoNewPrivs:\t0\n");
  });
});

describe("exec in an isolated container", { skip: fsSkip }, () => {
  const all = ["--ns", "pid,mount,uts,ipc,net", "--rootfs", ROOTFS, "--hostname", "box"];
  const privs = ["--user", "65534:65534", "--caps", DEFAULT_CAPS, "--no-new-privs"];

  test("it is in every namespace of the main process, as its user, with its privileges", T, async () => {
    const s = await startIsolated(["sleep", "1000"], [...all, ...privs], { cwd: "/tmp" });
    const main = Number((await s.start()).split(" ")[1]);
    const x = await exec(s, [
      "sh",
      "-c",
      "hostname; id -u; pwd; ps -o pid,comm; ls /; grep -E '^(CapBnd|NoNewPrivs)' /proc/self/status; sleep 1000",
    ]);
    assert.match(x.reply, /^ok 1 \d+$/);
    await waitFor(() => x.stdout().includes("NoNewPrivs"), "the exec's output");
    const out = lines(x.stdout());
    assert.deepEqual(out.slice(0, 3), ["box", "65534", "/tmp"]);
    const rows = psRows(out.slice(3).join("\n"));
    assert.deepEqual(rows[0], [1, "sleep"]);
    assert.ok(rows.some(([, c]) => c === "ps"));
    assert.ok(
      rows.every(([pid]) => pid < 100),
      x.stdout(),
    );
    assert.ok(out.includes(`CapBnd:\t${DEFAULT_CAPS_MASK}`) && out.includes("NoNewPrivs:\t1"), x.stdout());
    for (const name of readdirSync(ROOTFS)) assert.ok(out.includes(name), `ls / lacks ${name}`);
    // Seen from the host: the same namespaces; the pid the reply gave is the host's.
    for (const ns of ["pid", "mnt", "uts", "ipc", "net"]) assert.equal(nsOf(x.pid, ns), nsOf(main, ns), ns);
    assert.equal(nsPids(x.pid)[0], x.pid);
    assert.notEqual(nsPids(x.pid).at(-1), x.pid);
    // In the container's process group, so a stop reaches it.
    assert.equal(procIds(x.pid)?.pgrp, main);
    // The shim's own next children are born in its own pid namespace again.
    assert.equal(nsOf(s.pid, "pid_for_children"), nsOf(s.pid, "pid"));
  });

  test("an exec with a terminal works in the rootfs", T, async () => {
    const s = await startIsolated(["sleep", "1000"], all);
    await s.start();
    const x = await exec(s, ["sh", "-c", "echo hi from $(hostname)"], {}, { tty: true });
    assert.match(x.reply, /^ok /);
    const ev = await waitFor(x.exit, "exec-exit");
    assert.equal(ev.exitCode, 0);
    assert.equal(x.stdout(), "hi from box\r\n");
  });

  test("a command missing from the rootfs is an err reply", T, async () => {
    const s = await startIsolated(["sleep", "1000"], all);
    await s.start();
    // bash exists on the host, not in the busybox rootfs.
    assert.equal((await exec(s, ["bash", "-c", "true"])).reply, "err exec bash: No such file or directory");
    assert.match((await exec(s, ["true"])).reply, /^ok /);
  });
});

describe("stop of an isolated container", { skip: fsSkip }, () => {
  test(
    "a PID 1 without a handler for the stop signal ends at once (SIGKILL); nothing is left",
    T,
    async () => {
      const s = await startIsolated(
        // The loop outlives its sleeps, which the stop signal kills: only the SIGKILL ends sh.
        ["sh", "-c", "sleep 1000 & sleep 1000 & echo ready; while :; do sleep 1; done"],
        ["--ns", "pid,mount,ipc,uts,net", "--rootfs", ROOTFS],
      );
      const a = await s.attach();
      await s.start();
      await waitOutput(a, "ready");
      const x = await exec(s, ["sleep", "1000"]);
      const procs = await waitFor(() => {
        const d = descendants(s.pid);
        return d.length >= 4 && d;
      }, "the container's processes");
      const t0 = Date.now();
      assert.equal(await s.request("T", "15 10000"), "ok");
      const exit = await s.waitExit();
      assert.ok(Date.now() - t0 < 5000, `the stop took ${Date.now() - t0} ms`);
      assert.equal(exit.reason, "stopped");
      assert.equal(exit.signal, 9);
      for (const pid of [...procs, x.pid]) assert.ok(!alive(pid), `pid ${pid} survived`);
      assert.deepEqual(hostMountsMentioning(ROOTFS), []);
    },
  );

  test("a PID 1 that handles the stop signal gets it", T, async () => {
    const s = await startIsolated(
      ["sh", "-c", 'trap "echo bye; exit 3" TERM; echo ready; while :; do sleep 0.1; done'],
      ["--ns", "pid,mount", "--rootfs", ROOTFS],
    );
    const a = await s.attach();
    await s.start();
    await waitOutput(a, "ready");
    assert.equal(await s.request("T", "15 10000"), "ok");
    const exit = await s.waitExit();
    assert.equal(exit.exitCode, 3);
    assert.equal(exit.signal, null);
    assert.match((await s.output()).toString(), /bye/);
  });
});

describe("--tty with --rootfs", { skip: fsSkip }, () => {
  test(
    "the output arrives; the terminal is the shim's, from outside the container's /dev/pts",
    T,
    async () => {
      const r = await runIsolated(
        ["sh", "-c", "echo hello; test -t 0 && echo tty"],
        ["--ns", "pid,mount", "--rootfs", ROOTFS],
        { tty: true },
      );
      assert.equal(r.exit.exitCode, 0);
      assert.equal(r.stdout, "hello\r\ntty\r\n");
    },
  );
});

// A rootfs a test writes to is a copy; the shared one stays as built.
test("the shared rootfs was not written to", { skip: fsSkip }, () => {
  assert.deepEqual(readdirSync(ROOTFS).sort(), ["bin", "dev", "etc", "mnt", "proc", "root", "sys", "tmp"]);
  assert.deepEqual(readdirSync(join(ROOTFS, "tmp")), []);
  assert.deepEqual(readdirSync(join(ROOTFS, "etc")).sort(), ["group", "hosts", "passwd", "resolv.conf"]);
});
