// The HTTP + WebSocket API under /v1. Routes only validate (one zod schema per shape), call the
// runtime, and shape the answer; errors of every kind leave as {error: {code, message, hint?}}.
import { Readable } from "node:stream";
import websocket from "@fastify/websocket";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from "fastify";
import type { Logger } from "pino";
import { BosunError } from "../api/errors.ts";
import {
  AttachQuery,
  ContainerStatsQuery,
  CreateContainerRequest,
  type DaemonInfo,
  type Event,
  EventsQuery,
  ExecQuery,
  KillQuery,
  ListQuery,
  LogsQuery,
  RemoveQuery,
  StatsQuery,
  StopQuery,
  type VersionInfo,
  WaitQuery,
} from "../api/schemas.ts";
import { signalNumber } from "../api/signals.ts";
import type { AppController } from "../control/apps/controller.ts";
import type { EventLog } from "../control/store/event-log.ts";
import type { Admission } from "../runtime/admission.ts";
import { EVENT_FILTERS, type EventBus, eventMatches } from "../runtime/event-bus.ts";
import { splitPair } from "../runtime/key-value.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { StatsTarget } from "../runtime/stats.ts";
import { statsStream, topOf } from "../runtime/stats-reader.ts";
import { parseTimeArg } from "../runtime/time.ts";
import { registerAppRoutes } from "./app-routes.ts";
import { openApiDocument } from "./openapi.ts";
import { registerPolicyRoutes } from "./policy-routes.ts";
import { filterMap, parse } from "./request-args.ts";

export interface ServerDeps {
  runtime: Runtime;
  events: EventBus;
  /** Where `GET /v1/events` history comes from; absent in tests of the live API alone. */
  history?: Pick<EventLog, "read">;
  admission: Admission;
  /** Absent in tests of the container API alone. */
  apps?: AppController;
  log: Logger;
  version: () => VersionInfo;
  info: () => DaemonInfo;
}

function timeArg(v: string | undefined, field: string): string | undefined {
  if (v === undefined) return undefined;
  const t = parseTimeArg(v);
  if (t === undefined)
    throw new BosunError(
      "bad_request",
      `${field}: expected a duration like 10m, a unix time or an RFC 3339 time, got "${v}"`,
    );
  return t;
}

