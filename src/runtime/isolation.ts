// What a container's limits, isolation and sandbox bounds become on its shim's command line
// (docs/shim.md), and the checks that refuse, at create, what this host cannot do: nothing
// falls back silently.
import { stat } from "node:fs/promises";
import { BosunError } from "../api/errors.ts";
import type { CreateContainerSpec } from "../api/schemas.ts";
import type { CgroupLimits } from "./cgroup/cgroup.ts";
import type { CgroupDetection } from "./cgroup/detect.ts";
import type { ContainerConfig, Resources } from "./container.ts";

/** The capability names the kernel knows, by number (linux/capability.h). */
export const CAPABILITIES = [
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "IPC_OWNER",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_CHROOT",
  "SYS_PTRACE",
  "SYS_PACCT",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_NICE",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "MKNOD",
  "LEASE",
  "AUDIT_WRITE",
  "AUDIT_CONTROL",
  "SETFCAP",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "SYSLOG",
  "WAKE_ALARM",
  "BLOCK_SUSPEND",
  "AUDIT_READ",
  "PERFMON",
  "BPF",
  "CHECKPOINT_RESTORE",
] as const;

/** What an isolated container keeps, as Docker's default set. */
export const DEFAULT_CAPABILITIES = [
  "CHOWN",
  "DAC_OVERRIDE",
  "FSETID",
  "FOWNER",
  "MKNOD",
  "NET_RAW",
  "SETGID",
  "SETUID",
  "SETFCAP",
  "SETPCAP",
  "NET_BIND_SERVICE",
  "SYS_CHROOT",
  "KILL",
  "AUDIT_WRITE",
];

/** The heartbeat file in the state directory, which the shim watches (docs/shim.md, "Sandbox bounds"). */
export const HEARTBEAT_FILE = "heartbeat";
/** Where a container with its own root filesystem finds it (bind-mounted there). */
export const HEARTBEAT_IN_ROOTFS = "/run/bosun/heartbeat";

/** The path the container is told (BOSUN_HEARTBEAT_FILE) to touch. */
export function heartbeatPath(config: Pick<ContainerConfig, "rootfs">, dir: string): string {
  return config.rootfs ? HEARTBEAT_IN_ROOTFS : `${dir}/${HEARTBEAT_FILE}`;
}

export interface HostSupport {
  cgroups: CgroupDetection;
  /** Namespaces, pivot_root, setuid and capability changes need root. */
  uid: number;
}

function unsupported(field: string, why: string): BosunError {
  return new BosunError("bad_request", `${field}: not possible on this host: ${why}`);
}

/** Throws, naming the field, when the spec asks for something this host cannot give. */
export function checkSupport(spec: CreateContainerSpec, host: HostSupport): void {
  const r = spec.resources ?? {};
  const limited = Object.values(r).some((v) => v !== undefined);
  if (limited && !host.cgroups.driver)
    throw unsupported("resources", `no usable cgroups (${host.cgroups.reason})`);
  const root = host.uid === 0;
  const needRoot = (field: string, asked: boolean) => {
    if (asked && !root) throw unsupported(field, `it needs root, and bosund runs as uid ${host.uid}`);
  };
  needRoot("isolate", spec.isolate === true);
  needRoot("network", spec.network === "none");
  needRoot("user", spec.user !== undefined);
  for (const cap of spec.capAdd ?? []) {
    if (!(CAPABILITIES as readonly string[]).includes(cap))
      throw new BosunError("bad_request", `capAdd: unknown capability "${cap}"`);
  }
}

/** The shim's options for the config's limits (the cgroup dirs), isolation and bounds. */
export function isolationArgs(config: ContainerConfig, dir: string, cgroupDirs: readonly string[]): string[] {
  const args: string[] = [];
  for (const d of cgroupDirs) args.push("--cgroup", d);
  if (config.maxLifetime) args.push("--max-lifetime", String(config.maxLifetime));
  if (config.heartbeatTimeout) args.push("--heartbeat-timeout", String(config.heartbeatTimeout));
  const ns = config.isolate ? ["pid", "mount", "uts", "ipc"] : [];
  if (config.network === "none") ns.push("net");
  if (ns.length > 0) args.push("--ns", ns.join(","));
  if (config.hostname) args.push("--hostname", config.hostname);
  if (config.rootfs) args.push("--rootfs", config.rootfs);
  if (config.readOnly) args.push("--read-only");
  for (const v of config.volumes ?? [])
    args.push("--mount", `${v.source}:${v.target}${v.readOnly ? ":ro" : ""}`);
  // Inside another root the state directory is out of sight: the heartbeat file is bound in.
  if (config.heartbeatTimeout && config.rootfs)
    args.push("--mount", `${dir}/${HEARTBEAT_FILE}:${HEARTBEAT_IN_ROOTFS}`);
  if (config.user) args.push("--user", config.user);
  if (config.isolate) {
    args.push("--no-new-privs");
    const caps = new Set([...DEFAULT_CAPABILITIES, ...(config.capAdd ?? [])]);
    args.push("--caps", [...caps].join(","));
  }
  return args;
}

/** The config's share of a create request: only what was asked for, so old configs read the same. */
export function isolationConfig(spec: CreateContainerSpec): Partial<ContainerConfig> {
  const c: Partial<ContainerConfig> = {};
  if (spec.resources && Object.values(spec.resources).some((v) => v !== undefined))
    c.resources = spec.resources;
  if (spec.isolate) c.isolate = true;
  if (spec.network) c.network = spec.network;
  if (spec.hostname) c.hostname = spec.hostname;
  if (spec.rootfs) c.rootfs = spec.rootfs;
  if (spec.readOnly) c.readOnly = true;
  if (spec.volumes?.length)
    c.volumes = spec.volumes.map((v) => ({
      source: v.source,
      target: v.target,
      readOnly: v.readOnly ?? false,
    }));
  if (spec.user) c.user = spec.user;
  if (spec.capAdd?.length) c.capAdd = spec.capAdd;
  if (spec.maxLifetime) c.maxLifetime = spec.maxLifetime;
  if (spec.heartbeatTimeout) c.heartbeatTimeout = spec.heartbeatTimeout;
  return c;
}

/** The API's resources as the cgroup drivers take them. */
export function cgroupLimits(r: Resources): CgroupLimits {
  const l: CgroupLimits = {};
  if (r.memory !== undefined) l.memory = r.memory;
  if (r.memorySwap !== undefined) l.memorySwap = r.memorySwap;
  if (r.cpu !== undefined) l.cpus = r.cpu;
  if (r.pids !== undefined) l.pids = r.pids;
  return l;
}

/** The rootfs and the volumes' sources must exist now, not fail at some later start. */
export async function checkPaths(spec: CreateContainerSpec): Promise<void> {
  const isDir = (p: string) =>
    stat(p).then(
      (s) => s.isDirectory(),
      () => undefined,
    );
  if (spec.rootfs !== undefined && (await isDir(spec.rootfs)) !== true)
    throw new BosunError("bad_request", `rootfs: ${spec.rootfs} is not a directory`);
  for (const [i, v] of (spec.volumes ?? []).entries()) {
    if ((await isDir(v.source)) === undefined)
      throw new BosunError("bad_request", `volumes.${i}.source: ${v.source} does not exist`);
  }
}
