// Fault soak (issue 16 item 1): the whole service talks to the real Ironic
// through the HAND-MADE fault proxy (harness/fault-proxy.ts). Servers, each
// with a port on a network (every other one at an asked fixed IP, the others
// from a pool barely larger than the servers at once, so addresses are reused
// all the time) and a data volume (one per concurrent slot, so each is
// attached again as soon as the last server let it go), go through create →
// reboot → stop → start → rebuild → delete, at most CONCURRENCY at once, while
// a seeded schedule (fault-schedule.ts) installs one fault at a time on the
// proxy for a short window: connection resets, 503s, 409 "node locked" storms,
// 1.5–4 s latency and 2–5 s outages. After every step a server keeps its one
// port (bound to its node) and address, held by no other server, and its
// volume with its Ironic target; once deleted, it left no port, attachment or
// target behind (crash-invariants.ts `leftBehind`). Afterwards every server is
// gone (404), having reached each step's state or ERROR with a fault on the
// way, and crash-invariants.ts `violations` holds (no node claimed without a
// server, no port on the network, no VIF or volume target left, nothing given
// twice), with every node back available (all read through a direct client).
//
// `npm test` runs IRONIC_COMPUTE_FAULT_LIFECYCLES (default 3);
// `npm run test:faults` runs 200.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { newClient, sharedIronicUrl } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";
import { waitUntil } from "../support/wait.js";
import { leftBehind, violations, type Expected, type Scope } from "./crash-invariants.js";
import { KINDS, runSchedule, type FaultKind } from "./fault-schedule.js";

const LIFECYCLES = Number(process.env["IRONIC_COMPUTE_FAULT_LIFECYCLES"] ?? "3");
const SEED = Number(process.env["IRONIC_COMPUTE_FAULT_SEED"] ?? "16001");
const CONCURRENCY = Math.min(4, LIFECYCLES);
// One node more than lifecycles at once: a node freed by a delete may still be
// cleaning when the next create is scheduled.
const NODES = CONCURRENCY + 1;
// The pool has two addresses more than servers at once; the asked ones lie outside it.
const POOL = { start: "10.78.0.10", end: `10.78.0.${11 + CONCURRENCY}` };
const askedAddress = (slot: number) => `10.78.0.${100 + slot}`;

const log = captureLog("warn");
let proxy: FaultProxy;
let api: TestApi;
let direct: IronicClient; // the checks bypass the proxy
let scope: Scope;

type Json = Record<string, unknown>;

async function created(path: string, body: Json, status: number): Promise<Json> {
  const result = await api.call("POST", path, { body });
  if (result.status !== status) throw new Error(`POST ${path}: ${result.status} ${result.text}`);
  return result.json;
}

beforeAll(async () => {
  proxy = await startFaultProxy(sharedIronicUrl());
  // Each node has a NIC (a port binds to it by MAC), an iSCSI connector and the
  // `external` storage interface (a volume becomes an Ironic volume target).
  api = await startTestApi("faultsoak", {
    nodes: NODES,
    log: log.logger,
    ironicUrl: proxy.url,
    interfaces: { storage_interface: "external" },
    portsPerNode: 1,
    iscsiConnector: true,
    // A task whose Ironic retries ran out in an outage is deferred until its
    // lease expires: 5 s (the crash soak's children use 3 s), not the default 30 s.
    compute: { taskLeaseMs: 5_000 },
  });
  direct = newClient();
  const network = (await created("/network/v2.0/networks", { network: { name: "fault-soak" } }, 201))["network"] as Json;
  const networkId = network["id"] as string;
  await created("/network/v2.0/subnets", { subnet: { network_id: networkId, ip_version: 4, cidr: "10.78.0.0/24", gateway_ip: "10.78.0.1", allocation_pools: [POOL] } }, 201);
  const project = api.users.admin.projectId;
  const volumeIds: string[] = [];
  for (let slot = 0; slot < CONCURRENCY; slot += 1) {
    const connection = { protocol: "iscsi", target_portals: ["192.0.2.10:3260"], target_iqn: `iqn.2004-04.com.example:fault-soak-${slot}`, target_lun: slot + 1 };
    const volume = await created(`/volume/v3/${project}/volumes`, { volume: { name: `fault-soak-${slot}`, size: 10, project_id: project, bootable: false, connection } }, 202);
    volumeIds.push((volume["volume"] as Json)["id"] as string);
  }
  scope = { store: api.running.store, ironic: direct, shard: api.shard, nodes: api.nodes, networkId, volumeIds };
}, 180_000);

