import { type ChildProcess, spawn } from "node:child_process";
import { performance } from "node:perf_hooks";

export interface Row {
  what: string;
  value: string;
  baseline: string;
  ratio: number | undefined;
  goal: string;
  ok: boolean | undefined;
}

export async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** The baseline of every start figure: `n` plain spawns of `sleep 1000`, each until it runs. */
export async function spawnTimes(n: number): Promise<number[]> {
  const times: number[] = [];
  const kids: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    times.push(
      await timeIt(
        () =>
          new Promise<void>((ok) => {
            const c = spawn("sleep", ["1000"], { stdio: "ignore" });
            kids.push(c);
            c.once("spawn", () => ok());
          }),
      ),
    );
  }
  for (const c of kids) c.kill("SIGKILL");
  return times;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}

/** A Markdown table, ready to paste into the README. */
export function table(rows: Row[]): string {
  const head =
    "| what | bosun | baseline (same run) | ratio | goal | met |\n| --- | --- | --- | --- | --- | --- |\n";
  return (
    head +
    rows
      .map((r) => {
        const ratio = r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`;
        const met = r.ok === undefined ? "" : r.ok ? "yes" : "**no**";
        return `| ${r.what} | ${r.value} | ${r.baseline} | ${ratio} | ${r.goal} | ${met} |`;
      })
      .join("\n") +
    "\n"
  );
}
