// Linux signal numbers, for validating and normalising signals at the API's edge. Kept here
// rather than taken from node's os.constants because src/api must run in a browser too.
export const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

/** "TERM", "SIGTERM", "sigterm" or "15" → 15; undefined when it names no signal. */
export function signalNumber(input: string | number): number | undefined {
  if (typeof input === "number")
    return Number.isInteger(input) && input >= 1 && input <= 64 ? input : undefined;
  const s = input.trim().toUpperCase();
  if (/^\d+$/.test(s)) return signalNumber(Number(s));
  return SIGNALS[s.startsWith("SIG") ? s : `SIG${s}`];
}

export function signalName(n: number): string {
  return Object.keys(SIGNALS).find((k) => SIGNALS[k] === n) ?? String(n);
}
