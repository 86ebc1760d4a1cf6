// Spec files: YAML (JSON is YAML too, so one parser reads both and knows every node's position),
// several documents per file. Every problem is reported with its field and its line, and all of
// them at once, so that one run of `bosun apply` shows everything to fix.
import {
  type Document,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
} from "yaml";
import type { z } from "zod";
import { type App, AppSpec } from "./app-spec.ts";
import { SpecError, type SpecIssue } from "./spec-error.ts";

/** An app, and where its file names it. */
export interface LoadedApp {
  app: App;
  file: string;
  line: number;
}

export interface SpecFile {
  apps: LoadedApp[];
  issues: SpecIssue[];
}

/** The apps of one file (`fileName` is for messages; "-" or "stdin" for standard input). */
export function loadSpecs(text: string, fileName: string): { specs: App[] } {
  return combineSpecFiles([readSpecFile(text, fileName)]);
}

/** Every app of the files, in order; or a SpecError with all their issues and names used twice. */
export function combineSpecFiles(files: readonly SpecFile[]): { specs: App[] } {
  const issues = files.flatMap((f) => f.issues);
  const byName = new Map<string, LoadedApp>();
  for (const loaded of files.flatMap((f) => f.apps)) {
    const first = byName.get(loaded.app.name);
    if (first) {
      const message = `app "${loaded.app.name}" is also defined at ${first.file}:${first.line}`;
      issues.push({ path: "name", message, file: loaded.file, line: loaded.line });
    } else byName.set(loaded.app.name, loaded);
  }
  if (issues.length > 0) throw new SpecError(issues);
  return { specs: [...byName.values()].map((l) => l.app) };
}

/** Parses and validates one file's documents, collecting what is wrong instead of throwing. */
export function readSpecFile(text: string, file: string): SpecFile {
  const lineCounter = new LineCounter();
  const apps: LoadedApp[] = [];
  const issues: SpecIssue[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter })) {
    const docIssues: SpecIssue[] = [];
    const at = (path: PropertyKey[], message: string) =>
      docIssues.push({
        path: formatPath(path),
        message,
        file,
        line: lineCounter.linePos(offsetOf(doc, path)).line,
      });
    for (const e of doc.errors) {
      // The library appends " at line L, column C:" and a snippet; the line goes in our suffix.
      const message = e.message.split(/ at line \d+, column \d+|\n/)[0]!;
      docIssues.push({ path: "", message, file, line: lineCounter.linePos(e.pos[0]).line });
    }
    if (doc.errors.length === 0 && !isEmpty(doc)) {
      const result = validate(doc);
      if (result instanceof Error) at([], result.message);
      else if (result.success) {
        const line = lineCounter.linePos(offsetOf(doc, ["name"])).line;
        apps.push({ app: result.data, file, line });
      } else
        for (const i of result.error.issues) {
          if (i.code === "unrecognized_keys") for (const key of i.keys) at([...i.path, key], "unknown field");
          else if (i.path.length === 0 && i.code === "invalid_type")
            at([], "expected an App: a mapping with kind, name and spec");
          else at(i.path, i.message);
        }
    }
    issues.push(...docIssues.sort((a, b) => a.line - b.line));
  }
  return { apps, issues };
}

function validate(doc: Document) {
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    return e as Error; // too many aliases, say
  }
  return AppSpec.safeParse(data, { error: messages });
}

function isEmpty(doc: Document): boolean {
  return doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
}

/** Where the field at `path` is written: its key, or the nearest parent's when it is missing. */
function offsetOf(doc: Document, path: readonly PropertyKey[]): number {
  let node: unknown = doc.contents;
  let offset = doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(key));
      if (!pair) break;
      offset = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === "number" && isNode(node.items[key])) {
      node = node.items[key];
      offset = (node as Node).range?.[0] ?? offset;
    } else break;
  }
  return offset;
}

/** `spec.ports[0].name` */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`))
    .join("");
}

// Zod's defaults ("Invalid input: expected array, received undefined") in the words of a spec.
const messages: z.core.$ZodErrorMap = (iss) => {
  const bound = (word: string, n: unknown, inclusive: boolean | undefined) =>
    iss.origin === "number" || iss.origin === "int"
      ? `must be ${word === "least" ? (inclusive ? "at least" : "more than") : inclusive ? "at most" : "less than"} ${n}`
      : `needs at ${word} ${n} ${iss.origin === "array" ? "item" : "character"}${n === 1 ? "" : "s"}`;
  switch (iss.code) {
    case "invalid_type":
      return iss.input === undefined
        ? "is required"
        : `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}, got ${show(iss.input)}`;
    case "invalid_union": {
      const expected = iss.errors.flatMap((e) =>
        e.flatMap((i) => (i.code === "invalid_type" ? [i.expected] : [])),
      );
      const names = [...new Set(expected)].map((t) => TYPE_NAMES[t] ?? t);
      const last = names.pop() ?? "something else";
      return `expected ${names.length ? `${names.join(", ")} or ${last}` : last}, got ${show(iss.input)}`;
    }
    case "invalid_value":
      return `expected ${iss.values.map((v) => JSON.stringify(v)).join(" or ")}, got ${show(iss.input)}`;
    case "too_small":
      return bound("least", iss.minimum, iss.inclusive);
    case "too_big":
      return bound("most", iss.maximum, iss.inclusive);
    default:
      return undefined;
  }
};

const TYPE_NAMES: Record<string, string> = {
  array: "a list",
  object: "a mapping",
  record: "a mapping",
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "a boolean",
};

function show(v: unknown): string {
  if (v === null || v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return JSON.stringify(v);
}
