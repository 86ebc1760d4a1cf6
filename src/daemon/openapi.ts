// The OpenAPI document, derived from the same zod schemas that validate requests (bodies and
// query strings), so the two cannot drift apart; openapi.test.ts checks that it names every
// route the server registers, and no other.
import { z } from "zod";
import {
  ApplyRequest,
  ApplyResult,
  AppView,
  DiffResult,
  RollbackRequest,
  ScaleRequest,
} from "../api/apps.ts";
import { ERROR_TABLE, type ErrorCode } from "../api/errors.ts";
import { KillAllRequest, KillAllResponse, LockdownRequest, LockdownState } from "../api/policy.ts";
import {
  AttachQuery,
  Container,
  ContainerStats,
  ContainerStatsQuery,
  CreateContainerRequest,
  CreateContainerResponse,
  DaemonInfo,
  Event,
  EventsQuery,
  ExecQuery,
  KillQuery,
  ListQuery,
  LogsQuery,
  RemoveQuery,
  StatsQuery,
  StopQuery,
  TopResponse,
  VersionInfo,
  WaitQuery,
  WaitResponse,
} from "../api/schemas.ts";
import { AppSpec } from "../control/spec/app-spec.ts";

type Json = Record<string, unknown>;

const schema = (s: z.ZodType, io: "input" | "output" = "output"): Json =>
  z.toJSONSchema(s, { io, unrepresentable: "any", target: "openapi-3.0" });

const ErrorBody = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_TABLE) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    hint: z.string().optional(),
  }),
});
const IdName = z.object({ id: z.string(), name: z.string() });

const json = (s: Json) => ({ "application/json": { schema: s } });
const error = { description: "error", content: json({ $ref: "#/components/schemas/Error" }) };
const ok = (s: Json, description = "OK") => ({ "200": { description, content: json(s) } });
const body = (s: z.ZodType, required = true) => ({ required, content: json(schema(s, "input")) });
const arrayOf = (s: Json) => ({ type: "array", items: s });
const appView = { $ref: "#/components/schemas/AppView" };

/** A query schema's fields as parameters: their names, whether required, and their input types. */
function query(s: z.ZodType, descriptions: Record<string, string> = {}): Json[] {
  const { properties = {}, required = [] } = schema(s, "input") as {
    properties?: Record<string, Json>;
    required?: string[];
  };
  return Object.entries(properties).map(([name, field]) => ({
    name,
    in: "query",
    ...(required.includes(name) ? { required: true } : {}),
    ...(descriptions[name] !== undefined ? { description: descriptions[name] } : {}),
    schema: field,
  }));
}

const pathParams: Record<string, string> = {
  ref: "id, unambiguous id prefix, or name",
  name: "the app's name",
};

/** Every operation gets its path's parameters and the error body as its default response. */
function complete(paths: Record<string, Record<string, Json>>): Json {
  const entries = Object.entries(paths).map(([path, ops]) => {
    const params = [...path.matchAll(/\{(\w+)\}/g)].map(([, name = ""]) => ({
      name,
      in: "path",
      required: true,
      ...(pathParams[name] !== undefined ? { description: pathParams[name] } : {}),
      schema: { type: "string" },
    }));
    const completed = Object.entries(ops).map(([method, op]) => {
      const parameters = [...params, ...((op.parameters as Json[] | undefined) ?? [])];
      const responses = { ...(op.responses as Json), default: error };
      return [method, { ...op, ...(parameters.length > 0 ? { parameters } : {}), responses }];
    });
    return [path, Object.fromEntries(completed)];
  });
  return Object.fromEntries(entries);
}

const stats = (description: string) => ({
  "200": { description, content: { "application/x-ndjson": { schema: schema(ContainerStats) } } },
});
const streamParam = {
  stream: "1 (default): a sample per container per second, forever; 0: one sample each",
};
const upgraded = { "101": { description: "switched to the WebSocket protocol" } };

