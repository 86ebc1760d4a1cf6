import { z } from "zod";
import { AppSpec } from "./app-spec.ts";

/**
 * The JSON Schema of an App as written in a file (defaults optional, "10s" and "256m" as
 * strings), for editors: `# yaml-language-server: $schema=…`.
 */
export function appJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(AppSpec, { io: "input", target: "draft-2020-12" }),
    title: "bosun App",
    description: "An app that bosun runs as replicas: `bosun apply -f FILE`",
  };
}
