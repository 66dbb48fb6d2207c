// Target: 200 servers created at once on 200 fake-hardware nodes, all ACTIVE,
// wall time within 0.8× of a minimal script driving Ironic directly (issue 14 #4);
// then the same 200 deleted at once, against the script's teardown.
//
// Each side gets a fresh Ironic with 200 enrolled nodes; the sides alternate
// order run by run so load drift hits both.
//   service — the real compute service (SQLite in a temp dir, concurrency 256,
//             pollIntervalMs 250, everything else at its default — the node
//             cache's 60 s, the deploy cap of 20, the Ironic client's 30 s
//             request timeout): 200 concurrent `service.servers.create`, then
//             the store is watched every 250 ms until every server is ACTIVE or
//             ERROR; then 200 concurrent deletes, watched until DELETED.
//   direct  — per node, concurrently: claim PATCH, instance_info PATCH,
//             validate, provision "active" with a small config drive, then a GET
//             every 250 ms until active; then provision "deleted" and a GET
//             every 250 ms until available. Same connection limit (32) and the
//             same retry rule (409 locked / 503, backoff) as our client; no timeout.
// Reported per side and phase: wall time, the ratio, this process's CPU and
// Ironic's CPU (from /proc) during the timed part, time-to-done per server, the
// Ironic API calls made (from Ironic's own request log: count and Ironic-side
// seconds per kind; the watch's and the cache's listings apart), polling
// requests per second, and the end state of servers and nodes.
//
//   npm run bench:create -- [--runs 3] [--servers 200] [--sides both|service|direct]
//                           [--deletes 1|0] [--poweredOn 1|0] [--cacheMaxAgeMs 60000]
//                           [--maxConcurrentDeploys 20]  (the service's default; 0 = no cap)
//                           [--clientTimeoutMs 30000] [--waitS 600]
//                           [--logLevel silent|error|warn|info|debug]  (service log to bench/results/)

import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
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
import { countBy, cpuNow, cpuOf, groupFailures, ironicCalls, type CallStats } from "./lib/ironic-calls.js";

