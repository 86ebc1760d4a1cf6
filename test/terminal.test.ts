// Terminals, as a person uses them: the CLI runs in a tmux pane, the test types into it, reads
// the screen, resizes the window, detaches with Ctrl-P Ctrl-Q and reattaches. (tmux drops the
// trailing blanks of a line, so a prompt "ctr$ " reads as "ctr$".)
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";
import { atHostPrompt, Tmux, tmuxMissing } from "./helpers/tmux.ts";

const skip = await tmuxMissing();

/** Counts the lines of the screen that are exactly `text` (output, not the command that printed it). */
function linesEqual(screen: string, text: string): number {
  return screen.split("\n").filter((l) => l.trimEnd() === text).length;
}

describe("terminals", { skip }, () => {
  let d: TestDaemon;
  let t: Tmux;
  before(async () => {
    d = await startDaemon();
    t = await Tmux.start(d.socket, { rows: 30, cols: 100 });
  });
  after(async () => {
    await t?.kill();
    await d?.stop();
  });

  test("run -it: a shell that sees keys, its size, resizes and Ctrl-C; detach and reattach", async () => {
    await t.line(`bosun run -it --name term -e ENV=${await t.prompt("ctr", "ctr$ ")} -- sh`);
    await t.screenShows(/^ctr\$$/m, "the container's prompt");

    await t.line("tty; echo typed-$((6*7))");
    await t.screenShows((s) => linesEqual(s, "typed-42") === 1, "the command's output");
    assert.match(await t.screen(), /^\/dev\/pts\/\d+$/m, "stdin is a terminal in the container");

    // The size at the start is the pane's, and a resize reaches the container's pty.
    await t.line("echo size-$(stty size | tr ' ' x)");
    await t.screenShows((s) => linesEqual(s, "size-30x100") === 1, "the window size at the start");
    await t.resize({ rows: 40, cols: 120 });
    await t.line("echo size-$(stty size | tr ' ' x)");
    await t.screenShows((s) => linesEqual(s, "size-40x120") === 1, "the new window size");

    // Ctrl-C interrupts the container's foreground process, not the CLI.
    await t.line("sleep 1000");
    await t.press("C-c");
    await t.line("echo interrupted-$?");
    await t.screenShows((s) => linesEqual(s, "interrupted-130") === 1, "sleep ended by SIGINT");

    // Ctrl-P Ctrl-Q: back at the host's shell, the container still running.
    await t.press("C-p", "C-q");
    await t.screenShows(atHostPrompt, "the host prompt");
    await t.line("echo detached-$?");
    await t.screenShows((s) => linesEqual(s, "detached-0") === 1, "the CLI's exit code after detaching");
    assert.equal((await d.client.inspect("term")).state.status, "running");

    // Reattach: the same shell. Nothing is drawn until it prints, so press Enter for a prompt,
    // as a person would; once it shows, the CLI reads the keys (its terminal is raw).
    await t.line("bosun attach term");
    await t.press("Enter");
    await t.screenShows((s) => /^ctr\$$/.test(s.trimEnd().split("\n").at(-1) ?? ""), "a prompt");
    await t.line("echo again-$((6*7))");
    await t.screenShows((s) => linesEqual(s, "again-42") === 1, "the reattached shell's output");

    // Its exit ends the CLI with its exit code.
    await t.line("exit 7");
    await t.screenShows(atHostPrompt, "the host prompt");
    await t.line("echo cli-$?");
    await t.screenShows((s) => linesEqual(s, "cli-7") === 1, "the container's exit code");
    const c = await d.client.inspect("term");
    assert.equal(c.tty, true);
    assert.equal(c.state.exitCode, 7);
  });

  test("exec -it: a terminal of its own, sized, with Ctrl-C, and the exit code", async () => {
    await d.client.create({ name: "box", command: ["sleep", "1000"] });
    await d.client.start("box");
    await t.line("clear");
    await t.line(`bosun exec -it -e ENV=${await t.prompt("exec", "exec$ ")} box sh`);
    // At a line's end, not its start: a `clear` that lands after the command was typed ahead
    // wipes its echo, and the exec'd prompt then follows the host's on one line.
    await t.screenShows(/exec\$$/m, "the exec'd shell's prompt");
    await t.line("tty; echo size-$(stty size | tr ' ' x)");
    await t.screenShows(/^\/dev\/pts\/\d+$/m, "a terminal for the exec'd process");
    await t.screenShows((s) => linesEqual(s, "size-40x120") === 1, "the window's size");
    await t.resize({ rows: 25, cols: 90 });
    await t.line("echo size-$(stty size | tr ' ' x)");
    await t.screenShows((s) => linesEqual(s, "size-25x90") === 1, "the new size");

    await t.line("sleep 1000");
    await t.press("C-c");
    await t.line("echo interrupted-$?");
    await t.screenShows((s) => linesEqual(s, "interrupted-130") === 1, "sleep ended by SIGINT");
    const execs = (await d.client.inspect("box")).state.execs;
    assert.deepEqual(
      execs.map((x) => [x.command, x.tty]),
      [[["sh"], true]],
    );

    await t.line("exit 3");
    await t.screenShows(atHostPrompt, "the host prompt");
    await t.line("echo exec-$?");
    await t.screenShows((s) => linesEqual(s, "exec-3") === 1, "the exec'd process's exit code");
    assert.equal((await d.client.inspect("box")).state.status, "running");
  });

  test("run -it with stdin that is not a terminal is refused, and nothing is created", async () => {
    const r = await d.cli(["run", "-it", "--name", "notty", "--", "sh"], { input: "" });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /the input device is not a TTY/);
    assert.deepEqual(
      (await d.client.list({ all: true })).filter((c) => c.name === "notty"),
      [],
    );
  });

  test("run -t without -i: output through a terminal, no input", async () => {
    const r = await d.cli(["run", "-t", "--", "sh", "-c", "tty; printf 'a\\n'"]);
    assert.equal(r.code, 0, r.stderr);
    // The pty's line discipline turns \n into \r\n, as with docker run -t.
    assert.match(r.stdout, /^\/dev\/pts\/\d+\r\na\r\n$/);
    assert.equal(r.stderr, "");
  });
});
