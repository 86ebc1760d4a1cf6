import { readFile } from "node:fs/promises";

async function field(path: string, name: string): Promise<number> {
  const text = await readFile(path, "utf8");
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

/** Private memory (clean + dirty) of a process, in kB, as smaps_rollup counts it. */
export async function privateKb(pid: number): Promise<number> {
  const p = `/proc/${pid}/smaps_rollup`;
  return (await field(p, "Private_Clean")) + (await field(p, "Private_Dirty"));
}

export async function rssKb(pid: number): Promise<number> {
  return field(`/proc/${pid}/status`, "VmRSS");
}