const opts = benchOptions({
  runs: 3,
  servers: 200,
  sides: ["both", "service", "direct"] as const,
  clientTimeoutMs: 30_000,
  waitS: 600,
  logLevel: ["silent", "error", "warn", "info", "debug"] as const,
  deletes: 1,
  poweredOn: 1,
  cacheMaxAgeMs: 60_000,
  maxConcurrentDeploys: 20,
});
const POLL_MS = 250;
const CONNECTIONS = 32; // our client's default pool size, used by both sides
const CONCURRENCY = 256;
const CACHE_MAX_AGE_MS = opts.cacheMaxAgeMs;
const IMAGE_URL = "http://127.0.0.1:1/bench.qcow2";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Side = "service" | "direct";
/** The create burst, then (--deletes 1) the delete burst of the same servers. */
type Phase = "create" | "delete";
interface SideResult {
  side: Side;
  phase: Phase;
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
  phase: Phase,
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
    phase,
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

/** The script's delete: tear down, then a GET every interval until the node is available again. */
async function deleteDirect(ironic: DirectIronic, node: string): Promise<void> {
  const path = `/v1/nodes/${node}`;
  await ironic.call("PUT", `${path}/states/provision`, { target: "deleted" }, 202);
  for (;;) {
    await sleep(POLL_MS);
    const state = (await ironic.call("GET", `${path}?fields=provision_state,target_provision_state,last_error`, undefined, 200)) as NodeState;
    if (state.provision_state === "available" && state.target_provision_state === null) return;
    if (state.provision_state === "error" || state.provision_state === "clean failed") {
      throw new Error(`${node}: ${state.provision_state}: ${state.last_error ?? ""}`);
    }
  }
}

async function runDirect(ironic: RunningIronic, nodes: readonly string[], run: number): Promise<SideResult[]> {
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
    const results = [await finishTiming(ironic, client, timing, "direct", "create", run, acceptedMs, outcomes)];
    if (opts.deletes > 0) {
      const deleting = await startTiming(ironic);
      const deleted = await Promise.allSettled(
        nodes.map(async (node) => {
          await deleteDirect(direct, node);
          return performance.now() - deleting.started;
        }),
      );
      results.push(await finishTiming(ironic, client, deleting, "direct", "delete", run, 0, deleted));
    }
    return results;
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

/** Deletes every server at once; each settles when its row says deleted (or error). */
async function deleteServices(
  ironic: RunningIronic,
  client: IronicClient,
  service: Awaited<ReturnType<typeof createComputeService>>,
  store: Awaited<ReturnType<typeof openStore>>,
  admin: Awaited<ReturnType<typeof bootstrapAdminCaller>>,
  ids: ReadonlySet<string>,
  run: number,
): Promise<SideResult> {
  const timing = await startTiming(ironic);
  await Promise.all([...ids].map((id) => service.servers.delete(admin, id)));
  const acceptedMs = performance.now() - timing.started;
  const settled = new Map<string, PromiseSettledResult<number>>();
  while (settled.size < ids.size && performance.now() - timing.started < opts.waitS * 1000) {
    await sleep(POLL_MS);
    const now = performance.now() - timing.started;
    for (const server of await store.servers.list({ includeDeleted: true })) {
      if (!ids.has(server.id) || settled.has(server.id) || server.taskState !== null) continue;
      if (server.vmState === "deleted") settled.set(server.id, { status: "fulfilled", value: now });
      else if (server.vmState === "error") settled.set(server.id, { status: "rejected", reason: `${server.id}: ${server.fault?.message ?? "error"}` });
    }
  }
  for (const id of ids) if (!settled.has(id)) settled.set(id, { status: "rejected", reason: `${id}: not deleted within ${opts.waitS} s` });
  const result = await finishTiming(ironic, client, timing, "service", "delete", run, acceptedMs, [...settled.values()]);
  const left = (await client.nodes.list(["instance_uuid", "provision_state"])).filter((node) => node.instance_uuid !== null || node.provision_state !== "available");
  if (left.length > 0) result.consistency.push(`${left.length} nodes not available after the deletes: ${JSON.stringify(countBy(left, (n) => n.provision_state))}`);
  return result;
}

async function runService(ironic: RunningIronic, nodes: readonly string[], run: number): Promise<SideResult[]> {
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
      compute: { concurrency: CONCURRENCY, maxConcurrentDeploys: opts.maxConcurrentDeploys, workerId: `bench-create-${run}` },
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
    const result = await finishTiming(ironic, client, timing, "service", "create", run, acceptedMs, [...settled.values()]);

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
    const results = [result];
    if (opts.deletes > 0) results.push(await deleteServices(ironic, client, service, store, admin, ids, run));
    await service.stop();
    return results;
  } finally {
    await store.close();
    await client.close();
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- main -----------------------------------------------------------------------

/**
 * `--poweredOn 1`: every node powered on before the timed part (not counted),
 * for both sides. Real hardware's deploy ends with the node on (the deploy
 * interface boots the instance); fake hardware's leaves the power as it was, so
 * with nodes enrolled off the service's create powers each on (one more
 * conductor action) while the script's servers stay off. Nodes already on
 * model real hardware: neither side sends a power request.
 */
async function powerOnAll(ironic: RunningIronic, nodes: readonly string[]): Promise<void> {
  const client = new IronicClient(ironicClientOptions({ url: ironic.url }), silentLogger);
  try {
    await client.connect();
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < nodes.length) {
        const node = nodes[next++] ?? "";
        await client.nodes.setPowerState(node, { target: "power on" });
        while ((await client.nodes.get(node, ["power_state", "target_power_state"])).power_state !== "power on") await sleep(100);
      }
    }));
  } finally {
    await client.close();
  }
}

async function oneSide(side: Side, run: number): Promise<SideResult[]> {
  return withIronic(async (ironic) => {
    const nodes = await enrol(ironic, [{ count: opts.servers, namePrefix: `${side}-${run}`, resourceClass: "baremetal" }]);
    if (opts.poweredOn > 0) await powerOnAll(ironic, nodes);
    const results = side === "service" ? await runService(ironic, nodes, run) : await runDirect(ironic, nodes, run);
    for (const result of results) {
      note(
        `# run ${run} ${side} ${result.phase}: ${fmt(result.wallMs)} ms, ${result.active} done, ${result.failed} failed, ` +
          `Ironic CPU ${fmt(result.ironicCpuMs)} ms, load1 ${result.load.load1}`,
      );
      for (const failure of result.failures) note(`#   failure: ${failure}`);
      for (const problem of result.consistency) note(`#   consistency: ${problem}`);
      if (side === "service" && result.phase === "create") note(`#   servers at the end: ${JSON.stringify(result.serverStates)}`);
      note(`#   nodes at the end: ${JSON.stringify(result.nodeStates)}`);
    }
    return results;
  });
}

