// Replaced at build time by esbuild's define; falls back for tests that run the sources.
declare const __BOSUN_VERSION__: string | undefined;
export const VERSION: string = typeof __BOSUN_VERSION__ === "string" ? __BOSUN_VERSION__ : "0.1.0-dev";
