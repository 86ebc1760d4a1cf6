// Aligned columns for people: each column as wide as its widest cell, three spaces apart (as
// docker's tabwriter lays them out), the last column unpadded so lines carry no trailing blanks.

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const last = header.length - 1;
  return all
    .map((r) =>
      header.map((_, i) => (i === last ? (r[i] ?? "") : (r[i] ?? "").padEnd(widths[i]! + 3))).join(""),
    )
    .map((line) => `${line.trimEnd()}\n`)
    .join("");
}
