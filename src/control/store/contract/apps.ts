// The store contract: apps: generations, history, rollback, status and scale.
import assert from "node:assert/strict";
import { test } from "node:test";
import { HISTORY_LIMIT } from "../store.ts";
import { at, rejectsWith, type WithStore } from "./support.ts";

export function appsContract(withStore: WithStore): void {
  test(
    "putApp creates an app at generation 1 with its spec, labels and first history entry",
    withStore(async (s) => {
      const { app, changed } = await s.putApp("web", { image: "nginx", replicas: 2 }, { tier: "front" });
      assert.equal(changed, true);
      assert.deepEqual(app, {
        name: "web",
        generation: 1,
        spec: { image: "nginx", replicas: 2 },
        labels: { tier: "front" },
        replicas: null,
        status: null,
        createdAt: at(0),
        updatedAt: at(0),
      });
      assert.deepEqual(await s.getApp("web"), app);
      assert.deepEqual(await s.appHistory("web"), [
        { generation: 1, spec: { image: "nginx", replicas: 2 }, createdAt: at(0) },
      ]);
    }),
  );

  test(
    "applying the same spec again changes nothing, whatever the order of its keys",
    withStore(async (s, clock) => {
      await s.putApp("web", { image: "nginx", env: { A: "1", B: "2" } }, { tier: "front" });
      clock.advance(1000);
      const again = await s.putApp("web", { env: { B: "2", A: "1" }, image: "nginx" }, { tier: "front" });
      assert.equal(again.changed, false);
      assert.equal(again.app.generation, 1);
      assert.equal(again.app.updatedAt, at(0));
      assert.equal((await s.appHistory("web")).length, 1);
    }),
  );

  test(
    "a different spec makes the next generation, and the history lists both, newest first",
    withStore(async (s, clock) => {
      await s.putApp("web", { image: "nginx:1" });
      clock.advance(1000);
      const { app, changed } = await s.putApp("web", { image: "nginx:2" });
      assert.equal(changed, true);
      assert.equal(app.generation, 2);
      assert.deepEqual(app.spec, { image: "nginx:2" });
      assert.equal(app.createdAt, at(0));
      assert.equal(app.updatedAt, at(1000));
      assert.deepEqual(await s.appHistory("web"), [
        { generation: 2, spec: { image: "nginx:2" }, createdAt: at(1000) },
        { generation: 1, spec: { image: "nginx:1" }, createdAt: at(0) },
      ]);
    }),
  );

  test(
    "changing only the labels updates them without a new generation",
    withStore(async (s) => {
      await s.putApp("web", { image: "nginx" }, { tier: "front" });
      const r = await s.putApp("web", { image: "nginx" }, { tier: "back" });
      assert.equal(r.changed, true);
      assert.equal(r.app.generation, 1);
      assert.deepEqual(r.app.labels, { tier: "back" });
      assert.equal((await s.appHistory("web")).length, 1);
    }),
  );

  test(
    `the history keeps the newest ${HISTORY_LIMIT} generations`,
    withStore(async (s) => {
      for (let v = 1; v <= HISTORY_LIMIT + 5; v++) await s.putApp("web", { v });
      const history = await s.appHistory("web");
      assert.deepEqual(
        history.map((h) => h.generation),
        Array.from({ length: HISTORY_LIMIT }, (_, i) => HISTORY_LIMIT + 5 - i),
      );
      assert.deepEqual(history[0]!.spec, { v: HISTORY_LIMIT + 5 });
    }),
  );

  test(
    "apps are listed by name, and deleting one removes it with its history and replicas",
    withStore(async (s) => {
      await s.putApp("web", { v: 1 });
      await s.putApp("api", { v: 1 });
      await s.putApp("db", { v: 1 });
      assert.deepEqual(
        (await s.listApps()).map((a) => a.name),
        ["api", "db", "web"],
      );
      await s.upsertReplica({ app: "web", index: 0 });
      assert.equal(await s.deleteApp("web"), true);
      assert.equal(await s.deleteApp("web"), false);
      assert.equal(await s.getApp("web"), undefined);
      assert.deepEqual(await s.listReplicas("web"), []);
      await rejectsWith("not_found", s.appHistory("web"));
      const again = await s.putApp("web", { v: 2 });
      assert.equal(again.app.generation, 1, "a new app of the same name starts over");
      assert.equal((await s.appHistory("web")).length, 1);
    }),
  );

  test(
    "rollback makes the previous spec current as a new generation, and a second one goes back again",
    withStore(async (s, clock) => {
      await s.putApp("web", { image: "nginx:1" });
      await s.putApp("web", { image: "nginx:2" });
      clock.advance(5000);
      const back = await s.rollbackApp("web");
      assert.equal(back.changed, true);
      assert.equal(back.app.generation, 3);
      assert.deepEqual(back.app.spec, { image: "nginx:1" });
      assert.deepEqual(await s.appHistory("web").then((h) => h[0]), {
        generation: 3,
        spec: { image: "nginx:1" },
        createdAt: at(5000),
      });
      const forth = await s.rollbackApp("web");
      assert.equal(forth.app.generation, 4);
      assert.deepEqual(forth.app.spec, { image: "nginx:2" });
    }),
  );

  test(
    "rollback to a named generation; to the current spec it changes nothing",
    withStore(async (s) => {
      for (const image of ["a", "b", "c"]) await s.putApp("web", { image }, { keep: "me" });
      const r = await s.rollbackApp("web", 1);
      assert.equal(r.app.generation, 4);
      assert.deepEqual(r.app.spec, { image: "a" });
      assert.deepEqual(r.app.labels, { keep: "me" });
      const same = await s.rollbackApp("web", 1);
      assert.equal(same.changed, false);
      assert.equal(same.app.generation, 4);
      const current = await s.rollbackApp("web", 4);
      assert.equal(current.changed, false);
    }),
  );

  test(
    "rollback refuses an unknown app, a generation not kept, and an app with nothing before",
    withStore(async (s) => {
      await rejectsWith("not_found", s.rollbackApp("nope"));
      await s.putApp("web", { v: 1 });
      await rejectsWith("conflict", s.rollbackApp("web"));
      await rejectsWith("not_found", s.rollbackApp("web", 7));
      for (let v = 2; v <= HISTORY_LIMIT + 2; v++) await s.putApp("web", { v });
      await rejectsWith("not_found", s.rollbackApp("web", 1));
      assert.equal((await s.getApp("web"))!.generation, HISTORY_LIMIT + 2);
    }),
  );

  test(
    "the status is stored beside the spec, stamped, and makes no generation",
    withStore(async (s, clock) => {
      await s.putApp("web", { v: 1 });
      clock.advance(2000);
      const app = await s.setAppStatus("web", {
        phase: "progressing",
        message: "1 of 3 updated",
        generation: 1,
      });
      assert.deepEqual(app.status, {
        phase: "progressing",
        message: "1 of 3 updated",
        generation: 1,
        updatedAt: at(2000),
      });
      assert.equal(app.generation, 1);
      assert.equal(app.updatedAt, at(0));
      const done = await s.setAppStatus("web", { phase: "complete", message: "", generation: 1 });
      assert.equal(done.status?.phase, "complete");
      await rejectsWith("not_found", s.setAppStatus("nope", { phase: "failed", message: "", generation: 1 }));
    }),
  );

  test(
    "scale is kept beside the spec: no generation, and it holds across applies until cleared",
    withStore(async (s) => {
      await s.putApp("web", { replicas: 2 });
      const scaled = await s.setReplicas("web", 5);
      assert.equal(scaled.replicas, 5);
      assert.equal(scaled.generation, 1);
      assert.equal((await s.appHistory("web")).length, 1);
      assert.equal((await s.putApp("web", { replicas: 2 })).app.replicas, 5);
      assert.equal((await s.putApp("web", { replicas: 2, image: "x" })).app.replicas, 5);
      assert.equal((await s.setReplicas("web", null)).replicas, null);
      assert.equal((await s.setReplicas("web", 0)).replicas, 0);
      await rejectsWith("bad_request", s.setReplicas("web", -1));
      await rejectsWith("bad_request", s.setReplicas("web", 1.5));
      await rejectsWith("not_found", s.setReplicas("nope", 1));
    }),
  );
}
