// Bundles the CLI and the daemon into single files with esbuild, so `bosun ps` starts fast
// (one file to load, no module resolution across node_modules at start-up).
import { chmodSync, readFileSync } from "node:fs";
import { build } from "esbuild";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: "linked",
  logLevel: "warning",
  define: { __BOSUN_VERSION__: JSON.stringify(version) },
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
