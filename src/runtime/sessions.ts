// The attach and exec bridges: each client's WebSocket gets its own connection to the
// container's shim (attach-session.ts, exec-session.ts), after checks that refuse before any
// upgrade happens; and a health check's exec probe, run to its end with its output kept.
import type { WebSocket } from "ws";
import { BosunError } from "../api/errors.ts";
import { type AttachOptions, AttachSession } from "./attach-session.ts";
import { ctlPath, type Entry } from "./container-registry.ts";
import { type ExecOptions, ExecSession } from "./exec-session.ts";
import { encodeExec, ShimConnection, type ShimEvent } from "./shim-protocol.ts";
import { transition } from "./state-machine.ts";

/** What the sessions need of the runtime around them. */
export interface SessionDeps {
  resolve(ref: string): Entry;
  /** Announces a container event. */
  emit(e: Entry, action: string): void;
  /** Resolves at the container's final exit (at once when it is not running). */
  finalExit(e: Entry): Promise<unknown>;
  /** Applies a shim event to the container's state, as the subscription's copy of it would. */
  onShimEvent(e: Entry, ev: ShimEvent): void;
}

export class Sessions {
  constructor(private readonly deps: SessionDeps) {}

  // ---- attach ----

  /** Checks that ref can be attached to; throws the API error before any upgrade happens. */
  checkAttach(ref: string): void {
    const e = this.deps.resolve(ref);
    transition(e.state.status, "attach", e.config.name);
  }

  attach(ref: string, ws: WebSocket, opts: AttachOptions): void {
    const e = this.deps.resolve(ref);
    try {
      transition(e.state.status, "attach", e.config.name);
    } catch (err) {
      const be = err as BosunError;
      const s = new AttachSession(ws, opts, () => {});
      s.fail(be.code, be.message);
      return;
    }
    const session = new AttachSession(ws, opts, () => {
      e.attach.delete(session);
      this.deps.emit(e, "detach");
    });
    e.attach.add(session);
    this.deps.emit(e, "attach");
    // A created container's sessions connect in Runtime.start, before the process is let go.
    if (e.state.status !== "created" && !e.starting) void this.connectAttach(e, session);
  }

  /** Connects a session to the shim: at once, or at start for those that waited on a created container. */
  connectAttach(e: Entry, session: AttachSession): Promise<void> {
    const onShimClosed = () => {
      // The container's end finishes the session with its real exit (ShimObserver); if the
      // container is still running after a grace period, the shim dropped a reader that fell behind.
      const timer = setTimeout(() => {
        session.fail(
          "conflict",
          "attach fell too far behind the output and was dropped; the log has everything",
        );
      }, 2000);
      void this.deps.finalExit(e).then(() => clearTimeout(timer));
    };
    return session
      .connect(ctlPath(e), onShimClosed)
      .catch((err: Error) => session.fail("shim_failed", `cannot attach: ${err.message}`));
  }

  // ---- exec ----

  /** Checks that ref can take an exec; throws the API error (409) before any upgrade happens. */
  checkExec(ref: string): void {
    const e = this.deps.resolve(ref);
    const name = e.config.name;
    if (e.state.status === "paused") {
      throw new BosunError(
        "conflict",
        `cannot exec in ${name}: it is paused`,
        `unpause it with \`bosun unpause ${name}\``,
      );
    }
    if (e.state.status !== "running") {
      throw new BosunError(
        "conflict",
        `cannot exec in ${name}: it is not running`,
        `start it with \`bosun start ${name}\``,
      );
    }
  }

  /** Runs a process in ref's container (the shim's X) and bridges it to the WebSocket. */
  exec(ref: string, ws: WebSocket, opts: ExecOptions): void {
    const e = this.deps.resolve(ref);
    const name = e.config.name;
    // The session's own exec-start and exec-exit go through the reducer as the subscription's
    // copies do: whichever comes first counts, so inspect lists the exec as soon as it runs.
    const session = new ExecSession(
      ws,
      opts,
      () => {},
      (ev) => {
        if (ev.type === "exec-start") e.execs.add(session);
        else e.execs.delete(session);
        this.deps.onShimEvent(e, ev);
      },
    );
    try {
      this.checkExec(ref);
    } catch (err) {
      const be = err as BosunError;
      session.fail(be.code, be.message);
      return;
    }
    // The shim closes this connection only when the container ends: its exec'd processes die with it.
    const onShimClosed = () => session.fail("conflict", `${name} stopped; the exec'd process ended with it`);
    session.connect(ctlPath(e), onShimClosed).catch((err: Error) => {
      const why = err.message.replace(/^cannot exec: /, "");
      const code = /^(exec|chdir) /.test(why) ? "exec_failed" : "conflict";
      session.fail(code, `cannot exec in ${name}: ${why}`);
    });
  }

  /**
   * Runs a command in ref's container to its end and hands back its exit code and the first
   * 4 KiB of its output (a health check's exec probe). An abort kills the process.
   */
  async execCapture(
    ref: string,
    command: string[],
    signal: AbortSignal,
  ): Promise<{ exitCode: number; output: string }> {
    const e = this.deps.resolve(ref);
    this.checkExec(ref);
    const chunks: Buffer[] = [];
    let size = 0;
    let done: (code: number) => void = () => {};
    const exited = new Promise<number>((resolve) => (done = resolve));
    const conn = await ShimConnection.open(ctlPath(e), {
      onOutput: (_stream, data) => {
        if (size < 4096) chunks.push(data.subarray(0, 4096 - size));
        size += data.length;
      },
      onEvent: (ev) => {
        if (ev.type === "exec-exit") done(Number(ev.exitCode));
      },
      onClose: () => done(255),
    });
    try {
      const [, , pid] = (await conn.request("X", encodeExec(command))).split(" ");
      conn.send("C");
      const kill = () => {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {}
      };
      signal.addEventListener("abort", kill, { once: true });
      const exitCode = await exited;
      signal.removeEventListener("abort", kill);
      return { exitCode, output: Buffer.concat(chunks).toString() };
    } finally {
      conn.close();
    }
  }
}