afterAll(async () => {
  proxy.clear();
  await api.stop();
  await direct.close();
  await proxy.stop();
});

interface Lifecycle {
  id: string;
  outcome: "ok" | "error";
  /** Where it went to ERROR, and the fault it showed. */
  error?: string;
  problems: string[];
}

/** The server's status once no task runs on it; "gone" once it answers 404. */
async function settledStatus(id: string): Promise<string> {
  return waitUntil(
    `server ${id} to settle`,
    async () => {
      const result = await api.call("GET", `/v2.1/servers/${id}`);
      if (result.status === 404) return "gone";
      const server = result.json["server"] as Record<string, unknown> | undefined;
      if (server === undefined || server["OS-EXT-STS:task_state"] !== null) return undefined;
      const status = server["status"];
      return typeof status === "string" && status !== "BUILD" ? status : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 200 },
  );
}

/** A request the API may refuse while the server is busy (409): tried again a few times. */
async function send(method: "POST" | "DELETE", path: string, body?: unknown): Promise<string | undefined> {
  for (let attempt = 0; ; attempt += 1) {
    const result = await api.call(method, path, body === undefined ? {} : { body });
    if (result.status < 300) return undefined;
    if (result.status !== 409 || attempt >= 20) return `${method} ${path}: ${result.status} ${result.text}`;
    await sleep(250);
  }
}

const STEPS: ReadonlyArray<{ name: string; body: () => unknown; expect: string }> = [
  { name: "reboot", body: () => ({ reboot: { type: "HARD" } }), expect: "ACTIVE" },
  { name: "stop", body: () => ({ "os-stop": null }), expect: "SHUTOFF" },
  { name: "start", body: () => ({ "os-start": null }), expect: "ACTIVE" },
  { name: "rebuild", body: () => ({ rebuild: { imageRef: api.imageId } }), expect: "ACTIVE" },
];

/** Which server holds each node right now, to catch a node given twice. */
const holders = new Map<string, string>();
/** Servers whose delete was asked: their node may be given to another server from then on. */
const releasing = new Set<string>();
/** Which server holds each address right now, to catch an address given twice. */
const addressHolders = new Map<string, string>();

/** What the soak saw of ports and volumes, for the summary. */
const tally = { ports: 0, asked: 0, pooled: 0, addresses: new Set<string>(), attached: 0, targets: 0, checks: 0, leftBehind: 0 };

async function errorFault(id: string, where: string): Promise<string> {
  const server = await api.running.store.servers.get(id);
  return `${where}: ${server?.fault?.message ?? ""}`;
}

/** A server's port (its id) and address, as first seen ACTIVE. */
interface Held {
  portIds: string[];
  address: string | undefined;
}

/**
 * Checks what a server holds after a step reached its state: one port, bound
 * to its node, with one address (the asked one, if any) that no other live
 * port holds and that has not changed since `first`; its volume attached to it
 * alone, with an Ironic volume target on its node.
 */
async function checkHeld(id: string, where: string, want: { volumeId: string; address?: string }, first: Held | undefined, problems: string[]): Promise<Held> {
  const { store } = api.running;
  const server = await store.servers.get(id);
  const node = server?.nodeUuid ?? "";
  const ports = await store.ports.list({ deviceId: id });
  const addresses = ports.flatMap((p) => p.fixedIps.map((ip) => ip.ipAddress));
  const held: Held = { portIds: ports.map((p) => p.id), address: addresses[0] };
  tally.checks += 1;
  if (ports.length !== 1 || addresses.length !== 1) problems.push(`${where}: ${ports.length} ports with addresses [${addresses.join(",")}], expected one port with one address`);
  for (const port of ports) if (port.bindingHostId !== node) problems.push(`${where}: port ${port.id} bound to "${port.bindingHostId}", the server is on ${node}`);
  if (want.address !== undefined && held.address !== want.address) problems.push(`${where}: address ${held.address ?? "none"}, asked for ${want.address}`);
  if (first !== undefined && (first.portIds.join() !== held.portIds.join() || first.address !== held.address)) {
    problems.push(`${where}: port/address changed from ${first.portIds.join()}/${first.address ?? "none"} to ${held.portIds.join()}/${held.address ?? "none"}`);
  }
  if (held.address !== undefined) {
    const holder = addressHolders.get(held.address);
    // The holder only counts while a port of it really still has the address (its delete may have just released it).
    const stillHeld = holder !== undefined && holder !== id && (await store.ports.list({ deviceId: holder })).some((p) => p.fixedIps.some((ip) => ip.ipAddress === held.address));
    if (stillHeld) problems.push(`${where}: address ${held.address} given to ${id} while ${holder} holds it`);
    addressHolders.set(held.address, id);
  }
  const volume = await store.volumes.get(want.volumeId);
  const attached = volume?.attachment?.serverId === id && server?.blockDevices.some((b) => b.volumeId === want.volumeId) === true;
  if (!attached) problems.push(`${where}: volume ${want.volumeId} attached to ${volume?.attachment?.serverId ?? "nothing"}, listed: ${String(server?.blockDevices.some((b) => b.volumeId === want.volumeId))}`);
  const target = node === "" ? false : (await direct.volumes.listTargets(node)).some((t) => t.volume_id === want.volumeId);
  if (!target) problems.push(`${where}: no Ironic volume target for volume ${want.volumeId} on node ${node}`);
  if (first === undefined) {
    tally.ports += ports.length;
    if (want.address === undefined) tally.pooled += 1;
    else tally.asked += 1;
    if (held.address !== undefined) tally.addresses.add(held.address);
    if (attached) tally.attached += 1;
    if (target) tally.targets += 1;
  }
  return held;
}

