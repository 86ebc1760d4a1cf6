// The built-in balancer alone in a process of its own, without the rest of bosund: the lb
// benchmark's secondary row, which shows what the daemon's other work costs its listener.
//   node --import tsx bench/lb-proxy.ts LISTEN_PORT BACKEND_PORT...
import { Balancer } from "../src/control/proxy/balancer.ts";

const [listen, ...backends] = process.argv.slice(2).map(Number);
const b = new Balancer();
b.setRoutes([
  {
    app: "bench",
    strategy: "round-robin",
    backends: backends.map((port, i) => ({ id: `b${i}`, host: "127.0.0.1", port: port!, ready: true })),
  },
]);
await b.listen({ port: listen!, host: "127.0.0.1" });
process.stdout.write("ready\n");
