// The OpenAPI document, derived from the same zod schemas that validate requests, so the two
// cannot drift apart.
import { z } from "zod";
import { KillAllRequest, KillAllResponse, LockdownRequest, LockdownState } from "../api/policy.ts";
import {
  Container,
  ContainerStats,
  CreateContainerRequest,
  CreateContainerResponse,
  DaemonInfo,
  Event,
  TopResponse,
  VersionInfo,
  WaitResponse,
} from "../api/schemas.ts";

const schema = (s: z.ZodType, io: "input" | "output" = "output") =>
  z.toJSONSchema(s, { io, unrepresentable: "any", target: "openapi-3.0" });

const ErrorBody = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: { code: { type: "string" }, message: { type: "string" }, hint: { type: "string" } },
      required: ["code", "message"],
    },
  },
};

const ok = (s: unknown) => ({
  "200": { description: "OK", content: { "application/json": { schema: s } } },
  default: { description: "error", content: { "application/json": { schema: ErrorBody } } },
});
const stream = {
  name: "stream",
  in: "query",
  description: "1 (default): a sample per container per second, forever; 0: one sample each",
  schema: { type: "string", enum: ["1", "0", "true", "false"] },
};
const stats = (description: string) => ({
  "200": {
    description,
    content: { "application/x-ndjson": { schema: schema(ContainerStats) } },
  },
});

const ref = {
  name: "ref",
  in: "path",
  required: true,
  description: "id, unambiguous id prefix, or name",
  schema: { type: "string" },
};

let cached: object | undefined;

