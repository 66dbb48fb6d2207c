// kill -9 of the service in the middle of a create and of a delete, then a
// restart: the server converges, no node is orphaned, none is claimed twice.
// The service runs as a real child process; the fault proxy (a HAND-MADE FAKE in
// front of the real Ironic) only slows deploy/undeploy requests so the kill
// lands inside the operation.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Caller } from "../../src/compute/contract.js";
import type { ComputeService } from "../../src/compute/service.js";
import type { FaultProxy } from "../../harness/fault-proxy.js";
import type { IronicClient } from "../../src/ironic/client.js";
import type { Store } from "../../src/store/store.js";
import { uniqueResourceClass } from "../support/ironic.js";
import { waitUntil } from "../support/wait.js";
import { startChild, startWorkerFront, type ComputeChild, type WorkerFront } from "./children.js";
import { sqlitePath } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "ironic-compute-crash-"));
const storeConfig = { kind: "sqlite" as const, path: sqlitePath() };
const shard = `shard-${randomUUID().slice(0, 8)}`;
const resourceClass = uniqueResourceClass("crash");
let setup: WorkerFront;
let proxy: FaultProxy;
let ironic: IronicClient;
let store: Store;
let front: ComputeService; // takes requests only: it is never started, so it runs no tasks
let admin: Caller;
let nodes: string[] = [];
let flavorId = "";
let imageId = "";
const children: ComputeChild[] = [];

async function child(workerId: string): Promise<ComputeChild> {
  const started = await startChild(
    { ironicUrl: proxy.url, store: storeConfig, workerId, shard, reconcileIntervalMs: 1_000 },
    join(dir, `${workerId}.log`),
  );
  children.push(started);
  return started;
}

/** Polls `check` (bounded, 60 s by default) until it returns a value. */
const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> =>
  waitUntil(what, check, { timeoutMs });

async function claimedNodes(): Promise<Array<{ uuid: string; instance_uuid: string | null }>> {
  return (await ironic.nodes.list(["instance_uuid"], { shard })).filter((n) => n.instance_uuid !== null);
}

beforeAll(async () => {
  setup = await startWorkerFront({ store: storeConfig, shard, resourceClass, nodeCount: 2 });
  ({ proxy, ironic, store, front, admin, nodes, flavorId, imageId } = setup);
});

afterAll(async () => {
  await Promise.all(children.map((c) => c.stop()));
  await setup.close();
});

const slowProvision = () => { proxy.add({ method: "PUT", path: /^\/v1\/nodes\/[^/]+\/states\/provision/, times: 1, action: { kind: "delay", ms: 2_500 } }); };

describe("kill -9 in the middle of operations", () => {
  let serverId = "";

  it("create: killed while deploying, restarted → ACTIVE on exactly one node, no orphan", async () => {
    slowProvision();
    const a = await child("crash-a");
    serverId = (await front.servers.create(admin, { name: "c1", flavorRef: flavorId, imageRef: imageId, networks: "none" })).id;
    await until("spawning", async () => ((await store.servers.get(serverId))?.taskState === "spawning" ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 700)); // inside the slowed deploy request
    await a.kill9();
    expect((await store.servers.get(serverId))?.vmState).toBe("building");
    await child("crash-b");
    const server = await until("ACTIVE", async () => {
      const s = await store.servers.get(serverId);
      return s?.vmState === "active" && s.taskState === null ? s : undefined;
    });
    expect(server.nodeUuid).not.toBeNull();
    expect(await claimedNodes()).toEqual([{ uuid: server.nodeUuid, instance_uuid: serverId }]);
    const task = await store.tasks.activeForServer(serverId);
    expect(task).toBeUndefined();
  });

  it("delete: killed while undeploying, restarted → gone, node released", async () => {
    const nodeUuid = (await store.servers.get(serverId))?.nodeUuid ?? "";
    slowProvision();
    await front.servers.delete(admin, serverId);
    await until("deleting in progress", async () => (proxy.requests.length >= 0 && (await store.tasks.activeForServer(serverId))?.status === "running" ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 700));
    const running = children.at(-1);
    await running?.kill9();
    await child("crash-c");
    await until("deleted", async () => ((await store.servers.get(serverId)) === undefined ? true : undefined));
    await until("node available", async () => {
      const n = await ironic.nodes.get(nodeUuid, ["instance_uuid", "provision_state"]);
      return n.instance_uuid === null && n.provision_state === "available" ? true : undefined;
    });
    expect(await claimedNodes()).toEqual([]);
  });

  it("delete while the worker that was deploying lies dead: the delete waits out its lease, then tears down", async () => {
    slowProvision();
    const e = await child("crash-e");
    const created = await front.servers.create(admin, { name: "c3", flavorRef: flavorId, imageRef: imageId, networks: "none" });
    await until("spawning", async () => ((await store.servers.get(created.id))?.taskState === "spawning" ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 700)); // inside the slowed deploy request
    await e.kill9();
    const create = await store.tasks.activeForServer(created.id);
    expect(create?.status).toBe("running");
    await front.servers.delete(admin, created.id);
    expect((await store.tasks.get(create?.id ?? ""))?.status).toBe("cancelled");
    expect((await store.servers.get(created.id))?.taskState).toBe("deleting");
    // The dead worker's lease has not expired: nobody may start the delete yet.
    if (Date.parse(create?.leaseExpiresAt ?? "") > Date.now() + 200) {
      expect(await store.tasks.lease("probe", new Date().toISOString(), 1_000)).toBeUndefined();
    }
    await child("crash-f");
    await until("deleted", async () => ((await store.servers.get(created.id)) === undefined ? true : undefined));
    await until("no claim left", async () => ((await claimedNodes()).length === 0 ? true : undefined));
  });

  it("a claim made just before a crash is adopted, not duplicated", async () => {
    // Simulates a create that died between the Ironic claim and recording the
    // node: no worker runs while the server is created and its node pre-claimed.
    await Promise.all(children.map((c) => c.stop()));
    const created = await front.servers.create(admin, { name: "c2", flavorRef: flavorId, imageRef: imageId, networks: "none" });
    const preclaimed = nodes[1] ?? "";
    await ironic.nodes.update(preclaimed, [{ op: "add", path: "/instance_uuid", value: created.id }]);
    await child("crash-d");
    const server = await until("ACTIVE", async () => {
      const s = await store.servers.get(created.id);
      return s?.vmState === "active" ? s : undefined;
    });
    expect(server.nodeUuid).toBe(preclaimed);
    expect((await claimedNodes()).map((n) => n.instance_uuid)).toEqual([created.id]);
  });
});
