// Runs every test file with node's test runner. Node 20 has no glob support in `--test`,
// so the files are listed here: unit tests beside the code, black-box shim tests, and
// integration tests in test/.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return find(p);
    return e.name.endsWith(".test.ts") ? [p] : [];
  });
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : ["src", "shim/test", "test"].flatMap(find).sort();
const r = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=4", "--test-reporter=spec", ...files],
  { stdio: "inherit" },
);
process.exit(r.status ?? 1);
