// Fault soak (issue 16 item 1): the whole service talks to the real Ironic
// through the HAND-MADE fault proxy (harness/fault-proxy.ts). Plain servers
// (no network, no volume) go through create → reboot → stop → start → rebuild →
// delete, at most CONCURRENCY at once, while a seeded schedule installs one
// fault at a time on the proxy for a short window and removes it again:
// connection resets, 503s, 409 "node locked" storms, 1.5–4 s latency and
// 2–5 s outages. Afterwards every server must be gone (404), having reached
// each step's state or ERROR with a fault on the way, and the nodes must be
// back as they started: unclaimed, available, without VIFs, none given twice
// (the end checks are crash-invariants.ts's, read through a direct client).
//
// `npm test` runs IRONIC_COMPUTE_FAULT_LIFECYCLES (default 3);
// `npm run test:faults` runs 200.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeLockedBody, startFaultProxy, type FaultAction, type FaultProxy, type FaultRule } from "../../harness/fault-proxy.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { newClient, sharedIronicUrl } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";
import { waitUntil } from "../support/wait.js";
import { violations, type Expected, type Scope } from "./crash-invariants.js";

const LIFECYCLES = Number(process.env["IRONIC_COMPUTE_FAULT_LIFECYCLES"] ?? "3");
const SEED = Number(process.env["IRONIC_COMPUTE_FAULT_SEED"] ?? "16001");
const CONCURRENCY = Math.min(4, LIFECYCLES);
// One node more than lifecycles at once: a node freed by a delete may still be
// cleaning when the next create is scheduled.
const NODES = CONCURRENCY + 1;

const log = captureLog("warn");
let proxy: FaultProxy;
let api: TestApi;
let direct: IronicClient; // the end checks bypass the proxy
let scope: Scope;

beforeAll(async () => {
  proxy = await startFaultProxy(sharedIronicUrl());
  api = await startTestApi("faultsoak", { nodes: NODES, log: log.logger, ironicUrl: proxy.url });
  direct = newClient();
  // Plain servers have no ports: the network id only scopes the (empty) port checks.
  scope = { store: api.running.store, ironic: direct, shard: api.shard, nodes: api.nodes, networkId: randomUUID(), volumeIds: [] };
}, 180_000);

afterAll(async () => {
  proxy.clear();
  await api.stop();
  await direct.close();
  await proxy.stop();
});

/** mulberry32: a small seeded generator, so a run's fault schedule can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type FaultKind = "reset" | "503" | "409-locked" | "latency" | "outage";
const KINDS: readonly FaultKind[] = ["reset", "503", "409-locked", "latency", "outage"];
const NODE_PATHS = /^\/v1\/nodes(\/|\?|$)/;

interface Window {
  kind: FaultKind;
  rules: FaultRule[];
  ms: number;
}

/** The fault a schedule draw installs, and for how long. */
function draw(random: () => number): Window {
  const between = (low: number, high: number) => Math.round(low + random() * (high - low));
  const kind = KINDS[Math.floor(random() * KINDS.length)] ?? "reset";
  const rule = (action: FaultAction, extra: Partial<FaultRule> = {}): FaultRule => ({ path: NODE_PATHS, action, ...extra });
  switch (kind) {
    case "reset":
      return { kind, rules: [rule({ kind: "reset" })], ms: between(500, 1_500) };
    case "503":
      return { kind, rules: [rule({ kind: "status", status: 503, body: JSON.stringify({ error_message: "fault soak: service unavailable" }) })], ms: between(1_000, 2_000) };
    case "409-locked": {
      // Ironic answers NodeLocked to writes only.
      const locked: FaultAction = { kind: "status", status: 409, body: nodeLockedBody("(any node)", "conductor-fault-soak") };
      return { kind, rules: ["POST", "PUT", "PATCH", "DELETE"].map((method) => rule(locked, { method })), ms: between(1_000, 2_500) };
    }
    case "latency":
      return { kind, rules: [rule({ kind: "delay", ms: between(1_500, 4_000) })], ms: between(2_000, 4_000) };
    case "outage":
      // Ironic unreachable as a whole: every request reset, not only node ones.
      return { kind, rules: [{ path: /./, action: { kind: "reset" } }], ms: between(2_000, 5_000) };
  }
}

/** Installs fault windows from the seeded schedule until `done` says stop. */
async function runSchedule(done: () => boolean, injected: Record<FaultKind, number>): Promise<void> {
  const random = seeded(SEED);
  while (!done()) {
    await sleep(500 + random() * 2_000);
    if (done()) break;
    const window = draw(random);
    for (const r of window.rules) proxy.add(r);
    injected[window.kind] += 1;
    await sleep(window.ms);
    for (const r of window.rules) proxy.remove(r);
  }
}

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

async function errorFault(id: string, where: string): Promise<string> {
  const server = await api.running.store.servers.get(id);
  return `${where}: ${server?.fault?.message ?? ""}`;
}

async function lifecycle(n: number): Promise<Lifecycle> {
  const problems: string[] = [];
  const created = await api.call("POST", "/v2.1/servers", {
    body: { server: { name: `fault-soak-${n}`, imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } },
  });
  if (created.status !== 202) return { id: "", outcome: "error", problems: [`create: ${created.status} ${created.text}`] };
  const id = (created.json["server"] as { id: string }).id;
  let error: string | undefined;
  let status = await settledStatus(id);
  if (status === "ERROR") error = await errorFault(id, "create");
  else if (status !== "ACTIVE") problems.push(`create: ${status}, expected ACTIVE`);
  else {
    const node = (await api.running.store.servers.get(id))?.nodeUuid ?? "";
    const holder = holders.get(node);
    if (holder !== undefined && holder !== id) problems.push(`node ${node} given to ${id} while ${holder} holds it`);
    holders.set(node, id);
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
    }
  }
  if (error !== undefined && error.endsWith(": ")) problems.push(`server ${id}: ERROR without a fault (${error})`);
  // ERROR or not, every lifecycle ends with the delete, and the server gone.
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
  for (const [node, holder] of holders) if (holder === id) holders.delete(node);
  return { id, outcome: error === undefined ? "ok" : "error", ...(error === undefined ? {} : { error }), problems };
}

describe("fault soak: lifecycles through resets, 5xx, locks, latency and outages", () => {
  it(`${LIFECYCLES} lifecycles converge`, async () => {
    const begun = Date.now();
    const injected: Record<FaultKind, number> = { reset: 0, "503": 0, "409-locked": 0, latency: 0, outage: 0 };
    const results: Lifecycle[] = [];
    let next = 0;
    let finished = false;
    const schedule = runSchedule(() => finished, injected);
    const worker = async (): Promise<void> => {
      while (next < LIFECYCLES) {
        const n = next;
        next += 1;
        results.push(await lifecycle(n));
      }
    };
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
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