type RefParams = { Params: { ref: string } };

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  // (The pino logger is handed in as fastify's base logger type; they differ only in typing.)
  const { runtime, events } = deps;
  const app = Fastify({
    loggerInstance: deps.log as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1 << 20,
    // On shutdown, streams (logs -f, events, wait) must not hold bosund up.
    forceCloseConnections: true,
  });
  await app.register(websocket, { options: { maxPayload: 1 << 20 } });

  // An empty body is no body (POST /start has none); anything else must be JSON.
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    if (body === "") return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch (e) {
      done(new BosunError("bad_request", `body: invalid JSON: ${(e as Error).message}`), undefined);
    }
  });

  app.setErrorHandler((err: Error, req, reply) => {
    if (err instanceof BosunError) {
      if (err.status === 304) return reply.code(304).send();
      return reply.code(err.status).send(err.toBody());
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(400).send(new BosunError("bad_request", err.message).toBody());
    }
    req.log.error({ err, url: req.url }, "request failed");
    return reply.code(500).send(new BosunError("internal", `internal error: ${err.message}`).toBody());
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .code(404)
      .send(
        new BosunError(
          "not_found",
          `no route ${req.method} ${req.url.split("?")[0]}`,
          "see GET /v1/openapi.json",
        ).toBody(),
      );
  });

  app.get("/v1/ping", async () => ({ ok: true }));
  app.get("/v1/version", async () => deps.version());
  app.get("/v1/info", async () => deps.info());
  app.get("/v1/openapi.json", async () => openApiDocument(deps.version().version));

  app.post("/v1/containers", async (req, reply) => {
    const body = parse(CreateContainerRequest, req.body, "");
    reply.code(201);
    return runtime.create(body);
  });

  app.get("/v1/containers", async (req, reply) => {
    const q = parse(ListQuery, req.query, "query");
    const parts = runtime.listJson(q.all ?? false, filterMap(q.filter));
    // Written by hand: fastify would join the parts into one buffer first.
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "content-length": parts.reduce((n, p) => n + p.length, 0),
    });
    res.cork();
    for (const p of parts) res.write(p);
    res.end();
  });

  app.get<RefParams>("/v1/containers/:ref", async (req) => runtime.inspect(req.params.ref));

  app.post<RefParams>("/v1/containers/:ref/start", async (req) => runtime.start(req.params.ref));

  app.post<RefParams>("/v1/containers/:ref/stop", async (req) => {
    const q = parse(StopQuery, req.query, "query");
    return runtime.stop(req.params.ref, q.t);
  });

  app.post<RefParams>("/v1/containers/:ref/restart", async (req) => {
    const q = parse(StopQuery, req.query, "query");
    return runtime.restart(req.params.ref, q.t);
  });

  app.post<RefParams>("/v1/containers/:ref/kill", async (req) => {
    const q = parse(KillQuery, req.query, "query");
    if (q.signal !== undefined && signalNumber(q.signal) === undefined) {
      throw new BosunError("bad_request", `signal: unknown signal "${q.signal}"`);
    }
    return runtime.kill(req.params.ref, q.signal);
  });

  app.post<RefParams>("/v1/containers/:ref/pause", async (req) => runtime.pause(req.params.ref));
  app.post<RefParams>("/v1/containers/:ref/unpause", async (req) => runtime.unpause(req.params.ref));
  // A container with a heartbeat timeout checks in here (or by touching its heartbeat file).
  app.post<RefParams>("/v1/containers/:ref/heartbeat", async (req, reply) => {
    await runtime.heartbeat(req.params.ref);
    return reply.code(204).send();
  });

  app.delete<RefParams>("/v1/containers/:ref", async (req) => {
    const q = parse(RemoveQuery, req.query, "query");
    return runtime.remove(req.params.ref, q.force ?? false);
  });

  app.post<RefParams>("/v1/containers/:ref/wait", async (req) => {
    const q = parse(WaitQuery, req.query, "query");
    const info = await runtime.wait(req.params.ref, q.condition ?? "not-running");
    return { exitCode: info.exitCode, reason: info.reason };
  });

  app.get<RefParams>("/v1/containers/:ref/logs", async (req, reply) => {
    const q = parse(LogsQuery, req.query, "query");
    const abort = new AbortController();
    const lines = runtime.logs(
      req.params.ref,
      {
        ...(q.tail !== undefined && q.tail !== "all" ? { tail: Number(q.tail) } : {}),
        ...(q.since !== undefined ? { since: timeArg(q.since, "since")! } : {}),
        ...(q.until !== undefined ? { until: timeArg(q.until, "until")! } : {}),
      },
      q.follow ? abort.signal : undefined,
    );
    reply.raw.on("close", () => abort.abort());
    reply.type("text/plain; charset=utf-8");
    return reply.send(Readable.from(withNewlines(lines)));
  });

  // NDJSON, one object per container per interval (docs: the first sample comes after a short
  // gap, since CPU needs two readings; stream=0 sends only that one).
  const sendStats = (reply: FastifyReply, stream: boolean, targets: () => StatsTarget[]) => {
    targets(); // a 404 is an answer, not a stream
    const abort = new AbortController();
    reply.raw.on("close", () => abort.abort());
    const samples = statsStream(targets, stream, abort.signal);
    async function* lines(): AsyncGenerator<string[]> {
      for await (const batch of samples) yield batch.map((s) => JSON.stringify(s));
    }
    reply.type("application/x-ndjson");
    reply.raw.flushHeaders?.();
    return reply.send(Readable.from(withNewlines(lines())));
  };

  app.get("/v1/stats", async (req, reply) => {
    const q = parse(StatsQuery, req.query, "query");
    return sendStats(reply, q.stream ?? true, () => runtime.statsTargets(undefined, q.all ?? false));
  });

  app.get<RefParams>("/v1/containers/:ref/stats", async (req, reply) => {
    const q = parse(ContainerStatsQuery, req.query, "query");
    return sendStats(reply, q.stream ?? true, () => runtime.statsTargets(req.params.ref));
  });

  app.get<RefParams>("/v1/containers/:ref/top", async (req) => {
    const target = runtime.topTarget(req.params.ref);
    return { id: target.id, name: target.name, processes: await topOf(target) };
  });

  app.get("/v1/events", async (req, reply) => {
    const q = parse(EventsQuery, req.query, "query");
    const since = timeArg(q.since, "since");
    const until = timeArg(q.until, "until");
    const filters = filterMap(q.filter);
    for (const key of filters.keys()) {
      if (!EVENT_FILTERS.includes(key)) {
        throw new BosunError(
          "bad_request",
          `filter: unknown filter "${key}" (use ${EVENT_FILTERS.join(", ")})`,
        );
      }
    }
    // Subscribed (below) in the same turn as `through` is taken, so every live event comes after
    // it; history holds every event up to it and none after: no gap between them, none twice.
    const live: Event[] = [];
    let wake: (() => void) | undefined;
    const off =
      until === undefined
        ? events.subscribe((e) => {
            if (!eventMatches(e, filters)) return;
            live.push(e);
            wake?.();
          })
        : undefined;
    const abort = new AbortController();
    reply.raw.on("close", () => {
      abort.abort();
      off?.();
      wake?.();
    });
    const through = events.lastSeq;
    let past: Event[];
    try {
      // As Docker's: without --since or --until only what happens next, else the history too.
      const replay = since !== undefined || until !== undefined;
      past = deps.history && replay ? await deps.history.read({ since, until, filters, through }) : [];
    } catch (e) {
      off?.();
      throw e;
    }
    async function* stream(): AsyncGenerator<string[]> {
      try {
        yield past.map((e) => JSON.stringify(e));
        if (!off) return;
        while (!abort.signal.aborted) {
          if (live.length === 0) await new Promise<void>((r) => (wake = r));
          wake = undefined;
          yield live.splice(0).map((e) => JSON.stringify(e));
        }
      } finally {
        off?.();
      }
    }
    reply.type("application/x-ndjson");
    // The headers go now, so a follower knows it is subscribed before the first event.
    reply.raw.flushHeaders?.();
    return reply.send(Readable.from(withNewlines(stream())));
  });

  app.get<RefParams>(
    "/v1/containers/:ref/attach",
    {
      websocket: true,
      preValidation: async (req) => {
        parse(AttachQuery, req.query, "query");
        runtime.checkAttach((req.params as { ref: string }).ref);
      },
    },
    (socket, req) => {
      const q = parse(AttachQuery, req.query, "query");
      runtime.attach(req.params.ref, socket, {
        stdin: q.stdin ?? false,
        tail: q.tail === undefined ? undefined : Number(q.tail),
      });
    },
  );

  // An exec session is one WebSocket: the process starts when it opens (a text
  // {"type":"exec-start","id","pid"} says so) and the socket closes after its {"type":"exit"}.
  app.get<RefParams>(
    "/v1/containers/:ref/exec",
    {
      websocket: true,
      preValidation: async (req) => {
        parse(ExecQuery, req.query, "query");
        runtime.checkExec((req.params as { ref: string }).ref);
      },
    },
    (socket, req) => {
      const q = parse(ExecQuery, req.query, "query");
      const env: Record<string, string> = {};
      for (const pair of q.env ?? []) {
        const [k, v] = splitPair(pair);
        if (v !== undefined && k !== "") env[k] = v;
      }
      runtime.exec(req.params.ref, socket, {
        command: q.cmd,
        env,
        stdin: q.stdin ?? false,
        detach: q.detach ?? false,
        tty: q.tty ?? false,
        size: q.rows !== undefined && q.cols !== undefined ? { rows: q.rows, cols: q.cols } : undefined,
      });
    },
  );

  registerPolicyRoutes(app, { runtime, admission: deps.admission, events });
  if (deps.apps) registerAppRoutes(app, deps.apps);

  return app;
}

/** Turns batches of lines into chunks, each line ended by a newline; an empty batch sends nothing. */
async function* withNewlines(batches: AsyncIterable<string[]>): AsyncGenerator<string> {
  for await (const lines of batches) if (lines.length > 0) yield `${lines.join("\n")}\n`;
}
