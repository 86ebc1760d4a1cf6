// Versioned SQL files per dialect: migrations/<dialect>/NNN-name.sql, applied in order, each
// once. The bundle (dist/bosund.js) carries their text, put in by scripts/build.mjs through
// esbuild's define, so the daemon needs no file beside it; the sources read the folder.
import { readdirSync, readFileSync } from "node:fs";
import { BosunError } from "../../api/errors.ts";

export type Dialect = "sqlite" | "postgres";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** File name → SQL, per dialect; set only in the bundle. */
declare const __BOSUN_MIGRATIONS__: Record<string, Record<string, string>> | undefined;

const FILE_NAME = /^(\d{3})-([a-z0-9][a-z0-9-]*)\.sql$/;

export function loadMigrations(dialect: Dialect): Migration[] {
  if (typeof __BOSUN_MIGRATIONS__ === "object") return parseMigrations(__BOSUN_MIGRATIONS__[dialect] ?? {});
  const dir = new URL(`./migrations/${dialect}/`, import.meta.url);
  const files: Record<string, string> = {};
  for (const f of readdirSync(dir)) files[f] = readFileSync(new URL(f, dir), "utf8");
  return parseMigrations(files);
}

/** Orders the files by version and refuses a misnamed file or a gap, either of which would skip SQL. */
export function parseMigrations(files: Record<string, string>): Migration[] {
  const out = Object.entries(files).map(([file, sql]) => {
    const m = FILE_NAME.exec(file);
    if (!m) throw new BosunError("internal", `migration file ${file} is not named NNN-name.sql`);
    return { version: Number(m[1]), name: m[2]!, sql };
  });
  out.sort((a, b) => a.version - b.version);
  out.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new BosunError(
        "internal",
        `migration ${String(m.version).padStart(3, "0")}-${m.name}.sql should be number ${i + 1}`,
      );
  });
  return out;
}
