// Delete at any moment (issue 11 #1), against the real Ironic: a delete during
// a running create is accepted at once, the create's task stops before its next
// Ironic call (cancelled: the lease fencing of issue 8), and the delete tears
// down from whatever the node shows. The deploy request is slowed by the fault
// proxy (a HAND-MADE FAKE in front of the real Ironic) so the delete lands while
// it is in flight.
//
// Two ways the running task learns: in the process that received the delete
// (at once), and in another process's worker (at its next lease renewal). The
// second is two compute services on one SQLite file: "front" takes the API
// calls and runs no tasks; the test service's runner runs them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { NotFoundError } from "../../src/compute/contract.js";
import { createComputeService, type ComputeService } from "../../src/compute/service.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/store.js";
import { sharedIronicUrl } from "../support/ironic.js";
import { FAST_COMPUTE, FAST_DRIVER, startTestCompute, type TestCompute } from "./support.js";

let proxy: FaultProxy;
let t: TestCompute;
let frontStore: Store;
let front: ComputeService;

beforeAll(async () => {
  proxy = await startFaultProxy(sharedIronicUrl());
  t = await startTestCompute("delete-anytime", 2, undefined, { url: proxy.url });
  frontStore = await openStore({ kind: "sqlite", path: t.storePath });
  front = await createComputeService({
    store: frontStore,
    ironic: t.ironic,
    driver: { ...FAST_DRIVER, cache: { maxAgeMs: 0, shard: t.shard } },
    compute: { ...FAST_COMPUTE, workerId: "front" },
    log: (await import("../../src/log/logger.js")).silentLogger,
  });
});
afterAll(async () => {
  await front.stop();
  await frontStore.close();
  await t.stop();
  await proxy.stop();
});

/** What the last probe of `until` saw, for its timeout message. */
const seen = { last: "" };

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  seen.last = "";
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${seen.last === "" ? "" : `; last seen ${seen.last}`}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resolves once the server is gone for its owner (deleted). */
async function gone(service: ComputeService, id: string): Promise<void> {
  await until(`server ${id} to be deleted`, async () => {
    try {
      await service.servers.get(t.member, id);
      return undefined;
    } catch (error) {
      if (error instanceof NotFoundError) return true;
      throw error;
    }
  }, 45_000);
}

async function nodeIsFree(node: string): Promise<void> {
  const current = await until(`node ${node} to be free`, async () => {
    const found = await t.ironic.nodes.getFull(node);
    seen.last = JSON.stringify({ state: found.provision_state, target: found.target_provision_state, instance: found.instance_uuid, error: found.last_error });
    return found.instance_uuid === null && found.provision_state === "available" ? found : undefined;
  }, 15_000);
  expect(current.instance_info).toEqual({});
}

/** Starts a create whose deploy request the proxy holds for `holdMs`; resolves once that request is in flight. */
async function createWithSlowDeploy(service: ComputeService, name: string, holdMs: number) {
  proxy.add({ method: "PUT", path: /^\/v1\/nodes\/[^/]+\/states\/provision/, times: 1, action: { kind: "delay", ms: holdMs } });
  const created = await service.servers.create(t.member, { name, flavorRef: t.flavorId, imageRef: t.imageId, networks: "none" });
  const spawning = await until("the create to reach its deploy", async () => {
    const server = await service.servers.get(t.member, created.id);
    return server.taskState === "spawning" && server.nodeUuid !== null ? server : undefined;
  });
  // The claim and instance_info are written before the deploy request; give it time to reach the proxy.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return spawning;
}

describe("delete at any moment", () => {
  it("during a create's deploy, in the process running it: 204 at once, the task is cancelled, the server goes, the node is free", async () => {
    const spawning = await createWithSlowDeploy(t.service, "deleted-while-deploying", 2_000);
    const node = spawning.nodeUuid ?? "";
    const create = await t.store.tasks.activeForServer(spawning.id);
    const started = Date.now();
    await t.service.servers.delete(t.member, spawning.id);
    const acceptedMs = Date.now() - started;
    expect(acceptedMs).toBeLessThan(1_000);
    expect((await t.service.servers.get(t.member, spawning.id)).taskState).toBe("deleting");
    expect((await t.store.tasks.get(create?.id ?? ""))?.status).toBe("cancelled");
    // Deleting again is the same request.
    await t.service.servers.delete(t.member, spawning.id);
    await gone(t.service, spawning.id);
    await nodeIsFree(node);
    const actions = await t.service.servers.actions(t.admin, spawning.id).catch(() => []);
    expect(actions.map((action) => action.action)).toEqual(expect.arrayContaining(["create", "delete"]));
    const rows = await t.store.tasks.listActive();
    expect(rows.filter((task) => task.serverId === spawning.id)).toEqual([]);
  });

  it("during a create's deploy, through another process: the running worker stops at its next renewal", async () => {
    const spawning = await createWithSlowDeploy(t.service, "deleted-from-front", 3_000);
    const node = spawning.nodeUuid ?? "";
    const create = await t.store.tasks.activeForServer(spawning.id);
    expect(create?.kind).toBe("create");
    await front.servers.delete(t.member, spawning.id);
    expect((await t.store.tasks.get(create?.id ?? ""))?.status).toBe("cancelled");
    await gone(t.service, spawning.id);
    await nodeIsFree(node);
  });

  it("while the create is still queued: the create never runs, no node is claimed", async () => {
    // "front" runs no tasks: the create waits, pending, until the delete supersedes it.
    await t.service.stop();
    let id = "";
    try {
      const created = await front.servers.create(t.member, { name: "never-built", flavorRef: t.flavorId, imageRef: t.imageId, networks: "none" });
      id = created.id;
      await front.servers.delete(t.member, id);
      const tasks = (await frontStore.tasks.listActive()).filter((task) => task.serverId === id);
      expect(tasks.map((task) => task.kind)).toEqual(["delete"]);
    } finally {
      await t.service.start();
    }
    proxy.requests.length = 0;
    await gone(t.service, id);
    const claims = proxy.requests.filter((request) => request.method === "PATCH" && request.body.includes(id));
    expect(claims).toEqual([]);
    for (const node of t.nodes) expect((await t.ironic.nodes.getFull(node)).instance_uuid).not.toBe(id);
  });
});
