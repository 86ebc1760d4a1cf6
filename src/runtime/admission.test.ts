import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BosunError } from "../api/errors.ts";
import { Admission, type Claim, checkQuotas, parseQuotas, sizeText } from "./admission.ts";

const M = 1024 ** 2;
const shop = (memory?: number): Claim => ({ labels: { team: "shop" }, memory });
const many = (n: number, c: Claim): Claim[] => Array.from({ length: n }, () => c);

/** The BosunError checkQuotas throws, or undefined when it lets the container in. */
function refusal(f: () => void): BosunError | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    assert.ok(e instanceof BosunError, String(e));
    return e;
  }
}

describe("quotas", () => {
  test("the container count: the Nth container is let in, the one after it is refused with the numbers", () => {
    const q = { maxContainers: 3 };
    assert.equal(
      refusal(() => checkQuotas(q, shop(), many(2, shop()))),
      undefined,
    );
    const e = refusal(() => checkQuotas(q, shop(), many(3, shop())));
    assert.equal(e?.code, "quota_exceeded");
    assert.equal(e?.status, 403);
    assert.equal(e?.message, "quota: at most 3 containers (3 exist)");
    assert.match(e?.hint ?? "", /stopped containers count too/);
  });

  test("per label: each value of the key has its own count, and containers without the label are free", () => {
    const q = { maxPerLabel: { team: 2 } };
    const existing = [...many(2, shop()), { labels: { team: "ops" } }, { labels: {} }, { labels: {} }];
    const e = refusal(() => checkQuotas(q, shop(), existing));
    assert.equal(e?.message, "quota: at most 2 containers with label team=shop (2 exist)");
    assert.equal(
      refusal(() => checkQuotas(q, { labels: { team: "ops" } }, existing)),
      undefined,
    );
    assert.equal(
      refusal(() => checkQuotas(q, { labels: { app: "web" } }, existing)),
      undefined,
    );
  });

  test("memory: the sum of the limits may reach the quota but not pass it", () => {
    const q = { maxMemory: 1024 * M };
    const existing = [shop(512 * M), shop(256 * M)];
    assert.equal(
      refusal(() => checkQuotas(q, shop(256 * M), existing)),
      undefined,
    );
    const e = refusal(() => checkQuotas(q, shop(257 * M), existing));
    assert.equal(
      e?.message,
      "quota: at most 1g of memory limits in all (768m taken, this container asks for 257m)",
    );
  });

  test("memory: while it is capped, a container without a limit is refused and told to give one", () => {
    const e = refusal(() => checkQuotas({ maxMemory: 8 * 1024 * M }, shop(), []));
    assert.equal(e?.message, "quota: a container needs a memory limit while bosund caps their sum at 8g");
    assert.equal(e?.hint, "give it one, e.g. `--memory 256m`");
  });

  test("memory: containers without a limit, made before the quota, count as 0", () => {
    assert.equal(
      refusal(() => checkQuotas({ maxMemory: 64 * M }, shop(64 * M), [shop(), shop()])),
      undefined,
    );
  });

  test("every quota that is passed is named in one message", () => {
    const q = { maxContainers: 1, maxPerLabel: { team: 1 } };
    const e = refusal(() => checkQuotas(q, shop(), [shop()]));
    assert.equal(
      e?.message,
      "quota: at most 1 containers (1 exist); quota: at most 1 containers with label team=shop (1 exist)",
    );
  });

  test("no quotas let everything in", () => {
    assert.equal(
      refusal(() => checkQuotas({}, shop(), many(1000, shop()))),
      undefined,
    );
  });
});

describe("parseQuotas()", () => {
  test("reads the daemon's flags: a count, a size, and KEY=N per label key", () => {
    assert.deepEqual(
      parseQuotas({ maxContainers: "10", maxMemory: "2g", maxPerLabel: ["team=3", "a=b=4"] }),
      { maxContainers: 10, maxMemory: 2 * 1024 ** 3, maxPerLabel: { team: 3, "a=b": 4 } },
    );
    assert.deepEqual(parseQuotas({}), {});
  });

  test("a bad value names its flag", () => {
    assert.throws(
      () => parseQuotas({ maxContainers: "ten" }),
      /^Error: --max-containers: expected a whole number, got "ten"$/,
    );
    assert.throws(() => parseQuotas({ maxMemory: "lots" }), /^Error: --max-memory: expected a size/);
    assert.throws(
      () => parseQuotas({ maxPerLabel: ["team"] }),
      /^Error: --max-per-label: expected KEY=N, got "team"$/,
    );
    assert.throws(() => parseQuotas({ maxPerLabel: ["=3"] }), /--max-per-label: expected KEY=N/);
    assert.throws(() => parseQuotas({ maxPerLabel: ["team=x"] }), /--max-per-label: expected a whole number/);
    assert.throws(() => parseQuotas({ maxPerLabel: ["team=1", "team=2"] }), /"team" is given twice/);
  });
});

