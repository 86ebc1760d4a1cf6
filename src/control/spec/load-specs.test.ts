import assert from "node:assert/strict";
import { test } from "node:test";
import { loadSpecs } from "./load-specs.ts";
import { SpecError } from "./spec-error.ts";

/** The error's lines, for a spec that must be refused. */
function refused(text: string, file = "web.yaml"): string[] {
  try {
    loadSpecs(text, file);
  } catch (e) {
    assert.ok(e instanceof SpecError, `expected a SpecError, got ${e}`);
    assert.equal(e.code, "bad_request");
    return e.message.split("\n");
  }
  assert.fail("expected the spec to be refused");
}

const app = (spec: string, head = "kind: App\nname: web\n") => `${head}spec:\n${spec}`;

test("a bad duration names the field, what was expected, and the line", () => {
  const text = app(
    "  command: [x]\n  ports: [{ name: http }]\n  health:\n    tcp: { port: http }\n    interval: fast\n",
  );
  assert.deepEqual(refused(text), [
    'spec.health.interval: expected a duration like "5s", got "fast" (web.yaml:8)',
  ]);
});

test("an unknown field is named with its own line", () => {
  assert.deepEqual(refused(app("  command: [x]\n  replica: 3\n")), [
    "spec.replica: unknown field (web.yaml:5)",
  ]);
  assert.deepEqual(refused(`kind: App\nname: web\nspec: { command: [x] }\nmetadata: {}\n`), [
    "metadata: unknown field (web.yaml:4)",
  ]);
});

test("a kind other than App is refused", () => {
  assert.deepEqual(refused(app("  command: [x]\n", "kind: Deployment\nname: web\n")), [
    'kind: expected "App", got "Deployment" (web.yaml:1)',
  ]);
});

test("a missing field is reported at its parent's line", () => {
  assert.deepEqual(refused("kind: App\nname: web\n\nspec:\n  cwd: /srv\n"), [
    "spec.command: is required (web.yaml:4)",
  ]);
  assert.deepEqual(refused("kind: App\nspec:\n  command: [x]\n"), ["name: is required (web.yaml:1)"]);
});

test("a health check must name a declared port", () => {
  const text = app("  command: [x]\n  ports:\n    - name: http\n  health:\n    http:\n      port: web\n");
  assert.deepEqual(refused(text), [
    'spec.health.http.port: names no declared port: "web" (ports: http) (web.yaml:9)',
  ]);
});

test("two ports with one name are refused at the second", () => {
  const text = app("  command: [x]\n  ports:\n    - name: http\n      expose: 80\n    - name: http\n");
  assert.deepEqual(refused(text), ['spec.ports[1].name: "http" is declared twice (web.yaml:8)']);
});

test("negative replicas are refused", () => {
  assert.deepEqual(refused(app("  command: [x]\n  replicas: -1\n")), [
    "spec.replicas: must be at least 0 (web.yaml:5)",
  ]);
});

test("a YAML syntax error names file and line", () => {
  const text = app("  command: [x\n  replicas: 2\n");
  const lines = refused(text);
  assert.ok(lines.length >= 1);
  assert.match(lines[0]!, /^Flow sequence .* \(web\.yaml:5\)$/);
});

test("all the issues of a document are reported, in the order of their lines", () => {
  const text = app(
    "  command: []\n  replicas: -1\n  stopTimeout: soon\n  colour: blue\n",
    "kind: App\nname: web\n",
  );
  assert.deepEqual(refused(text), [
    "spec.command: a command is required (web.yaml:4)",
    "spec.replicas: must be at least 0 (web.yaml:5)",
    'spec.stopTimeout: expected a duration like "5s", got "soon" (web.yaml:6)',
    "spec.colour: unknown field (web.yaml:7)",
  ]);
});

test("JSON is read too, with lines", () => {
  const json =
    '{\n  "kind": "App",\n  "name": "web",\n  "spec": {\n    "command": "node server.js"\n  }\n}\n';
  assert.deepEqual(refused(json, "web.json"), [
    'spec.command: expected a list, got "node server.js" (web.json:5)',
  ]);
  const ok = '{"kind": "App", "name": "web", "spec": {"command": ["node"], "replicas": 2}}';
  assert.equal(loadSpecs(ok, "web.json").specs[0]?.spec.replicas, 2);
});

test("a JSON syntax error names file and line", () => {
  assert.deepEqual(refused('{\n  "kind": "App",\n  "name": "web"\n  "spec": {}\n}\n', "web.json"), [
    "Missing , between flow map items (web.json:4)",
  ]);
});

test("a file holds several documents; empty ones are skipped", () => {
  const text = `---\n${app("  command: [a]\n")}\n---\n# nothing here\n---\n${app("  command: [b]\n", "kind: App\nname: api\n")}`;
  assert.deepEqual(
    loadSpecs(text, "apps.yaml").specs.map((a) => a.name),
    ["web", "api"],
  );
});

test("every document's issues carry the line in the whole file", () => {
  const text = `${app("  command: [a]\n")}---\n${app("  replicas: x\n", "kind: App\nname: api\n")}`;
  assert.deepEqual(refused(text), [
    "spec.command: is required (web.yaml:8)",
    'spec.replicas: expected a number, got "x" (web.yaml:9)',
  ]);
});

test("an app defined twice is refused at the second, which names the first", () => {
  const text = `${app("  command: [a]\n")}---\n${app("  command: [b]\n")}`;
  assert.deepEqual(refused(text), ['name: app "web" is also defined at web.yaml:2 (web.yaml:7)']);
});

test("a document that is not a mapping is refused", () => {
  assert.deepEqual(refused("- kind: App\n"), [
    "expected an App: a mapping with kind, name and spec (web.yaml:1)",
  ]);
});

test("standard input is a string with a name for messages", () => {
  assert.deepEqual(refused(app("  replicas: 1\n"), "stdin"), ["spec.command: is required (stdin:3)"]);
});
