// A small root filesystem for isolation tests: Debian's busybox-static with its applets in /bin,
// built once per busybox version and cached for every later run and every test file. The cached
// tree is shared: treat it as read-only, and give a container that writes to its root a copy
// (copyRootfs).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Where the trees are kept: root can write /var/cache; anyone else gets a per-machine temp dir. */
function cacheDir(): string {
  return process.getuid?.() === 0 ? "/var/cache/bosun-test" : join(tmpdir(), "bosun-test-cache");
}

const PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
const GROUP = "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n";

let built: Promise<string | { skip: string }> | undefined;

/**
 * The path of a busybox root filesystem, or why there is none (no apt, no network): a reason to
 * skip with. Built on first use in this process; cached on disk across processes and runs.
 */
export function busyboxRootfs(): Promise<string | { skip: string }> {
  built ??= build().catch((e: Error) => ({ skip: `cannot build a busybox rootfs: ${e.message}` }));
  return built;
}

/** Copies a root filesystem, links and modes kept, for a container that writes to it. */
export async function copyRootfs(src: string, dst: string): Promise<void> {
  await run("cp", ["-a", `${src}/.`, dst]);
}

/** Complete: the tree is renamed into place only once whole, so these name a finished one. */
function complete(dir: string): boolean {
  return ["bin/busybox", "bin/sh", "etc/passwd"].every((f) => existsSync(join(dir, f)));
}

/** The version apt would download, e.g. 1:1.35.0-4+deb12u1+b1; undefined if apt knows none. */
async function candidate(): Promise<string | undefined> {
  try {
    const { stdout } = await run("apt-cache", ["policy", "busybox-static"]);
    const v = /Candidate:\s*(\S+)/.exec(stdout)?.[1];
    return v && v !== "(none)" ? v : undefined;
  } catch {
    return undefined;
  }
}

async function build(): Promise<string | { skip: string }> {
  const cache = cacheDir();
  const version = await candidate();
  if (!version) {
    // Offline, or no package lists: an earlier run's tree still serves.
    const old = existsSync(cache)
      ? (await readdir(cache)).filter((n) => n.startsWith("busybox-rootfs-"))
      : [];
    const found = old.map((n) => join(cache, n)).find(complete);
    return found ?? { skip: "apt knows no busybox-static package (no apt, or no package lists)" };
  }
  const final = join(cache, `busybox-rootfs-${version.replace(/[^\w.+-]/g, "_")}`);
  if (complete(final)) return final;
  await mkdir(cache, { recursive: true });
  // Built beside its final place and renamed in: a rename is atomic, so two test files building
  // at once never see half a tree; the loser of the race drops its own.
  const work = await mkdtemp(join(cache, ".build-"));
  try {
    const root = await assemble(work, version);
    if (existsSync(final) && !complete(final)) await rm(final, { recursive: true, force: true });
    try {
      await rename(root, final);
    } catch (e) {
      if (!complete(final)) throw e;
    }
    return final;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Downloads and unpacks the package in `work`, and makes the tree; returns its path. */
async function assemble(work: string, version: string): Promise<string> {
  // apt-get download only fetches the .deb into the cwd: nothing is installed on the host. As
  // root in a directory _apt cannot enter, apt would warn that it downloads unsandboxed.
  await run("apt-get", ["download", "-q", "-o", "APT::Sandbox::User=root", `busybox-static=${version}`], {
    cwd: work,
    timeout: 120_000,
  });
  const deb = (await readdir(work)).find((n) => n.endsWith(".deb"));
  if (!deb) throw new Error("apt-get download left no .deb");
  await run("dpkg-deb", ["-x", join(work, deb), join(work, "pkg")]);

  const root = join(work, "root");
  for (const d of ["bin", "etc", "proc", "dev", "sys", "tmp", "root", "mnt"]) {
    await mkdir(join(root, d), { recursive: true });
  }
  await chmod(join(root, "tmp"), 0o1777);
  await chmod(join(root, "root"), 0o700);
  await rename(join(work, "pkg", "bin", "busybox"), join(root, "bin", "busybox"));
  const { stdout } = await run(join(root, "bin", "busybox"), ["--list"]);
  for (const applet of stdout.split("\n")) {
    if (applet && applet !== "busybox") await symlink("busybox", join(root, "bin", applet));
  }
  await writeFile(join(root, "etc", "passwd"), PASSWD);
  await writeFile(join(root, "etc", "group"), GROUP);
  // The shim binds the host's over these: present, the shared tree is never written to for them.
  await writeFile(join(root, "etc", "hosts"), "");
  await writeFile(join(root, "etc", "resolv.conf"), "");
  return root;
}