function callTable(phase: Phase, results: readonly SideResult[]): void {
  const kinds = [...new Set(results.flatMap((r) => Object.keys(r.calls)))].sort();
  const mine = (side: Side) => results.filter((r) => r.side === side);
  const per = (side: Side, value: (r: SideResult) => number) =>
    mine(side).length === 0 ? "-" : fmt(mine(side).reduce((sum, r) => sum + value(r), 0) / mine(side).length / opts.servers, 2);
  const all = (r: SideResult, what: "count" | "ironicS") => Object.values(r.calls).reduce((sum, c) => sum + c[what], 0);
  printTable(
    `Ironic API calls per ${phase} (mean over runs; from Ironic's request log; "s" = Ironic-side seconds)`,
    ["call", "service n", "direct n", "service s", "direct s"],
    [
      ...kinds.map((kind) => [
        kind,
        per("service", (r) => r.calls[kind]?.count ?? 0),
        per("direct", (r) => r.calls[kind]?.count ?? 0),
        per("service", (r) => r.calls[kind]?.ironicS ?? 0),
        per("direct", (r) => r.calls[kind]?.ironicS ?? 0),
      ]),
      ["total", per("service", (r) => all(r, "count")), per("direct", (r) => all(r, "count")), per("service", (r) => all(r, "ironicS")), per("direct", (r) => all(r, "ironicS"))],
    ],
  );
}

