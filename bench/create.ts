// Target: 200 servers created at once on 200 fake-hardware nodes, all ACTIVE,
// wall time within 0.8× of a minimal script driving Ironic directly (issue 14 #4).
//
// Each side gets a fresh Ironic with 200 enrolled nodes; the sides alternate
// order run by run so load drift hits both.
//   service — the real compute service (SQLite in a temp dir, concurrency 256,
//             pollIntervalMs 250, cache maxAgeMs 1000, everything else at its
//             default, including the Ironic client's 30 s request timeout):
//             200 concurrent `service.servers.create`, then the store is
//             watched every 250 ms until every server is ACTIVE or ERROR.
//   direct  — per node, concurrently: claim PATCH, instance_info PATCH,
//             validate, provision "active" with a small config drive, then a GET
//             every 250 ms until active. Same connection limit (32) and the same
//             retry rule (409 locked / 503, backoff) as our client; no timeout.
// Reported per side: wall time, the ratio, this process's CPU and Ironic's CPU
// (from /proc) during the timed part, time-to-ACTIVE per server, the Ironic API
// calls made (from Ironic's own request log: count and Ironic-side seconds per
// kind), and the end state of servers and nodes.
//
//   npm run bench:create -- [--runs 3] [--servers 200] [--sides both|service|direct]
//                           [--clientTimeoutMs 30000] [--waitS 600]
//                           [--logLevel silent|error|warn|info|debug]  (service log to bench/results/)

import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { createComputeService } from "../src/compute/service.js";
import { bootstrapAdminCaller } from "../harness/admin-caller.js";
import { fakeHardwareFlavor, publicQcow2Image } from "../src/dev/demo-catalog.js";
import type { RunningIronic } from "../src/dev/ironic-process.js";
import { IronicClient } from "../src/ironic/client.js";
import { ironicClientOptions } from "../src/ironic/config.js";
import { formatMicroversion } from "../src/ironic/microversion.js";
import { backoffDelay, DEFAULT_RETRY } from "../src/ironic/retry.js";
import { pino } from "pino";
import { createLogger, silentLogger, type Logger } from "../src/log/logger.js";
import { openStore } from "../src/store/open.js";
import { benchOptions } from "./lib/args.js";
import { load, type Load } from "./lib/env.js";
import { enrol, withIronic } from "./lib/ironic.js";
import { fmt, note, printTable, RESULTS_DIR, startRecording } from "./lib/report.js";
import { latency, summarize, type Latency } from "./lib/stats.js";

const opts = benchOptions({
  runs: 3,
  servers: 200,
  sides: ["both", "service", "direct"] as const,
  clientTimeoutMs: 30_000,
  waitS: 600,
  logLevel: ["silent", "error", "warn", "info", "debug"] as const,
});
const POLL_MS = 250;
const CONNECTIONS = 32; // our client's default pool size, used by both sides
const CONCURRENCY = 256;
const CACHE_MAX_AGE_MS = 1_000;
const IMAGE_URL = "http://127.0.0.1:1/bench.qcow2";
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Side = "service" | "direct";
interface CallStats {
  count: number;
  /** Sum of Ironic's own "time:" per request, seconds. */
  ironicS: number;
  statuses: Record<string, number>;
}
interface SideResult {
  side: Side;
  run: number;
  load: Load;
  wallMs: number;
  /** Until every create call returned (service) / every deploy was requested (direct). */
  acceptedMs: number;
  active: number;
  failed: number;
  failures: string[];
  toActive: Latency;
  nodeCpuMs: number;
  ironicCpuMs: number;
  calls: Record<string, CallStats>;
  /** "vmState/taskState" counts at the end (service only). */
  serverStates: Record<string, number>;
  /** "provision_state/power_state" counts at the end. */
  nodeStates: Record<string, number>;
  consistency: string[];
}

