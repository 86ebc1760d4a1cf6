// A TCP check: healthy when a connection to the replica's port opens. It is closed at once.
import { connect } from "node:net";
import type { Probe } from "./probe.ts";

export function tcpProbe(target: { port: number; host?: string }): Probe {
  const host = target.host ?? "127.0.0.1";
  return (signal) =>
    new Promise((resolve, reject) => {
      const socket = connect({ host, port: target.port, signal });
      socket.once("connect", () => {
        socket.destroy();
        resolve({ ok: true, message: `connected to ${host}:${target.port}` });
      });
      socket.once("error", reject);
    });
}