/** Lifecycle `n` in concurrency slot `slot`: the slot's volume; an even lifecycle asks for the slot's fixed address. */
async function lifecycle(n: number, slot: number): Promise<Lifecycle> {
  const problems: string[] = [];
  const volumeId = scope.volumeIds[slot] ?? "";
  const want = { volumeId, ...(n % 2 === 0 ? { address: askedAddress(slot) } : {}) };
  const created = await api.call("POST", "/v2.1/servers", {
    body: {
      server: {
        name: `fault-soak-${n}`,
        imageRef: api.imageId,
        flavorRef: api.flavorId,
        networks: [{ uuid: scope.networkId, ...(want.address === undefined ? {} : { fixed_ip: want.address }) }],
        block_device_mapping_v2: [{ source_type: "volume", destination_type: "volume", uuid: volumeId, boot_index: null, delete_on_termination: false }],
      },
    },
  });
  if (created.status !== 202) return { id: "", outcome: "error", problems: [`create: ${created.status} ${created.text}`] };
  const id = (created.json["server"] as { id: string }).id;
  let error: string | undefined;
  let first: Held | undefined;
  let status = await settledStatus(id);
  if (status === "ERROR") error = await errorFault(id, "create");
  else if (status !== "ACTIVE") problems.push(`create: ${status}, expected ACTIVE`);
  else {
    const node = (await api.running.store.servers.get(id))?.nodeUuid ?? "";
    const holder = holders.get(node);
    // A node may go to another server once its holder's delete was asked: Ironic
    // frees it at the end of the tear-down, while that delete still finishes
    // (ports, volumes, the row) and before its lifecycle sees the 404.
    if (holder !== undefined && holder !== id && !releasing.has(holder)) problems.push(`node ${node} given to ${id} while ${holder} holds it`);
    holders.set(node, id);
    first = await checkHeld(id, "create", want, undefined, problems);
    for (const step of STEPS) {
      const refused = await send("POST", `/v2.1/servers/${id}/action`, step.body());
      if (refused !== undefined) {
        problems.push(`${step.name}: ${refused}`);
        break;
      }
      status = await settledStatus(id);
      if (status === "ERROR") {
        error = await errorFault(id, step.name);
        break;
      }
      if (status !== step.expect) {
        problems.push(`${step.name}: ${status}, expected ${step.expect}`);
        break;
      }
      await checkHeld(id, step.name, want, first, problems);
    }
  }
  if (error !== undefined && error.endsWith(": ")) problems.push(`server ${id}: ERROR without a fault (${error})`);
  // ERROR or not, every lifecycle ends with the delete, and the server gone.
  releasing.add(id);
  const refused = await send("DELETE", `/v2.1/servers/${id}`);
  if (refused !== undefined) problems.push(`delete: ${refused}`);
  let end = await settledStatus(id);
  if (end === "ERROR") {
    // A delete that failed under faults leaves ERROR with a fault: asking again must finish it.
    const message = await errorFault(id, "delete");
    if (message.endsWith(": ")) problems.push(`server ${id}: delete ERROR without a fault`);
    error ??= message;
    const again = await send("DELETE", `/v2.1/servers/${id}`);
    if (again !== undefined) problems.push(`delete again: ${again}`);
    end = await settledStatus(id);
  }
  if (end !== "gone") problems.push(`delete: ${end}, expected 404`);
  else {
    // Gone, whichever way it went: nothing the service made or took for it is left.
    const left = await leftBehind(scope, { serverId: id, portIds: first?.portIds ?? [], volumeIds: [volumeId] });
    tally.leftBehind += left.length;
    problems.push(...left);
  }
  for (const [node, holder] of holders) if (holder === id) holders.delete(node);
  for (const [address, holder] of addressHolders) if (holder === id) addressHolders.delete(address);
  return { id, outcome: error === undefined ? "ok" : "error", ...(error === undefined ? {} : { error }), problems };
}

