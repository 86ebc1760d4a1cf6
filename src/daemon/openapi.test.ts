import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { parse as parseYaml } from "yaml";
import type { AppController } from "../control/apps/controller.ts";
import type { Admission } from "../runtime/admission.ts";
import type { EventBus } from "../runtime/event-bus.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { openApiDocument } from "./openapi.ts";
import { buildServer } from "./server.ts";

type Schema = {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
};
type Doc = {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
};

// Registering routes calls nothing on the runtime, the admission, the event bus or the apps, and
// the requests below fail validation before any handler reaches them: placeholders suffice.
const unused = <T>() => ({}) as T;

let app: FastifyInstance;
before(async () => {
  app = await buildServer({
    runtime: unused<Runtime>(),
    events: unused<EventBus>(),
    admission: unused<Admission>(),
    apps: unused<AppController>(),
    log: pino({ level: "silent" }),
    version: () => ({ version: "0.0.0-test", apiVersion: "v1", node: "", os: "", arch: "" }),
    info: unused,
  });
  await app.ready();
});
after(() => app.close());

/**
 * "METHOD /v1/a/{p}" for every route, read from fastify's route tree (`├── /v1/apps (GET, HEAD)`,
 * each level indented four more columns, each line the rest of its parent's path). HEAD is left
 * out: fastify adds it to every GET.
 */
function registeredRoutes(server: FastifyInstance): Set<string> {
  const routes = new Set<string>();
  const prefixes: string[] = [];
  for (const line of server.printRoutes({ commonPrefix: false }).split("\n")) {
    const m = /^(.*?)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const path = (prefixes[depth - 1] ?? "") + m[2]!;
    prefixes[depth] = path;
    for (const method of m[3]?.split(", ") ?? [])
      if (method !== "HEAD") routes.add(`${method} ${path.replace(/:(\w+)/g, "{$1}")}`);
  }
  return routes;
}

function documentedRoutes(doc: Doc): Set<string> {
  return new Set(
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    ),
  );
}

/** The JSON Schema subset the document uses, enough to tell whether it accepts a value. */
function accepts(s: Schema, v: unknown, at = "App"): string[] {
  if (s.anyOf) {
    const tries = s.anyOf.map((b) => accepts(b, v, at));
    return tries.some((t) => t.length === 0) ? [] : tries.flat();
  }
  if (s.enum && !s.enum.includes(v)) return [`${at}: not one of ${JSON.stringify(s.enum)}`];
  if (Array.isArray(v)) {
    if (s.type !== "array") return [`${at}: an array where ${s.type} is expected`];
    return v.flatMap((x, i) => (s.items ? accepts(s.items, x, `${at}[${i}]`) : []));
  }
  if (v !== null && typeof v === "object") {
    if (s.type !== "object") return [`${at}: an object where ${s.type} is expected`];
    const missing = (s.required ?? []).filter((k) => !(k in v)).map((k) => `${at}.${k}: missing`);
    return Object.entries(v).flatMap(([k, x]) => {
      const p =
        s.properties?.[k] ??
        (typeof s.additionalProperties === "object" ? s.additionalProperties : undefined);
      if (p) return accepts(p, x, `${at}.${k}`);
      return s.additionalProperties === false ? [`${at}.${k}: not a field`] : [];
    }, missing);
  }
  const type = Number.isInteger(v) && s.type === "integer" ? "integer" : typeof v;
  return s.type === undefined || s.type === type ? [] : [`${at}: a ${type} where ${s.type} is expected`];
}

test("the OpenAPI document describes every route the server registers, and only those", () => {
  const routes = registeredRoutes(app);
  const documented = documentedRoutes(openApiDocument("test") as Doc);
  // The parse of the route tree found the routes of each part of the API.
  for (const r of [
    "GET /v1/ping",
    "POST /v1/containers/{ref}/start",
    "GET /v1/apps/{name}",
    "POST /v1/lockdown",
  ])
    assert.ok(routes.has(r), `${r} not found in the route tree`);
  assert.deepEqual(
    [...routes].filter((r) => !documented.has(r)).sort(),
    [],
    "routes missing from the document",
  );
  assert.deepEqual(
    [...documented].filter((r) => !routes.has(r)).sort(),
    [],
    "documented routes that do not exist",
  );
});

test("GET /v1/openapi.json serves the document, with a path parameter for each {name} in a path", async () => {
  const res = await app.inject({ method: "GET", url: "/v1/openapi.json" });
  assert.equal(res.statusCode, 200);
  const doc = res.json() as Doc;
  assert.deepEqual(documentedRoutes(doc), documentedRoutes(openApiDocument("test") as Doc));
  for (const [path, ops] of Object.entries(doc.paths)) {
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const op of Object.values(ops) as { parameters?: { name: string; in: string }[] }[]) {
      const inPath = (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
      assert.deepEqual(inPath, names, path);
    }
  }
});

test("the document's App schema accepts the example of issue 5 and refuses a misspelt field", () => {
  const app = (openApiDocument("test") as Doc).components.schemas.App!;
  assert.deepEqual(app.required, ["kind", "name", "spec"]);
  assert.deepEqual(app.properties?.kind?.enum, ["App"]);
  const example = parseYaml(
    readFileSync(new URL("../control/spec/fixtures/web.yaml", import.meta.url), "utf8"),
  );
  assert.deepEqual(accepts(app, example), []);
  const { replicas, ...rest } = example.spec;
  assert.deepEqual(accepts(app, { ...example, spec: { ...rest, replica: replicas } }), [
    "App.spec.replica: not a field",
  ]);
});

test("the apps routes refuse a bad body with 400 and the field's name", async () => {
  const cases: [string, object, RegExp][] = [
    ["/v1/apps/web/scale", { replicas: -1 }, /^replicas: /],
    ["/v1/apps/web/scale", {}, /^replicas: /],
    ["/v1/apps/apply", { files: [] }, /^files: no files/],
    ["/v1/apps/apply", { files: [{ name: "web.yaml", text: "" }], dryRun: "yes" }, /^dryRun: /],
    ["/v1/apps/web/rollback", { generation: 0 }, /^generation: /],
  ];
  for (const [url, payload, message] of cases) {
    const res = await app.inject({ method: "POST", url, payload });
    assert.equal(res.statusCode, 400, url);
    assert.equal(res.json().error.code, "bad_request");
    assert.match(res.json().error.message, message);
  }
});
