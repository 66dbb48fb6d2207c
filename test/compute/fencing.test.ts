// Lease fencing across two real worker processes on one SQLite file: worker A
// holds a create task and is paused (SIGSTOP) in the middle of its deploy
// request, long enough for its lease to expire; worker B takes the task over and
// deploys; A is resumed and gets Ironic's refusal of its now-stale deploy. A must
// stop there: no unwind of B's live deploy, no write to the server. The fault
// proxy (a HAND-MADE FAKE in front of the real Ironic) only holds A's deploy
// request, so that A is paused with it in flight.
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaseFence } from "../../src/compute/lease-fence.js";
import type { Caller } from "../../src/compute/contract.js";
import type { ComputeService } from "../../src/compute/service.js";
import type { FaultProxy } from "../../harness/fault-proxy.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { LeaseLostError, type Store } from "../../src/store/store.js";
import { sharedIronicUrl, uniqueResourceClass } from "../support/ironic.js";
import { waitUntil } from "../support/wait.js";
import { startChild, startWorkerFront, type ComputeChild, type WorkerFront } from "./children.js";
import { sqlitePath } from "./support.js";

describe("LeaseFence (pure, injected clock)", () => {
  it("fires at its deadline even when no timer ran, and a late renewal cannot reopen it", () => {
    let now = 1_000;
    const fence = new LeaseFence(10_000, now, () => now);
    now += 8_999;
    expect(fence.aborted).toBe(false);
    fence.renewed(now); // lease now runs from 9_999
    now += 8_999;
    expect(fence.aborted).toBe(false);
    now += 2; // past 90 % of the lease since the last renewal
    expect(fence.aborted).toBe(true);
    expect(() => { fence.throwIfAborted(); }).toThrow(LeaseLostError);
    fence.renewed(now);
    expect(fence.aborted).toBe(true);
    fence.dispose();
  });

  it("fires at once when a renewal is refused", () => {
    const fence = new LeaseFence(10_000, Date.now());
    fence.lose("another worker leased this task");
    expect(fence.signal.aborted).toBe(true);
    expect(() => { fence.throwIfAborted(); }).toThrow(/another worker/);
    fence.dispose();
  });
});

const dir = mkdtempSync(join(tmpdir(), "ironic-compute-fence-"));
const storeConfig = { kind: "sqlite" as const, path: sqlitePath() };
const shard = `shard-${randomUUID().slice(0, 8)}`;
const resourceClass = uniqueResourceClass("fence");
let setup: WorkerFront;
let proxy: FaultProxy;
let ironic: IronicClient;
let store: Store;
let front: ComputeService; // takes requests only: never started, so it runs no tasks
let admin: Caller;
let flavorId = "";
let imageId = "";
const children: ComputeChild[] = [];

async function child(workerId: string, ironicUrl: string): Promise<ComputeChild> {
  const started = await startChild({ ironicUrl, store: storeConfig, workerId, shard, reconcileIntervalMs: 600_000 }, join(dir, `${workerId}.log`));
  children.push(started);
  return started;
}

const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> =>
  waitUntil(what, check, { timeoutMs, intervalMs: 50 });

beforeAll(async () => {
  setup = await startWorkerFront({ store: storeConfig, shard, resourceClass, nodeCount: 2 });
  ({ proxy, ironic, store, front, admin, flavorId, imageId } = setup);
});

afterAll(async () => {
  for (const c of children) c.process.kill("SIGCONT");
  await Promise.all(children.map((c) => c.stop()));
  await setup.close();
});

describe("a worker that lost its lease", () => {
  it("stops before its next Ironic call and server write; the new holder's deploy stands", async () => {
    // A's deploy request is held by the proxy for 8 s (then forwarded).
    proxy.add({ method: "PUT", path: /^\/v1\/nodes\/[^/]+\/states\/provision/, times: 1, action: { kind: "delay", ms: 8_000 } });
    const a = await child("fence-a", proxy.url);
    const b = await child("fence-b", sharedIronicUrl());
    b.process.kill("SIGSTOP"); // so that A, not B, leases the task first
    const server = await front.servers.create(admin, { name: "fenced", flavorRef: flavorId, imageRef: imageId, networks: "none" });
    await until("A leases the create", async () => ((await store.tasks.activeForServer(server.id))?.leaseOwner === "fence-a" ? true : undefined));
    await until("A is in its deploy step", async () => ((await store.servers.get(server.id))?.progress === 40 ? true : undefined)); // spawn_deploy_requested
    await new Promise((resolve) => setTimeout(resolve, 300)); // the deploy request is at the proxy now
    a.process.kill("SIGSTOP"); // A stalls with its deploy in flight; its lease (3 s) runs out
    b.process.kill("SIGCONT");
    await until("B takes the task over", async () => ((await store.tasks.activeForServer(server.id))?.leaseOwner === "fence-b" ? true : undefined));
    await until("B's deploy is under way", async () => {
      const nodeUuid = (await store.servers.get(server.id))?.nodeUuid ?? "";
      const node = await ironic.nodes.get(nodeUuid, ["provision_state"]);
      return node.provision_state !== "available" ? true : undefined;
    });
    a.process.kill("SIGCONT"); // A's held deploy reaches Ironic late and is refused

    const done = await until("ACTIVE", async () => {
      const s = await store.servers.get(server.id);
      return s?.vmState === "active" && s.taskState === null ? s : undefined;
    });
    // Let A finish handling Ironic's refusal of its stale deploy.
    await until("A saw its deploy answered", () =>
      Promise.resolve(proxy.requests.some((r) => r.method === "PUT" && r.path.includes("/states/provision")) ? true : undefined),
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const node = await ironic.nodes.get(done.nodeUuid ?? "", ["instance_uuid", "provision_state"]);
    expect(node).toMatchObject({ instance_uuid: server.id, provision_state: "active" });
    const after = await store.servers.get(server.id);
    expect([after?.vmState, after?.taskState, after?.fault]).toEqual(["active", null, null]);
    // After Ironic answered its stale deploy, A changed nothing (no unwind); at
    // most the shared node cache re-read the node.
    const deployAt = proxy.requests.findIndex((r) => r.method === "PUT" && r.path.includes("/states/provision"));
    expect(deployAt).toBeGreaterThanOrEqual(0);
    expect(proxy.requests.slice(deployAt + 1).filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const aLog = readFileSync(join(dir, "fence-a.log"), "utf8");
    expect(aLog).toMatch(/lost the lease of a running task/);
    expect(aLog).not.toMatch(/spawn failed; unwinding/);
  });
});
