// Bundles the CLI and the daemon into single files with esbuild, so `bosun ps` starts fast
// (one file to load, no module resolution across node_modules at start-up).
import { chmodSync, readdirSync, readFileSync } from "node:fs";
import { build } from "esbuild";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

// The store's SQL migrations travel inside the bundle (src/control/store/migrations.ts reads
// them from this define, and from the folder when run from the sources): { dialect: { file: sql } }.
const migrationsDir = new URL("../src/control/store/migrations/", import.meta.url);
const migrations = Object.fromEntries(
  readdirSync(migrationsDir).map((dialect) => {
    const dir = new URL(`${dialect}/`, migrationsDir);
    return [
      dialect,
      Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(new URL(f, dir), "utf8")])),
    ];
  }),
);

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: "linked",
  logLevel: "warning",
  define: { __BOSUN_VERSION__: JSON.stringify(version), __BOSUN_MIGRATIONS__: JSON.stringify(migrations) },
  // A native addon cannot be bundled: it is loaded from node_modules at run time.
  external: ["better-sqlite3"],
};

// A bundled ESM file still needs `require` for the CommonJS dependencies esbuild inlines.
const requireShim =
  "import { createRequire as __bosunCreateRequire } from 'node:module';\nconst require = __bosunCreateRequire(import.meta.url);";

// The daemon runs with a small young generation: its garbage is many small short-lived objects
// (requests, events), and V8's default 16 MB semi-spaces would hold 30+ MB of RSS for nothing.
// Tests and benchmarks read these flags back from the first line (test/helpers/daemon.ts).
export const DAEMON_SHEBANG = "#!/usr/bin/env -S node --max-semi-space-size=2";

await Promise.all([
  build({
    ...common,
    banner: { js: `#!/usr/bin/env node\n${requireShim}` },
    entryPoints: ["src/cli/main.ts"],
    outfile: "dist/bosun.js",
  }),
  build({
    ...common,
    banner: { js: `${DAEMON_SHEBANG}\n${requireShim}` },
    entryPoints: ["src/daemon/main.ts"],
    outfile: "dist/bosund.js",
  }),
]);
for (const f of ["dist/bosun.js", "dist/bosund.js"]) chmodSync(f, 0o755);
