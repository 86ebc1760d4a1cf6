// Bundles the CLI and the daemon into single files with esbuild, so `bosun ps` starts fast
// (one file to load, no module resolution across node_modules at start-up).
import { readFileSync } from "node:fs";
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
  // A bundled ESM file still needs `require` for the CommonJS dependencies esbuild inlines.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __bosunCreateRequire } from 'node:module';\nconst require = __bosunCreateRequire(import.meta.url);",
  },
};

await Promise.all([
  build({ ...common, entryPoints: ["src/cli/main.ts"], outfile: "dist/bosun.js" }),
  build({ ...common, entryPoints: ["src/daemon/main.ts"], outfile: "dist/bosund.js" }),
]);
