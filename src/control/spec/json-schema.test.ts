import assert from "node:assert/strict";
import { test } from "node:test";
import { appJsonSchema } from "./json-schema.ts";

type Schema = {
  properties: Record<string, Schema>;
  required?: string[];
  additionalProperties?: unknown;
} & Record<string, unknown>;

test("the JSON Schema describes an App as written in a file", () => {
  const schema = appJsonSchema() as Schema;
  assert.equal(schema.properties.kind?.const, "App");
  assert.deepEqual(schema.required, ["kind", "name", "spec"]);
  assert.equal(schema.additionalProperties, false);
  const spec = schema.properties.spec!;
  assert.deepEqual(spec.required, ["command"]);
  for (const field of [
    "command",
    "env",
    "replicas",
    "ports",
    "resources",
    "restart",
    "health",
    "update",
    "stopTimeout",
  ])
    assert.ok(spec.properties[field], `spec.${field} is missing`);
  assert.equal(spec.properties.replicas?.default, 1);
  // The input side: what people write ("10s"), not the milliseconds it becomes.
  assert.equal(spec.properties.stopTimeout?.default, "10s");
  assert.deepEqual(spec.properties.health?.properties.interval?.type, ["string", "number"]);
  const port = (spec.properties.ports as unknown as { items: Schema }).items;
  assert.deepEqual(Object.keys(port.properties), ["name", "expose", "balance", "host", "path", "timeout"]);
  assert.equal(port.properties.path?.type, "string");
});
