import { randomBytes } from "node:crypto";

/** A container id: 64 random hex digits, shown as the first 12, like Docker's. */
export function newId(): string {
  return randomBytes(32).toString("hex");
}

const ADJECTIVES = [
  "brave",
  "calm",
  "eager",
  "fond",
  "gentle",
  "happy",
  "jolly",
  "keen",
  "lucid",
  "merry",
  "nimble",
  "proud",
  "quiet",
  "sharp",
  "swift",
  "tidy",
  "vivid",
  "witty",
  "zen",
  "bold",
];
const NOUNS = [
  "anchor",
  "bay",
  "buoy",
  "cove",
  "deck",
  "dock",
  "ferry",
  "gale",
  "harbor",
  "helm",
  "keel",
  "mast",
  "pier",
  "reef",
  "sail",
  "shoal",
  "tide",
  "wake",
  "wharf",
  "yawl",
];

/** A readable default name (adjective_noun), with a suffix when the plain one is taken. */
export function generateName(taken: (name: string) => boolean): string {
  const pick = (a: string[]) => a[randomBytes(1)[0]! % a.length]!;
  const base = `${pick(ADJECTIVES)}_${pick(NOUNS)}`;
  if (!taken(base)) return base;
  for (;;) {
    const name = `${base}_${randomBytes(2).toString("hex")}`;
    if (!taken(name)) return name;
  }
}
