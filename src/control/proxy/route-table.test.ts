import assert from "node:assert/strict";
import { test } from "node:test";
import { hostKey, RouteTable } from "./route-table.ts";

interface R {
  name: string;
  host?: string;
  pathPrefix?: string;
}

test("a single route without host or path takes every request", () => {
  const t = new RouteTable<R>([{ name: "only" }]);
  assert.equal(t.match("", "/")?.name, "only");
  assert.equal(t.match("anything.test", "/deep/path?q")?.name, "only");
});

test("host routes come first, then the longest path prefix on whole segments", () => {
  const t = new RouteTable<R>([
    { name: "api", host: "api.test" },
    { name: "api-v2", host: "API.test", pathPrefix: "/v2" },
    { name: "assets", pathPrefix: "/static/" },
    { name: "deep", pathPrefix: "/static/big" },
  ]);
  const m = (host: string, url: string): string | undefined => t.match(host, url)?.name;
  assert.equal(m("api.test", "/x"), "api");
  assert.equal(m("Api.Test:8443", "/v2/users"), "api-v2");
  assert.equal(m("api.test", "/v2?x"), "api-v2");
  assert.equal(m("api.test", "/v2#frag"), "api-v2");
  assert.equal(m("api.test", "/v2x"), "api");
  assert.equal(m("other.test", "/static"), "assets");
  assert.equal(m("other.test", "/static/big/1.png"), "deep");
  assert.equal(m("other.test", "/static/bigger"), "assets");
  assert.equal(m("", "/static/x"), "assets");
  assert.equal(m("other.test", "/"), undefined);
  assert.equal(m("other.test", "/staticx"), undefined);
});

test("a host whose own routes miss a path falls back to the routes for any host", () => {
  const t = new RouteTable<R>([{ name: "v2", host: "api.test", pathPrefix: "/v2" }, { name: "site" }]);
  assert.equal(t.match("api.test", "/v2/a")?.name, "v2");
  assert.equal(t.match("api.test", "/about")?.name, "site");
});

test("two routes for the same host and prefix are refused", () => {
  assert.throws(
    () =>
      new RouteTable<R>([
        { name: "a", pathPrefix: "/x" },
        { name: "b", pathPrefix: "/x/" },
      ]),
    /two routes/,
  );
  assert.throws(() => new RouteTable<R>([{ name: "a", pathPrefix: "x" }]), /must start with/);
});

test("hostKey() strips the port and lower-cases, IPv6 literals included", () => {
  assert.equal(hostKey("Example.COM:8080"), "example.com");
  assert.equal(hostKey("example.com"), "example.com");
  assert.equal(hostKey("[::1]:80"), "[::1]");
  assert.equal(hostKey("[::1]"), "[::1]");
});