// Functions, not constants: the schemas are converted on the first request, not at startup.
const containerPaths = () => ({
  "/v1/containers": {
    get: {
      summary: "list containers (running ones unless all)",
      parameters: query(ListQuery, { filter: "KEY=VALUE: name=, id=, label=KEY or KEY=VALUE, status=" }),
      responses: ok(arrayOf(schema(Container))),
    },
    post: {
      summary: "create a container (created, not started)",
      requestBody: body(CreateContainerRequest),
      responses: { "201": { description: "created", content: json(schema(CreateContainerResponse)) } },
    },
  },
  "/v1/containers/kill": {
    post: {
      description:
        "the kill switch: signal (SIGKILL by default) every running container that passes the filters",
      requestBody: body(KillAllRequest),
      responses: ok(schema(KillAllResponse)),
    },
  },
  "/v1/containers/{ref}": {
    get: { summary: "inspect a container", responses: ok(schema(Container)) },
    delete: {
      summary: "remove a container (force: stop it first)",
      parameters: query(RemoveQuery),
      responses: ok(schema(IdName)),
    },
  },
  "/v1/containers/{ref}/start": {
    post: { responses: { ...ok(schema(Container)), "304": { description: "already running" } } },
  },
  "/v1/containers/{ref}/stop": {
    post: {
      parameters: query(StopQuery, { t: "seconds to wait after the stop signal before SIGKILL" }),
      responses: { ...ok(schema(Container)), "304": { description: "not running" } },
    },
  },
  "/v1/containers/{ref}/restart": {
    post: { parameters: query(StopQuery), responses: ok(schema(Container)) },
  },
  "/v1/containers/{ref}/kill": {
    post: {
      parameters: query(KillQuery, { signal: "a name (SIGTERM, TERM) or a number; SIGKILL by default" }),
      responses: ok(schema(Container)),
    },
  },
  "/v1/containers/{ref}/pause": {
    post: {
      description: "stop every process of the container (409 unless running)",
      responses: ok(schema(Container)),
    },
  },
  "/v1/containers/{ref}/unpause": {
    post: {
      description: "let a paused container's processes go on (409 unless paused)",
      responses: ok(schema(Container)),
    },
  },
  "/v1/containers/{ref}/heartbeat": {
    post: {
      description:
        "check in for a container with a heartbeat timeout (204; 409 without one or when not running)",
      responses: { "204": { description: "checked in" } },
    },
  },
  "/v1/containers/{ref}/wait": {
    post: {
      description: "answers when the condition is met (not-running by default)",
      parameters: query(WaitQuery),
      responses: ok(schema(WaitResponse)),
    },
  },
  "/v1/containers/{ref}/logs": {
    get: {
      parameters: query(LogsQuery, {
        since: "a duration like 10m, a unix time or an RFC 3339 time",
        until: "as since",
      }),
      responses: { "200": { description: "CRI log lines, chunked", content: { "text/plain": {} } } },
    },
  },
  "/v1/containers/{ref}/attach": {
    get: {
      description:
        "upgrades to a WebSocket: binary frames are [stream byte 1|2][bytes] out, stdin in; text frames are JSON control",
      parameters: query(AttachQuery, { stdin: "forward stdin", tail: "log lines to replay first" }),
      responses: upgraded,
    },
  },
  "/v1/containers/{ref}/exec": {
    get: {
      description:
        'upgrades to a WebSocket: runs a process in the running container (its cwd and environment). Text {"type":"exec-start","id","pid"} once it runs; then as attach: binary [stream byte 1|2][bytes] out, stdin in; the socket closes after {"type":"exit","exitCode"}. 409 (before the upgrade) when the container is paused or not running; a command that cannot run is an {"type":"error","code":"exec_failed"} message.',
      parameters: query(ExecQuery, {
        cmd: "the command and its arguments, one per cmd",
        env: "extra KEY=VALUE variables, one per env",
        stdin: 'forward stdin (binary frames in, {"type":"close-stdin"} to half-close)',
        tty: "a terminal for the process; rows and cols give its size",
      }),
      responses: { ...upgraded, "409": { description: "paused or not running", content: error.content } },
    },
  },
  "/v1/containers/{ref}/stats": {
    get: {
      description: "as GET /v1/stats, for one container; the stream ends when the container is removed",
      parameters: query(ContainerStatsQuery, streamParam),
      responses: stats("NDJSON, one object per sample, chunked"),
    },
  },
  "/v1/containers/{ref}/top": {
    get: {
      description: "the container's processes (409 unless running or paused)",
      responses: ok(schema(TopResponse)),
    },
  },
});