// The shared listings (the watch's poll, the cache's refresh) vs a server's own calls.
const isListing = (kind: string) => kind.startsWith("GET /v1/nodes (");
const countOf = (r: SideResult, keep: (kind: string) => boolean) => Object.entries(r.calls).filter(([kind]) => keep(kind)).reduce((sum, [, c]) => sum + c.count, 0);
/** Polling requests per second of the burst: the service's listings, the script's per-node GETs. */
const pollRate = (r: SideResult) => countOf(r, r.side === "service" ? isListing : (kind) => kind === "GET /v1/nodes/{id}") / (r.wallMs / 1000);
const allRate = (r: SideResult) => countOf(r, () => true) / (r.wallMs / 1000);
const ownPer = (r: SideResult) => countOf(r, (kind) => !isListing(kind)) / opts.servers;
const range = (s: { median: number; min: number; max: number }, digits = 3) => `${fmt(s.median, digits)} (runs ${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
const loads = (rs: readonly SideResult[]) => `load1 ${rs.map((r) => r.load.load1).join("/")}`;

/** Per phase: the summary table, and its figures for the targets. */
function phaseSummary(phase: Phase, results: readonly SideResult[]) {
  const of = (side: Side) => results.filter((r) => r.side === side);
  const wall = { service: summarize(of("service").map((r) => r.wallMs)), direct: summarize(of("direct").map((r) => r.wallMs)) };
  const ratios = summarize(
    of("service").flatMap((mine) => {
      const theirs = results.find((r) => r.side === "direct" && r.run === mine.run);
      return theirs === undefined ? [] : [mine.wallMs / theirs.wallMs];
    }),
  );
  const cpu = (side: Side, key: "ironicCpuMs" | "nodeCpuMs") => summarize(of(side).map((r) => r[key]));
  const polls = { service: summarize(of("service").map(pollRate)), direct: summarize(of("direct").map(pollRate)), serviceAll: summarize(of("service").map(allRate)), directAll: summarize(of("direct").map(allRate)) };
  const own = { service: summarize(of("service").map(ownPer)), direct: summarize(of("direct").map(ownPer)) };
  printTable(`${phase}: summary over runs (ms; req/s over the burst's wall time)`, ["figure", "median", "min", "max", "spread"], [
    ["service wall", wall.service.median, wall.service.min, wall.service.max, `${fmt(wall.service.spread * 100, 0)}%`],
    ["direct wall", wall.direct.median, wall.direct.min, wall.direct.max, `${fmt(wall.direct.spread * 100, 0)}%`],
    ["ratio service / direct (per run)", fmt(ratios.median, 3), fmt(ratios.min, 3), fmt(ratios.max, 3), ""],
    ["Ironic CPU, service side", cpu("service", "ironicCpuMs").median, cpu("service", "ironicCpuMs").min, cpu("service", "ironicCpuMs").max, ""],
    ["Ironic CPU, direct side", cpu("direct", "ironicCpuMs").median, cpu("direct", "ironicCpuMs").min, cpu("direct", "ironicCpuMs").max, ""],
    ["Node CPU, service side", cpu("service", "nodeCpuMs").median, cpu("service", "nodeCpuMs").min, cpu("service", "nodeCpuMs").max, ""],
    ["Node CPU, direct side", cpu("direct", "nodeCpuMs").median, cpu("direct", "nodeCpuMs").min, cpu("direct", "nodeCpuMs").max, ""],
    ["own requests per server, service", fmt(own.service.median, 2), fmt(own.service.min, 2), fmt(own.service.max, 2), ""],
    ["own requests per server, direct (incl. its polls)", fmt(own.direct.median, 2), fmt(own.direct.min, 2), fmt(own.direct.max, 2), ""],
    ["polling req/s, service (shared listing)", fmt(polls.service.median, 2), fmt(polls.service.min, 2), fmt(polls.service.max, 2), ""],
    ["polling req/s, direct (GET per node)", fmt(polls.direct.median, 2), fmt(polls.direct.min, 2), fmt(polls.direct.max, 2), ""],
    ["all Ironic req/s, service", fmt(polls.serviceAll.median, 2), fmt(polls.serviceAll.min, 2), fmt(polls.serviceAll.max, 2), ""],
    ["all Ironic req/s, direct", fmt(polls.directAll.median, 2), fmt(polls.directAll.min, 2), fmt(polls.directAll.max, 2), ""],
  ]);
  return { wall, ratios, cpu: { serviceIronic: cpu("service", "ironicCpuMs"), directIronic: cpu("direct", "ironicCpuMs") }, polls, own, loads: loads(results) };
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
      results.push(...(await oneSide(side, run)));
    }
  }
  printTable(
    `${opts.servers} servers at once, per run (ms; cpu = CPU time during the timed part; poll = polling req/s)`,
    ["run", "side", "phase", "load1", "wall", "accepted", "done", "failed", "p50", "p99", "node cpu", "ironic cpu", "own req/server", "poll req/s", "all req/s"],
    results.map((r) => [r.run, r.side, r.phase, r.load.load1, r.wallMs, r.acceptedMs, r.active, r.failed, r.toActive.p50, r.toActive.p99, r.nodeCpuMs, r.ironicCpuMs, fmt(ownPer(r), 2), fmt(pollRate(r), 2), fmt(allRate(r), 2)]),
  );
  const phases: Phase[] = opts.deletes > 0 ? ["create", "delete"] : ["create"];
  for (const phase of phases) callTable(phase, results.filter((r) => r.phase === phase));
  const create = phaseSummary("create", results.filter((r) => r.phase === "create"));
  const del = opts.deletes > 0 ? phaseSummary("delete", results.filter((r) => r.phase === "delete")) : undefined;
  const allDone = results.every((r) => r.failed === 0 && r.active === opts.servers && r.consistency.length === 0);
  // The targets are judged on equal work: nodes already on (real hardware's
  // deploy ends powered on), so neither side sends a power request. Nodes left
  // off make the service send a power-on the script does not: that run's rows
  // are information, not the target.
  const judged = opts.poweredOn > 0;
  const mode = judged ? "; nodes powered on before the burst (real hardware: neither side sends a power-on)" : "; nodes left off (fake hardware: the service also powers each on, the script does not)";
  const targetRow = (target: string, value: string, met: boolean) => (judged ? { target, value, met } : { target: `(info) ${target}`, value, met: null });
  await recording.finish({ results, create, delete: del }, [
    {
      target: `all ${opts.servers} servers ACTIVE${del === undefined ? "" : " then deleted"}, every run, both sides`,
      value: allDone ? "yes" : `NO: ${results.map((r) => `${r.side}#${r.run} ${r.phase} ${r.active}/${opts.servers}`).join(", ")}`,
      met: allDone,
    },
    targetRow(
      `service wall time ≤ 0.8× direct (median of per-run ratios)${mode}`,
      `${range(create.ratios)}× (service ${fmt(create.wall.service.median)} ms, direct ${fmt(create.wall.direct.median)} ms; Ironic CPU ${fmt(create.cpu.serviceIronic.median)} vs ${fmt(create.cpu.directIronic.median)} ms; ${create.loads})`,
      create.ratios.median <= 0.8,
    ),
    targetRow(
      `Ironic requests per create ≤ 3 plus the shared poll (Ironic's request log)${mode}`,
      `${range(create.own.service, 2)} (direct ${fmt(create.own.direct.median, 2)} incl. its polls${judged ? "" : "; the power-on is sent only when the deploy ended off"})`,
      create.own.service.median <= 3,
    ),
    {
      target: "(info) polling requests/s while deploying: service (shared listing) vs direct (GET per node)",
      value: `${range(create.polls.service, 2)} vs ${range(create.polls.direct, 2)} (all requests: ${fmt(create.polls.serviceAll.median, 2)} vs ${fmt(create.polls.directAll.median, 2)}; ${create.loads})`,
      met: null,
    },
    ...(del === undefined
      ? []
      : [
          {
            target: `(info) ${opts.servers} deletes at once: service wall / direct (median of per-run ratios)`,
            value: `${range(del.ratios)}× (service ${fmt(del.wall.service.median)} ms, direct ${fmt(del.wall.direct.median)} ms; Ironic CPU ${fmt(del.cpu.serviceIronic.median)} vs ${fmt(del.cpu.directIronic.median)} ms; ${del.loads})`,
            met: null,
          },
          {
            target: "(info) Ironic requests per delete besides the shared poll: service vs direct (incl. its polls)",
            value: `${range(del.own.service, 2)} vs ${range(del.own.direct, 2)}; polling req/s ${fmt(del.polls.service.median, 2)} vs ${fmt(del.polls.direct.median, 2)}`,
            met: null,
          },
        ]),
  ]);
}

await main();