/** User + system CPU of a process from /proc, in ms. */
async function cpuOf(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After the command: state is field 3, so utime (14) and stime (15) are at 11 and 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function cpuNow(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

/** The API calls Ironic logged after byte `from` of its log, by kind. */
async function ironicCalls(logFile: string, from: number): Promise<Record<string, CallStats>> {
  const text = (await readFile(logFile)).subarray(from).toString("utf8");
  const calls: Record<string, CallStats> = {};
  const line = /"(GET|PUT|PATCH|POST|DELETE) ([^ ?"]+)(\?[^ "]*)? HTTP\/1\.1" status: (\d+)\s+len: \d+ time: ([0-9.]+)/g;
  for (const match of text.matchAll(line)) {
    const [, method = "", path = "", query = "", status = "", seconds = "0"] = match;
    const template = path.replace(UUID, "{id}");
    const kind = `${method} ${template}${template === "/v1/nodes" && query.includes("marker=") ? " (next page)" : ""}`;
    const entry = (calls[kind] ??= { count: 0, ironicS: 0, statuses: {} });
    entry.count++;
    entry.ironicS += Number(seconds);
    entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
  }
  return calls;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

/** "N× message" per distinct failure text (UUIDs folded), most frequent first. */
function groupFailures(messages: readonly string[]): string[] {
  const counts = countBy(messages, (message) => message.replace(UUID, "<uuid>").slice(0, 300));
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([message, count]) => `${count}× ${message}`);
}

interface Timed {
  before: Load;
  started: number;
  ironicCpu: number;
  nodeCpu: number;
  logOffset: number;
}

async function startTiming(ironic: RunningIronic): Promise<Timed> {
  return {
    before: load(),
    ironicCpu: await cpuOf(ironic.pid),
    nodeCpu: cpuNow(),
    logOffset: (await stat(ironic.logFile)).size,
    started: performance.now(),
  };
}

async function finishTiming(
  ironic: RunningIronic,
  client: IronicClient,
  timing: Timed,
  side: Side,
  run: number,
  acceptedMs: number,
  outcomes: ReadonlyArray<PromiseSettledResult<number>>,
): Promise<SideResult> {
  const wallMs = performance.now() - timing.started;
  const nodeCpuMs = cpuNow() - timing.nodeCpu;
  const ironicCpuMs = (await cpuOf(ironic.pid)) - timing.ironicCpu;
  const calls = await ironicCalls(ironic.logFile, timing.logOffset);
  const nodes = await client.nodes.list(["instance_uuid", "provision_state", "power_state"]);
  const done = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
  const failures = outcomes.flatMap((o) => (o.status === "rejected" ? [String(o.reason)] : []));
  return {
    side,
    run,
    load: timing.before,
    wallMs,
    acceptedMs,
    active: done.length,
    failed: failures.length,
    failures: groupFailures(failures),
    toActive: latency(done),
    nodeCpuMs,
    ironicCpuMs,
    calls,
    serverStates: {},
    nodeStates: countBy(nodes, (node) => `${node.provision_state}/${node.power_state ?? "null"}`),
    consistency: [],
  };
}

// ---- direct: the minimal script -------------------------------------------------

class DirectIronic {
  private readonly pool: Pool;
  constructor(
    url: string,
    private readonly version: string,
  ) {
    this.pool = new Pool(url, { connections: CONNECTIONS });
  }

  async call(method: "GET" | "PATCH" | "PUT", path: string, body: unknown, expect: number): Promise<unknown> {
    for (let retry = 0; ; retry++) {
      const response = await this.pool.request({
        method,
        path,
        headers: {
          accept: "application/json",
          "x-openstack-ironic-api-version": this.version,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.body.text();
      if (response.statusCode === expect) return text === "" ? null : (JSON.parse(text) as unknown);
      const locked = response.statusCode === 409 && /locked|retry after/i.test(text);
      if ((locked || response.statusCode === 503) && retry + 1 < DEFAULT_RETRY.attempts) {
        await sleep(backoffDelay(DEFAULT_RETRY, retry));
        continue;
      }
      throw new Error(`${method} ${path}: HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

interface NodeState {
  provision_state: string;
  target_provision_state: string | null;
  last_error: string | null;
}

async function deployDirect(ironic: DirectIronic, node: string, index: number, onRequested: () => void): Promise<void> {
  const instance = randomUUID();
  const path = `/v1/nodes/${node}`;
  await ironic.call("PATCH", path, [{ op: "add", path: "/instance_uuid", value: instance }], 200);
  const instanceInfo = {
    image_source: IMAGE_URL,
    image_disk_format: "qcow2",
    root_gb: 10,
    swap_mb: 0,
    vcpus: 8,
    memory_mb: 16_384,
    local_gb: 100,
    display_name: `direct-${index}`,
  };
  await ironic.call("PATCH", path, [{ op: "add", path: "/instance_info", value: instanceInfo }], 200);
  const validation = (await ironic.call("GET", `${path}/validate`, undefined, 200)) as Record<string, { result: boolean | null } | undefined>;
  for (const iface of ["deploy", "power", "storage"]) {
    if (validation[iface]?.result !== true) throw new Error(`${node}: ${iface} did not validate`);
  }
  const configdrive = {
    meta_data: { uuid: instance, name: `direct-${index}`, hostname: `direct-${index}`, public_keys: {} },
    user_data: "#cloud-config\n",
    network_data: { links: [], networks: [], services: [] },
  };
  await ironic.call("PUT", `${path}/states/provision`, { target: "active", configdrive }, 202);
  onRequested();
  for (;;) {
    await sleep(POLL_MS);
    const state = (await ironic.call("GET", `${path}?fields=provision_state,target_provision_state,last_error`, undefined, 200)) as NodeState;
    if (state.provision_state === "active" && state.target_provision_state === null) return;
    if (state.provision_state === "deploy failed" || state.provision_state === "error") {
      throw new Error(`${node}: ${state.provision_state}: ${state.last_error ?? ""}`);
    }
  }
}

async function runDirect(ironic: RunningIronic, nodes: readonly string[], run: number): Promise<SideResult> {
  const client = new IronicClient(ironicClientOptions({ url: ironic.url }), silentLogger);
  const version = formatMicroversion(await client.connect());
  const direct = new DirectIronic(ironic.url, version);
  try {
    const timing = await startTiming(ironic);
    let requested = 0;
    let acceptedMs = Number.NaN;
    const outcomes = await Promise.allSettled(
      nodes.map(async (node, index) => {
        await deployDirect(direct, node, index, () => {
          requested++;
          if (requested === nodes.length) acceptedMs = performance.now() - timing.started;
        });
        return performance.now() - timing.started;
      }),
    );
    return await finishTiming(ironic, client, timing, "direct", run, acceptedMs, outcomes);
  } finally {
    await direct.close();
    await client.close();
  }
}

// ---- service: the real compute service ------------------------------------------

/** The service's log: silent, or a file next to the results (`--logLevel warn`). */
async function serviceLogger(run: number): Promise<{ log: Logger; file: string | null }> {
  if (opts.logLevel === "silent") return { log: silentLogger, file: null };
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `create-service-${new Date().toISOString().replace(/[:.]/g, "-")}-run${run}.log`);
  return { log: createLogger({ level: opts.logLevel, destination: pino.destination({ dest: file, sync: true }) }), file };
}

async function runService(ironic: RunningIronic, nodes: readonly string[], run: number): Promise<SideResult> {
  const { log, file: logFile } = await serviceLogger(run);
  if (logFile !== null) note(`# service log (${opts.logLevel}): ${logFile}`);
  const dir = await mkdtemp(join(tmpdir(), "ironic-compute-bench-create-"));
  const store = await openStore({ kind: "sqlite", path: join(dir, "compute.sqlite") });
  const client = new IronicClient(
    ironicClientOptions({ url: ironic.url, connections: CONNECTIONS, timeoutMs: opts.clientTimeoutMs }),
    log,
  );
  try {
    const service = await createComputeService({
      store,
      ironic: client,
      driver: { pollIntervalMs: POLL_MS, cache: { maxAgeMs: CACHE_MAX_AGE_MS } },
      compute: { concurrency: CONCURRENCY, workerId: `bench-create-${run}` },
      log,
    });
    const admin = await bootstrapAdminCaller(service, store);
    const flavor = await service.flavors.create(admin, fakeHardwareFlavor({ name: "bm.bench", resourceClass: "baremetal", diskGb: 10 }));
    const image = await service.images.create(admin, publicQcow2Image({ name: "bench", url: IMAGE_URL }));
    await client.connect();
    await service.start();

    const timing = await startTiming(ironic);
    const created = await Promise.all(
      nodes.map((_, index) =>
        service.servers.create(admin, { name: `bench-${index}`, flavorRef: flavor.id, imageRef: image.id, networks: "none" }),
      ),
    );
    const acceptedMs = performance.now() - timing.started;
    const ids = new Set(created.map((server) => server.id));
    const settled = new Map<string, PromiseSettledResult<number>>();
    const activeNode = new Map<string, string | null>();
    while (settled.size < ids.size && performance.now() - timing.started < opts.waitS * 1000) {
      await sleep(POLL_MS);
      const now = performance.now() - timing.started;
      for (const server of await store.servers.list()) {
        if (!ids.has(server.id) || settled.has(server.id) || server.taskState !== null) continue;
        if (server.vmState === "active") {
          settled.set(server.id, { status: "fulfilled", value: now });
          activeNode.set(server.id, server.nodeUuid);
        } else if (server.vmState === "error") {
          settled.set(server.id, { status: "rejected", reason: `${server.id}: ${server.fault?.message ?? "error"}` });
        }
      }
    }
    for (const id of ids) if (!settled.has(id)) settled.set(id, { status: "rejected", reason: `${id}: not ACTIVE or ERROR within ${opts.waitS} s` });
    const result = await finishTiming(ironic, client, timing, "service", run, acceptedMs, [...settled.values()]);

    // End state, and consistency: every ACTIVE server on its own node, Ironic agreeing.
    const servers = (await store.servers.list()).filter((server) => ids.has(server.id));
    result.serverStates = countBy(servers, (server) => `${server.vmState}/${server.taskState ?? "-"}`);
    const nodesNow = await client.nodes.list(["instance_uuid", "provision_state", "last_error"]);
    const byInstance = new Map(nodesNow.flatMap((node) => (node.instance_uuid === null ? [] : [[node.instance_uuid, node] as const])));
    const usedNodes = new Set(activeNode.values());
    if (usedNodes.size !== activeNode.size) result.consistency.push("two ACTIVE servers share a node");
    const notDeployed = [...activeNode.keys()].filter((id) => byInstance.get(id)?.provision_state !== "active");
    if (notDeployed.length > 0) result.consistency.push(`${notDeployed.length} ACTIVE servers without an active node carrying them`);
    const orphans = nodesNow.filter((node) => node.instance_uuid !== null && !activeNode.has(node.instance_uuid));
    if (orphans.length > 0) {
      result.consistency.push(`${orphans.length} nodes hold an instance that is not an ACTIVE server (${JSON.stringify(countBy(orphans, (n) => n.provision_state))})`);
    }
    const unclaimed = nodesNow.filter((node) => node.instance_uuid === null && node.provision_state !== "available");
    if (unclaimed.length > 0) {
      result.consistency.push(
        `${unclaimed.length} nodes not available yet without an instance: ` +
          JSON.stringify(countBy(unclaimed, (n) => `${n.provision_state}: ${(n.last_error ?? "no last_error").slice(0, 120)}`)),
      );
    }
    await service.stop();
    return result;
  } finally {
    await store.close();
    await client.close();
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- main -----------------------------------------------------------------------

async function oneSide(side: Side, run: number): Promise<SideResult> {
  return withIronic(async (ironic) => {
    const nodes = await enrol(ironic, [{ count: opts.servers, namePrefix: `${side}-${run}`, resourceClass: "baremetal" }]);
    const result = side === "service" ? await runService(ironic, nodes, run) : await runDirect(ironic, nodes, run);
    note(
      `# run ${run} ${side}: ${fmt(result.wallMs)} ms, ${result.active} active, ${result.failed} failed, ` +
        `Ironic CPU ${fmt(result.ironicCpuMs)} ms, load1 ${result.load.load1}`,
    );
    for (const failure of result.failures) note(`#   failure: ${failure}`);
    for (const problem of result.consistency) note(`#   consistency: ${problem}`);
    if (side === "service") note(`#   servers at the end: ${JSON.stringify(result.serverStates)}`);
    note(`#   nodes at the end: ${JSON.stringify(result.nodeStates)}`);
    return result;
  });
}

function callTable(results: readonly SideResult[]): void {
  const kinds = [...new Set(results.flatMap((r) => Object.keys(r.calls)))].sort();
  const per = (side: Side, kind: string, what: "count" | "ironicS") => {
    const mine = results.filter((r) => r.side === side);
    if (mine.length === 0) return "-";
    const total = mine.reduce((sum, r) => sum + (r.calls[kind]?.[what] ?? 0), 0);
    return fmt(total / mine.length / opts.servers, 2);
  };
  printTable(
    `Ironic API calls per server (mean over runs; from Ironic's request log; "s" = Ironic-side seconds)`,
    ["call", "service n", "direct n", "service s", "direct s"],
    [
      ...kinds.map((kind) => [kind, per("service", kind, "count"), per("direct", kind, "count"), per("service", kind, "ironicS"), per("direct", kind, "ironicS")]),
      [
        "total",
        ...(["service", "direct"] as const).map((side) => {
          const mine = results.filter((r) => r.side === side);
          const total = mine.reduce((sum, r) => sum + Object.values(r.calls).reduce((s, c) => s + c.count, 0), 0);
          return mine.length === 0 ? "-" : fmt(total / mine.length / opts.servers, 2);
        }),
        ...(["service", "direct"] as const).map((side) => {
          const mine = results.filter((r) => r.side === side);
          const total = mine.reduce((sum, r) => sum + Object.values(r.calls).reduce((s, c) => s + c.ironicS, 0), 0);
          return mine.length === 0 ? "-" : fmt(total / mine.length / opts.servers, 2);
        }),
      ],
    ],
  );
}

async function main(): Promise<void> {
  const recording = startRecording("create", {
    ...opts,
    pollMs: POLL_MS,
    connections: CONNECTIONS,
    serviceConcurrency: CONCURRENCY,
    cacheMaxAgeMs: CACHE_MAX_AGE_MS,
  });
  const results: SideResult[] = [];
  for (let run = 1; run <= opts.runs; run++) {
    const order: Side[] = run % 2 === 1 ? ["direct", "service"] : ["service", "direct"];
    for (const side of order.filter((candidate) => opts.sides === "both" || opts.sides === candidate)) {
      results.push(await oneSide(side, run));
    }
  }
  printTable(
    `${opts.servers} servers at once, per run (ms; cpu = CPU time during the timed part)`,
    ["run", "side", "load1", "wall", "accepted", "active", "failed", "to-active p50", "p99", "node cpu", "ironic cpu"],
    results.map((r) => [r.run, r.side, r.load.load1, r.wallMs, r.acceptedMs, r.active, r.failed, r.toActive.p50, r.toActive.p99, r.nodeCpuMs, r.ironicCpuMs]),
  );
  callTable(results);
  const of = (side: Side) => results.filter((r) => r.side === side);
  const stats = {
    service: summarize(of("service").map((r) => r.wallMs)),
    direct: summarize(of("direct").map((r) => r.wallMs)),
    serviceIronicCpu: summarize(of("service").map((r) => r.ironicCpuMs)),
    directIronicCpu: summarize(of("direct").map((r) => r.ironicCpuMs)),
    serviceNodeCpu: summarize(of("service").map((r) => r.nodeCpuMs)),
    directNodeCpu: summarize(of("direct").map((r) => r.nodeCpuMs)),
  };
  const ratios = summarize(
    of("service").flatMap((mine) => {
      const theirs = results.find((r) => r.side === "direct" && r.run === mine.run);
      return theirs === undefined ? [] : [mine.wallMs / theirs.wallMs];
    }),
  );
  printTable("summary over runs (ms)", ["figure", "median", "min", "max", "spread"], [
    ["service wall", stats.service.median, stats.service.min, stats.service.max, `${fmt(stats.service.spread * 100, 0)}%`],
    ["direct wall", stats.direct.median, stats.direct.min, stats.direct.max, `${fmt(stats.direct.spread * 100, 0)}%`],
    ["ratio service / direct (per run)", fmt(ratios.median, 3), fmt(ratios.min, 3), fmt(ratios.max, 3), ""],
    ["Ironic CPU, service side", stats.serviceIronicCpu.median, stats.serviceIronicCpu.min, stats.serviceIronicCpu.max, ""],
    ["Ironic CPU, direct side", stats.directIronicCpu.median, stats.directIronicCpu.min, stats.directIronicCpu.max, ""],
    ["Node CPU, service side", stats.serviceNodeCpu.median, stats.serviceNodeCpu.min, stats.serviceNodeCpu.max, ""],
    ["Node CPU, direct side", stats.directNodeCpu.median, stats.directNodeCpu.min, stats.directNodeCpu.max, ""],
  ]);
  const allActive = results.every((r) => r.failed === 0 && r.active === opts.servers && r.consistency.length === 0);
  // The shared listings (the watch's poll, the cache's refresh) vs a server's own calls.
  const listing = (kind: string) => kind === "GET /v1/nodes" || kind === "GET /v1/nodes (next page)";
  const count = (r: SideResult, keep: (kind: string) => boolean) => Object.entries(r.calls).filter(([kind]) => keep(kind)).reduce((sum, [, c]) => sum + c.count, 0);
  const ownPerCreate = summarize(of("service").map((r) => count(r, (kind) => !listing(kind)) / opts.servers));
  // Polling: the service's listings vs the script's per-node GETs, per second of the burst.
  const pollRate = (side: Side) =>
    summarize(of(side).map((r) => count(r, side === "service" ? listing : (kind) => kind === "GET /v1/nodes/{id}") / (r.wallMs / 1000)));
  const allRate = (side: Side) => summarize(of(side).map((r) => count(r, () => true) / (r.wallMs / 1000)));
  const polls = { service: pollRate("service"), direct: pollRate("direct"), serviceAll: allRate("service"), directAll: allRate("direct") };
  printTable("Ironic requests per second during the burst (median over runs)", ["side", "polling req/s", "all req/s"], [
    ["service (shared listing)", polls.service.median, polls.serviceAll.median],
    ["direct (GET per node)", polls.direct.median, polls.directAll.median],
  ]);
  await recording.finish({ results, stats, ratio: ratios, ownPerCreate, polls }, [
    {
      target: `all ${opts.servers} servers ACTIVE, every run, both sides`,
      value: allActive ? "yes" : `NO: ${results.map((r) => `${r.side}#${r.run} ${r.active}/${opts.servers}`).join(", ")}`,
      met: allActive,
    },
    {
      target: "service wall time ≤ 0.8× direct (median of per-run ratios)",
      value: `${fmt(ratios.median, 3)}× (runs ${fmt(ratios.min, 3)}–${fmt(ratios.max, 3)}; service ${fmt(stats.service.median)} ms, direct ${fmt(stats.direct.median)} ms)`,
      met: ratios.median <= 0.8,
    },
    {
      target: "Ironic requests per create ≤ 3 plus the shared poll (Ironic's request log)",
      value: `${fmt(ownPerCreate.median, 2)} (runs ${fmt(ownPerCreate.min, 2)}–${fmt(ownPerCreate.max, 2)}; fake hardware needs a power-on: 2 of them)`,
      met: ownPerCreate.median <= 3,
    },
    {
      target: "(info) polling requests/s while deploying: service vs direct",
      value: `${fmt(polls.service.median)} vs ${fmt(polls.direct.median)} (all requests: ${fmt(polls.serviceAll.median)} vs ${fmt(polls.directAll.median)})`,
      met: null,
    },
  ]);
}

await main();