test("sizeText() writes sizes as the flags take them", () => {
  assert.equal(sizeText(1024 ** 3), "1g");
  assert.equal(sizeText(1536 * M), "1536m");
  assert.equal(sizeText(4096), "4k");
  assert.equal(sizeText(1000), "1000b");
  assert.equal(sizeText(0), "0b");
});

describe("lockdown", () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "bosun-admission-"));
  });
  after(() => rm(root, { recursive: true, force: true }));

  const fresh = async () => {
    await rm(join(root, "lockdown.json"), { force: true });
    return Admission.open(root, {});
  };

  test("off by default: creates and starts pass", async () => {
    const a = await fresh();
    assert.deepEqual(a.lockdown, { on: false, since: null });
    a.checkCreate(shop(), []);
    a.checkStart("web");
  });

  test("on refuses every create and start with locked_down and says how to lift it", async () => {
    const a = await fresh();
    const r = await a.setLockdown(true, "2026-01-02T03:04:05.000000000Z");
    assert.deepEqual(r, { state: { on: true, since: "2026-01-02T03:04:05.000000000Z" }, changed: true });
    const start = refusal(() => a.checkStart("web"));
    assert.equal(start?.code, "locked_down");
    assert.equal(start?.status, 423);
    assert.equal(
      start?.message,
      "cannot start web: bosund is in lockdown since 2026-01-02T03:04:05.000000000Z",
    );
    assert.equal(start?.hint, "lift it with `bosun lockdown off`");
    assert.match(refusal(() => a.checkCreate(shop(), [], "db"))?.message ?? "", /^cannot create db: /);
    assert.match(refusal(() => a.checkCreate(shop(), []))?.message ?? "", /^cannot create a container: /);
  });

  test("lockdown comes before the quotas: a full, locked daemon says it is locked", async () => {
    await (await fresh()).setLockdown(true, "t");
    const a = await Admission.open(root, { maxContainers: 0 });
    assert.equal(refusal(() => a.checkCreate(shop(), []))?.code, "locked_down");
    await a.setLockdown(false, "u");
    assert.equal(refusal(() => a.checkCreate(shop(), []))?.code, "quota_exceeded");
  });

  test("the flag survives a restart: a new Admission over the same root reads it", async () => {
    const a = await fresh();
    await a.setLockdown(true, "2026-01-02T03:04:05.000000000Z");
    const b = await Admission.open(root, {});
    assert.deepEqual(b.lockdown, { on: true, since: "2026-01-02T03:04:05.000000000Z" });
    await b.setLockdown(false, "later");
    assert.deepEqual((await Admission.open(root, {})).lockdown, { on: false, since: null });
  });

  test("turning it on twice keeps the first since and reports no change", async () => {
    const a = await fresh();
    await a.setLockdown(true, "first");
    assert.deepEqual(await a.setLockdown(true, "second"), {
      state: { on: true, since: "first" },
      changed: false,
    });
    assert.deepEqual(await a.setLockdown(false, "x"), { state: { on: false, since: null }, changed: true });
    assert.deepEqual(await a.setLockdown(false, "y"), { state: { on: false, since: null }, changed: false });
  });

  test("changes made at once are written in order: the file ends as the last one asked", async () => {
    const a = await fresh();
    await Promise.all([a.setLockdown(true, "1"), a.setLockdown(false, "2"), a.setLockdown(true, "3")]);
    assert.deepEqual(a.lockdown, { on: true, since: "3" });
    assert.deepEqual(JSON.parse(await readFile(join(root, "lockdown.json"), "utf8")), {
      on: true,
      since: "3",
    });
  });

  test("an unreadable lockdown.json keeps the daemon locked down, says why, and off heals it", async () => {
    await writeFile(join(root, "lockdown.json"), "{not json");
    const problems: string[] = [];
    const a = await Admission.open(root, {}, (why) => problems.push(why));
    assert.deepEqual(a.lockdown, { on: true, since: null });
    assert.equal(refusal(() => a.checkStart("web"))?.message, "cannot start web: bosund is in lockdown");
    assert.match(problems[0] ?? "", /lockdown\.json: .*staying in lockdown$/);
    await a.setLockdown(false, "now");
    assert.deepEqual((await Admission.open(root, {})).lockdown, { on: false, since: null });
  });
});
