// The apps routes (issue 5): apply (the files' text, so errors name their lines), list, inspect,
// scale, rollback and remove. The controller does the work; these only parse and answer.
import type { FastifyInstance } from "fastify";
import { ApplyRequest, RollbackRequest, ScaleRequest } from "../api/apps.ts";
import type { AppController } from "../control/apps/controller.ts";
import { combineSpecFiles, readSpecFile } from "../control/spec/load-specs.ts";
import { parse } from "./request-args.ts";

interface NameParams {
  name: string;
}

export function registerAppRoutes(app: FastifyInstance, apps: AppController): void {
  app.post("/v1/apps/apply", async (req) => {
    const body = parse(ApplyRequest, req.body, "");
    const { specs } = combineSpecFiles(body.files.map((f) => readSpecFile(f.text, f.name)));
    return body.dryRun ? apps.diff(specs) : apps.apply(specs);
  });
  app.get("/v1/apps", async () => apps.list());
  app.get<{ Params: NameParams }>("/v1/apps/:name", async (req) => apps.inspect(req.params.name));
  app.delete<{ Params: NameParams }>("/v1/apps/:name", async (req, reply) => {
    await apps.remove(req.params.name);
    return reply.code(204).send();
  });
  app.post<{ Params: NameParams }>("/v1/apps/:name/scale", async (req) => {
    const body = parse(ScaleRequest, req.body, "");
    return apps.scale(req.params.name, body.replicas);
  });
  app.post<{ Params: NameParams }>("/v1/apps/:name/rollback", async (req) => {
    const body = parse(RollbackRequest, req.body ?? {}, "");
    return apps.undo(req.params.name, body.generation);
  });
}
