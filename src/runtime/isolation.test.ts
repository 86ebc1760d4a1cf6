import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateContainerRequest } from "../api/schemas.ts";
import type { CgroupDriver } from "./cgroup/cgroup.ts";
import type { CgroupDetection } from "./cgroup/detect.ts";
import { checkSupport, isolationArgs } from "./isolation.ts";

const noCgroups: CgroupDetection = {
  driver: undefined,
  reason: "not root: cgroups need root",
  support: { version: null, controllers: [], swapLimit: null, summary: "none" },
};
const withCgroups = { driver: {} as CgroupDriver, support: noCgroups.support } as CgroupDetection;
const spec = (r: object) => CreateContainerRequest.parse({ command: ["true"], ...r });

test("what the host cannot do is refused, naming the field and the reason; nothing falls back", () => {
  const host = { cgroups: noCgroups, uid: 1000 };
  assert.throws(() => checkSupport(spec({ resources: { memory: "64m" } }), host), {
    message: "resources: not possible on this host: no usable cgroups (not root: cgroups need root)",
  });
  assert.throws(() => checkSupport(spec({ isolate: true }), host), {
    message: /^isolate: .*needs root, and bosund runs as uid 1000/,
  });
  assert.throws(() => checkSupport(spec({ network: "none" }), host), { message: /^network: / });
  assert.throws(() => checkSupport(spec({ user: "1000" }), host), { message: /^user: / });
  // Without any of it, a container is fine anywhere.
  checkSupport(spec({}), host);
});

test("as root with cgroups, it all goes through; unknown capabilities do not", () => {
  const host = { cgroups: withCgroups, uid: 0 };
  checkSupport(spec({ isolate: true, network: "none", resources: { cpu: 1 }, capAdd: ["NET_ADMIN"] }), host);
  assert.throws(
    () => checkSupport(spec({ isolate: true, capAdd: ["FLY"] }), host),
    /capAdd: unknown capability "FLY"/,
  );
});

test("the shim's options: namespaces, Docker's default capabilities plus cap-add, mounts, bounds", () => {
  const args = isolationArgs(
    {
      id: "x",
      name: "x",
      command: ["sh"],
      cwd: "/",
      env: {},
      labels: {},
      restart: "no",
      stopSignal: "SIGTERM",
      stopTimeout: 10,
      log: { maxSize: 1, maxFiles: 1 },
      stdin: false,
      autoRemove: false,
      created: "",
      isolate: true,
      network: "none",
      rootfs: "/r",
      volumes: [{ source: "/a", target: "/b", readOnly: true }],
      capAdd: ["NET_ADMIN"],
      heartbeatTimeout: 5000,
    },
    "/state/x",
    ["/sys/fs/cgroup/memory/bosun/x"],
  );
  assert.deepEqual(args.slice(0, 2), ["--cgroup", "/sys/fs/cgroup/memory/bosun/x"]);
  assert.ok(args.join(" ").includes("--ns pid,mount,uts,ipc,net"));
  assert.ok(args.join(" ").includes("--mount /a:/b:ro --mount /state/x/heartbeat:/run/bosun/heartbeat"));
  assert.ok(args.includes("--no-new-privs"));
  const caps = args[args.indexOf("--caps") + 1]!.split(",");
  assert.ok(caps.includes("NET_ADMIN") && caps.includes("CHOWN") && !caps.includes("SYS_ADMIN"));
});