export function openApiDocument(version: string): object {
  cached ??= {
    openapi: "3.0.3",
    info: { title: "bosund API", version },
    paths: {
      "/v1/ping": { get: { responses: ok({ type: "object" }) } },
      "/v1/version": { get: { responses: ok(schema(VersionInfo)) } },
      "/v1/info": { get: { responses: ok(schema(DaemonInfo)) } },
      "/v1/containers": {
        get: {
          parameters: [
            { name: "all", in: "query", schema: { type: "boolean" } },
            { name: "filter", in: "query", schema: { type: "array", items: { type: "string" } } },
          ],
          responses: ok({ type: "array", items: schema(Container) }),
        },
        post: {
          requestBody: {
            content: { "application/json": { schema: schema(CreateContainerRequest, "input") } },
          },
          responses: { ...ok(schema(CreateContainerResponse)), "201": { description: "created" } },
        },
      },
      "/v1/containers/kill": {
        post: {
          description:
            "the kill switch: signal (SIGKILL by default) every running container that passes the filters",
          requestBody: { content: { "application/json": { schema: schema(KillAllRequest, "input") } } },
          responses: ok(schema(KillAllResponse)),
        },
      },
      "/v1/lockdown": {
        get: { responses: ok(schema(LockdownState)) },
        post: {
          description: "on: refuse every create and start (423 locked_down) until off; it survives a restart",
          requestBody: { content: { "application/json": { schema: schema(LockdownRequest, "input") } } },
          responses: ok(schema(LockdownState)),
        },
      },
      "/v1/containers/{ref}": {
        get: { parameters: [ref], responses: ok(schema(Container)) },
        delete: {
          parameters: [ref, { name: "force", in: "query", schema: { type: "boolean" } }],
          responses: ok({ type: "object" }),
        },
      },
      "/v1/containers/{ref}/start": {
        post: {
          parameters: [ref],
          responses: { ...ok(schema(Container)), "304": { description: "already running" } },
        },
      },
      "/v1/containers/{ref}/stop": {
        post: {
          parameters: [ref, { name: "t", in: "query", schema: { type: "integer" } }],
          responses: { ...ok(schema(Container)), "304": { description: "not running" } },
        },
      },
      "/v1/containers/{ref}/restart": {
        post: {
          parameters: [ref, { name: "t", in: "query", schema: { type: "integer" } }],
          responses: ok(schema(Container)),
        },
      },
      "/v1/containers/{ref}/kill": {
        post: {
          parameters: [ref, { name: "signal", in: "query", schema: { type: "string" } }],
          responses: ok(schema(Container)),
        },
      },
      "/v1/containers/{ref}/pause": {
        post: {
          parameters: [ref],
          description: "stop every process of the container (409 unless running)",
          responses: ok(schema(Container)),
        },
      },
      "/v1/containers/{ref}/unpause": {
        post: {
          parameters: [ref],
          description: "let a paused container's processes go on (409 unless paused)",
          responses: ok(schema(Container)),
        },
      },
      "/v1/containers/{ref}/heartbeat": {
        post: {
          parameters: [ref],
          description:
            "check in for a container with a heartbeat timeout (204; 409 without one or when not running)",
          responses: { "204": { description: "checked in" } },
        },
      },
      "/v1/containers/{ref}/wait": {
        post: {
          parameters: [
            ref,
            {
              name: "condition",
              in: "query",
              schema: { type: "string", enum: ["not-running", "next-exit"] },
            },
          ],
          responses: ok(schema(WaitResponse)),
        },
      },
      "/v1/containers/{ref}/logs": {
        get: {
          parameters: [
            ref,
            ...["follow", "tail", "since", "until"].map((name) => ({
              name,
              in: "query",
              schema: { type: "string" },
            })),
          ],
          responses: { "200": { description: "CRI log lines, chunked", content: { "text/plain": {} } } },
        },
      },
      "/v1/containers/{ref}/attach": {
        get: {
          parameters: [ref],
          description:
            "WebSocket: binary frames are [stream byte 1|2][bytes] out, stdin in; text frames are JSON control",
          responses: { "101": { description: "upgraded" } },
        },
      },
      "/v1/containers/{ref}/exec": {
        get: {
          parameters: [
            ref,
            {
              name: "cmd",
              in: "query",
              required: true,
              description: "the command and its arguments, one per cmd",
              schema: { type: "array", items: { type: "string" } },
              style: "form",
              explode: true,
            },
            {
              name: "env",
              in: "query",
              description: "extra KEY=VALUE variables, one per env",
              schema: { type: "array", items: { type: "string" } },
              style: "form",
              explode: true,
            },
            {
              name: "stdin",
              in: "query",
              description: 'forward stdin (binary frames in, {"type":"close-stdin"} to half-close)',
              schema: { type: "boolean" },
            },
          ],
          description:
            'WebSocket: runs a process in the running container (its cwd and environment). Text {"type":"exec-start","id","pid"} once it runs; then as attach: binary [stream byte 1|2][bytes] out, stdin in; the socket closes after {"type":"exit","exitCode"}. 409 (before the upgrade) when the container is paused or not running; a command that cannot run is an {"type":"error","code":"exec_failed"} message.',
          responses: {
            "101": { description: "upgraded" },
            "409": {
              description: "paused or not running",
              content: { "application/json": { schema: ErrorBody } },
            },
          },
        },
      },
      "/v1/stats": {
        get: {
          parameters: [
            stream,
            {
              name: "all",
              in: "query",
              description: "not only running containers",
              schema: { type: "boolean" },
            },
          ],
          description:
            "CPU needs two readings of /proc: the first sample comes 0.5 s after the request, then one per second. A container that is not running has a zero sample.",
          responses: stats("NDJSON, one object per running container per sample, chunked"),
        },
      },
      "/v1/containers/{ref}/stats": {
        get: {
          parameters: [ref, stream],
          description: "as GET /v1/stats, for one container; the stream ends when the container is removed",
          responses: stats("NDJSON, one object per sample, chunked"),
        },
      },
      "/v1/containers/{ref}/top": {
        get: {
          parameters: [ref],
          description: "the container's processes (409 unless running or paused)",
          responses: ok(schema(TopResponse)),
        },
      },
      "/v1/events": {
        get: {
          responses: {
            "200": {
              description: "NDJSON events, chunked",
              content: { "application/x-ndjson": { schema: schema(Event) } },
            },
          },
        },
      },
    },
  };
  return cached;
}