describe("fault soak: lifecycles through resets, 5xx, locks, latency and outages", () => {
  it(`${LIFECYCLES} lifecycles converge`, async () => {
    const begun = Date.now();
    const injected: Record<FaultKind, number> = { reset: 0, "503": 0, "409-locked": 0, latency: 0, outage: 0 };
    const results: Lifecycle[] = [];
    let next = 0;
    let finished = false;
    // At most two windows a lifecycle: a long run meets fewer (the plain soak's
    // 200 lifecycles met 248 windows), so the cap only keeps a short sample
    // from spending its time in back-to-back windows.
    const schedule = runSchedule(proxy, SEED, () => finished, injected, 2 * LIFECYCLES);
    // Each slot runs its lifecycles one after another, with its own volume.
    const worker = async (slot: number): Promise<void> => {
      while (next < LIFECYCLES) {
        const n = next;
        next += 1;
        results.push(await lifecycle(n, slot));
      }
    };
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, (_, slot) => worker(slot)));
    } finally {
      finished = true;
      await schedule;
      proxy.clear();
    }
    const expectations = new Map<string, Expected>(results.filter((r) => r.id !== "").map((r) => [r.id, "deleted"]));
    const problems = [...results.flatMap((r) => r.problems.map((p) => `${r.id}: ${p}`)), ...(await violations(scope, expectations))];
    // Every node back to where it started: available (cleaning may still run), no VIF.
    await waitUntil(
      "every test node to be available",
      async () => {
        const nodes = await direct.nodes.list(["uuid", "provision_state"], { shard: api.shard });
        return nodes.every((node) => node.provision_state === "available") ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    ).catch((failure: unknown) => problems.push(String(failure)));
    for (const node of api.nodes) {
      const vifs = await direct.nodes.listVifs(node);
      if (vifs.length > 0) problems.push(`node ${node}: VIFs ${vifs.join(",")} left`);
    }
    const ok = results.filter((r) => r.outcome === "ok").length;
    const errors = results.filter((r) => r.outcome === "error");
    const hits = { reset: 0, "503": 0, "409": 0 };
    for (const r of proxy.requests) {
      if (r.status === "reset") hits.reset += 1;
      else if (r.status === 503) hits["503"] += 1;
      else if (r.status === 409) hits["409"] += 1;
    }
    console.log(
      [
        `fault soak (seed ${SEED}): ${results.length} lifecycles, ${ok} ok, ${errors.length} via ERROR, ${problems.length} problems, ${Math.round((Date.now() - begun) / 1000)} s`,
        `  fault windows: ${KINDS.map((k) => `${k} ${injected[k]}`).join(", ")}`,
        `  answers through the proxy: ${proxy.requests.length} requests, ${hits.reset} reset, ${hits["503"]} 503, ${hits["409"]} 409`,
        `  ports and volumes: ${tally.ports} ports on servers that reached ACTIVE (${tally.asked} at an asked address, ${tally.pooled} from a pool of ${POOL.start}–${POOL.end}; ${tally.addresses.size} distinct addresses), ${tally.attached} volume attachments with ${tally.targets} Ironic targets, ${tally.checks} holding checks, ${tally.leftBehind} ports/attachments/targets left after delete`,
        // Nova's text for an error the service did not expect: an ERROR, but no clear fault (reported, not failed).
        `  ERRORs without a clear fault ("Unexpected error: …"): ${errors.filter((r) => (r.error ?? "").includes("Unexpected error")).length}`,
        ...errors.map((r) => `  ERROR ${r.id} at ${r.error ?? ""}`),
        ...problems.map((p) => `  PROBLEM ${p}`),
      ].join("\n"),
    );
    expect(problems).toEqual([]);
    expect(results).toHaveLength(LIFECYCLES);
    // The schedule must really have hit the service (a fault never met would show here).
    expect(Object.values(injected).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(hits.reset + hits["503"] + hits["409"]).toBeGreaterThan(0);
  }, Math.max(300_000, LIFECYCLES * 120_000));
});
