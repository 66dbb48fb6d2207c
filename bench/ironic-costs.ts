// What one Ironic request of each kind the create path sends costs Ironic's own
// CPU (its single Python process, from /proc), measured alone on a fresh Ironic
// with N fake-hardware nodes: the figures behind "the create burst is limited
// by Ironic's CPU" in bench/results/latest.md. Each kind runs `--each` times,
// `--parallel` at once, one kind after the other; power-ons wait until Ironic
// finished them (the conductor's work is the cost).
//
//   node --import tsx bench/ironic-costs.ts [--nodes 200] [--each 100] [--parallel 8]
import { IronicClient } from "../src/ironic/client.js";
import { ironicClientOptions } from "../src/ironic/config.js";
import { silentLogger } from "../src/log/logger.js";
import { WATCH_FIELDS } from "../src/driver/node-watch.js";
import { CACHE_FIELDS } from "../src/driver/availability.js";
import { benchOptions } from "./lib/args.js";
import { cpuOf } from "./lib/ironic-calls.js";
import { enrol, withIronic } from "./lib/ironic.js";
import { fmt, note, printTable } from "./lib/report.js";

const opts = benchOptions({ nodes: 200, each: 100, parallel: 8 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function inParallel(count: number, work: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(opts.parallel, count) }, async () => {
    while (next < count) await work(next++);
  }));
}

await withIronic(async (ironic) => {
  const nodes = await enrol(ironic, [{ count: opts.nodes, namePrefix: "cost", resourceClass: "baremetal" }]);
  const client = new IronicClient(ironicClientOptions({ url: ironic.url }), silentLogger);
  await client.connect();
  const rows: Array<[string, number, number]> = [];
  const measure = async (kind: string, count: number, work: (index: number) => Promise<unknown>) => {
    await sleep(1_000); // let Ironic's own periodic work settle out of the figure
    const before = await cpuOf(ironic.pid);
    const started = performance.now();
    await inParallel(count, work);
    const cpu = (await cpuOf(ironic.pid)) - before;
    rows.push([kind, cpu / count, (performance.now() - started) / count]);
    note(`# ${kind}: ${fmt(cpu / count, 1)} ms Ironic CPU each`);
  };
  const node = (index: number) => nodes[index % nodes.length] ?? "";
  await measure("GET /v1/nodes/{id} (claim's read)", opts.each, (i) => client.nodes.get(node(i), CACHE_FIELDS));
  await measure(`GET /v1/nodes watch fields (${opts.nodes} nodes)`, 10, () => client.nodes.list(WATCH_FIELDS, {}));
  await measure(`GET /v1/nodes cache fields (${opts.nodes} nodes)`, 10, () => client.nodes.list(CACHE_FIELDS, {}));
  await measure("GET /v1/nodes/{id}/validate", opts.each, (i) => client.nodes.validate(node(i)));
  await measure("PATCH /v1/nodes/{id} (instance_info)", opts.each, (i) =>
    client.nodes.update(node(i), [{ op: "add", path: "/instance_info", value: { image_source: "http://127.0.0.1:1/x.qcow2", root_gb: 10 } }]));
  await measure("PUT power on (until done)", opts.each, async (i) => {
    await client.nodes.setPowerState(node(i), { target: "power on" });
    while ((await client.nodes.get(node(i), ["target_power_state"])).target_power_state !== null) await sleep(100);
  });
  printTable(`Ironic CPU per request (ms), ${opts.nodes} nodes, ${opts.parallel} at once`, ["request", "Ironic CPU ms", "wall ms"], rows.map(([k, c, w]) => [k, fmt(c, 1), fmt(w, 1)]));
  await client.close();
});
