import assert from "node:assert/strict";
import { test } from "node:test";
import { BosunError } from "../../api/errors.ts";
import type { CgroupLimits } from "./cgroup.ts";
import { cpuQuotaUs, swapBytes, validateLimits } from "./limits.ts";

const MiB = 1024 * 1024;

function refusal(l: CgroupLimits): string | undefined {
  try {
    validateLimits(l);
  } catch (e) {
    assert.ok(e instanceof BosunError);
    assert.equal(e.code, "bad_request");
    return e.message;
  }
  return undefined;
}

test("validateLimits() accepts sensible limits and none", () => {
  assert.equal(refusal({}), undefined);
  assert.equal(refusal({ memory: 64 * MiB, memorySwap: 128 * MiB, cpus: 0.5, pids: 1 }), undefined);
  assert.equal(refusal({ cpus: 0.01 }), undefined);
});

test("validateLimits() names the field it refuses", () => {
  assert.match(refusal({ memory: 1000 })!, /^resources\.memory: .*at least 4 MiB/);
  assert.match(refusal({ memory: 64 * MiB + 0.5 })!, /^resources\.memory: /);
  assert.match(refusal({ memory: Number.NaN })!, /^resources\.memory: /);
  assert.match(refusal({ memorySwap: 64 * MiB })!, /^resources\.memorySwap: needs resources\.memory/);
  assert.match(refusal({ memory: 64 * MiB, memorySwap: 32 * MiB })!, /^resources\.memorySwap: .*at least/);
  assert.match(refusal({ cpus: 0 })!, /^resources\.cpus: /);
  assert.match(refusal({ cpus: 0.001 })!, /^resources\.cpus: .*at least 0\.01/);
  assert.match(refusal({ cpus: Number.POSITIVE_INFINITY })!, /^resources\.cpus: /);
  assert.match(refusal({ pids: 0 })!, /^resources\.pids: /);
  assert.match(refusal({ pids: 2.5 })!, /^resources\.pids: /);
});

test("the CFS quota is cpus × 100 ms, in microseconds", () => {
  assert.equal(cpuQuotaUs(0.5), 50_000);
  assert.equal(cpuQuotaUs(2), 200_000);
});

test("swap is memorySwap minus memory: none by default, unlimited without a memory limit", () => {
  assert.equal(swapBytes({ memory: 64 * MiB }), 0);
  assert.equal(swapBytes({ memory: 64 * MiB, memorySwap: 96 * MiB }), 32 * MiB);
  assert.equal(swapBytes({}), undefined);
});
