import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { BosunError } from "../../api/errors.ts";
import type { App } from "./app-spec.ts";
import { combineSpecFiles, readSpecFile, type SpecFile } from "./load-specs.ts";

const EXTENSIONS = [".yaml", ".yml", ".json"];

export interface LoadPathOptions {
  /** Reads standard input, for the path "-"; tests pass the text. */
  readStdin?: () => Promise<string>;
}

/**
 * The apps of a file, of a directory's *.yaml, *.yml and *.json files (sorted by name, not
 * recursive, dotfiles skipped), or of standard input ("-"). Throws a SpecError with every issue of
 * every file, app names used twice included.
 */
export async function loadPath(path: string, options: LoadPathOptions = {}): Promise<{ specs: App[] }> {
  if (path === "-") {
    const text = await (options.readStdin ?? readStdin)();
    return combineSpecFiles([readSpecFile(text, "stdin")]);
  }
  const files = (await describe(path, stat(path))).isDirectory() ? await specFilesIn(path) : [path];
  const read: SpecFile[] = [];
  for (const file of files) read.push(readSpecFile(await describe(file, readFile(file, "utf8")), file));
  return combineSpecFiles(read);
}

async function specFilesIn(dir: string): Promise<string[]> {
  const entries = await describe(dir, readdir(dir, { withFileTypes: true }));
  const names = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith("."))
    .map((e) => e.name)
    .filter((name) => EXTENSIONS.includes(extname(name)))
    .sort();
  if (names.length === 0) throw new BosunError("bad_request", `${dir} holds no *.yaml, *.yml or *.json file`);
  return names.map((name) => join(dir, name));
}

/** Turns "ENOENT: no such file or directory, open 'x'" into "cannot read x: no such file or directory". */
async function describe<T>(path: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    const reason = (e as Error).message.replace(/^E[A-Z]+: /, "").replace(/, \w+ '.*'$/, "");
    throw new BosunError("bad_request", `cannot read ${path}: ${reason}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
