// Writes docs/cli.md from the CLI's own --help, so the reference cannot drift from the code.
//   node scripts/cli-doc.mjs         (after a build)
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";

const bosun = (args) =>
  execFileSync(process.execPath, ["dist/bosun.js", ...args], {
    encoding: "utf8",
    env: { ...process.env, COLUMNS: "100" },
  });
const top = bosun(["--help"]);
const commands = [...top.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]).filter((c) => c !== "help");
let out =
  "# bosun CLI reference\n\nGenerated from `bosun --help` by `node scripts/cli-doc.mjs`.\n\n```\n" +
  top +
  "```\n";
for (const c of commands) out += `\n## bosun ${c}\n\n\`\`\`\n${bosun([c, "--help"])}\`\`\`\n`;
writeFileSync("docs/cli.md", out);
console.log(`docs/cli.md: ${commands.length} commands`);
