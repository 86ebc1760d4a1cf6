// Resource limits, checked before any cgroup file is written, with messages that name the field
// as the API spells it, and the arithmetic both drivers share.
import { BosunError } from "../../api/errors.ts";
import type { CgroupLimits } from "./cgroup.ts";

/** The kernel takes smaller limits, but a process under them is OOM-killed while it loads. */
export const MIN_MEMORY = 4 * 1024 * 1024;
/** CFS period, the default on both versions; the quota is cpus × period. */
export const CPU_PERIOD_US = 100_000;
/** The kernel refuses CFS quotas under 1 ms. */
const MIN_QUOTA_US = 1000;

function bad(field: keyof CgroupLimits, why: string): BosunError {
  return new BosunError("bad_request", `resources.${field}: ${why}`);
}

export function validateLimits(l: CgroupLimits): void {
  if (l.memory !== undefined && !(Number.isSafeInteger(l.memory) && l.memory >= MIN_MEMORY))
    throw bad("memory", `must be a whole number of bytes, at least 4 MiB (got ${l.memory})`);
  if (l.memorySwap !== undefined) {
    if (l.memory === undefined) throw bad("memorySwap", "needs resources.memory: it is memory plus swap");
    if (!(Number.isSafeInteger(l.memorySwap) && l.memorySwap >= l.memory))
      throw bad("memorySwap", `must be a whole number of bytes, at least resources.memory (${l.memory})`);
  }
  if (l.cpus !== undefined && !(Number.isFinite(l.cpus) && cpuQuotaUs(l.cpus) >= MIN_QUOTA_US))
    throw bad("cpus", `must be a number of cores, at least 0.01 (got ${l.cpus})`);
  if (l.pids !== undefined && !(Number.isSafeInteger(l.pids) && l.pids >= 1))
    throw bad("pids", `must be a whole number, at least 1 (got ${l.pids})`);
}

export function cpuQuotaUs(cpus: number): number {
  return Math.round(cpus * CPU_PERIOD_US);
}

/** Bytes of swap the container may use: 0 for none, undefined for no limit (no memory limit). */
export function swapBytes(l: CgroupLimits): number | undefined {
  return l.memory === undefined ? undefined : (l.memorySwap ?? l.memory) - l.memory;
}

/** A limit that swap accounting must enforce, refused when the host cannot account swap. */
export function swapUnsupported(): BosunError {
  return bad(
    "memorySwap",
    "this host does not account swap (the kernel needs swapaccount=1), so it cannot limit it; leave memorySwap out for no swap",
  );
}

export function controllerMissing(field: keyof CgroupLimits, controller: string): BosunError {
  return bad(field, `this host's cgroup hierarchy has no ${controller} controller`);
}