const appPaths = () => ({
  "/v1/apps/apply": {
    post: {
      summary: "create or update apps (bosun apply -f); with dryRun, say what would change",
      description:
        "Each file's text is YAML or JSON, one or more App documents (components.schemas.App). The files are sent as text so that a bad field is reported with its file and line (400).",
      requestBody: body(ApplyRequest),
      responses: ok(
        { oneOf: [arrayOf(schema(ApplyResult)), arrayOf(schema(DiffResult))] },
        "one ApplyResult per app; one DiffResult per app with dryRun",
      ),
    },
  },
  "/v1/apps": { get: { summary: "list the apps", responses: ok(arrayOf(appView)) } },
  "/v1/apps/{name}": {
    get: { summary: "inspect an app: its spec, status, replicas and traffic", responses: ok(appView) },
    delete: {
      summary: "remove an app and stop its replicas",
      responses: { "204": { description: "removed" } },
    },
  },
  "/v1/apps/{name}/scale": {
    post: {
      summary: "set the number of replicas until the next apply changes spec.replicas",
      requestBody: body(ScaleRequest),
      responses: ok(appView),
    },
  },
  "/v1/apps/{name}/rollback": {
    post: {
      summary: "apply an earlier generation's spec again (bosun rollout undo)",
      requestBody: body(RollbackRequest, false),
      responses: ok(appView),
    },
  },
});

let cached: object | undefined;

export function openApiDocument(version: string): object {
  cached ??= {
    openapi: "3.0.3",
    info: { title: "bosund API", version },
    paths: complete({
      "/v1/ping": { get: { responses: ok(schema(z.object({ ok: z.literal(true) }))) } },
      "/v1/version": { get: { responses: ok(schema(VersionInfo)) } },
      "/v1/info": { get: { responses: ok(schema(DaemonInfo)) } },
      "/v1/openapi.json": { get: { summary: "this document", responses: ok({ type: "object" }) } },
      ...containerPaths(),
      "/v1/lockdown": {
        get: { responses: ok(schema(LockdownState)) },
        post: {
          description: "on: refuse every create and start (423 locked_down) until off; it survives a restart",
          requestBody: body(LockdownRequest),
          responses: ok(schema(LockdownState)),
        },
      },
      "/v1/stats": {
        get: {
          description:
            "CPU needs two readings of /proc: the first sample comes 0.5 s after the request, then one per second. A container that is not running has a zero sample.",
          parameters: query(StatsQuery, { ...streamParam, all: "not only running containers" }),
          responses: stats("NDJSON, one object per running container per sample, chunked"),
        },
      },
      "/v1/events": {
        get: {
          parameters: query(EventsQuery),
          responses: {
            "200": {
              description: "NDJSON events, chunked",
              content: { "application/x-ndjson": { schema: schema(Event) } },
            },
          },
        },
      },
      ...appPaths(),
    }),
    components: {
      schemas: {
        /** As written in a file: defaults optional, "10s" and "256m" as strings. */
        App: schema(AppSpec, "input"),
        AppView: schema(AppView),
        Error: schema(ErrorBody),
      },
    },
  };
  return cached;
}
