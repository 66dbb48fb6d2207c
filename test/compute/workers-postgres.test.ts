// Several workers on one real PostgreSQL: both register; one is killed (SIGKILL)
// while it holds a create task; the survivor takes the task over once the lease
// expires and, once the dead worker's heartbeat is stale, owns all the nodes
// (it releases a leftover claim of ours planted on any of them). The fault proxy (a HAND-MADE
// FAKE in front of the real Ironic) only slows the deploy request.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Caller } from "../../src/compute/contract.js";
import type { ComputeService } from "../../src/compute/service.js";
import type { FaultProxy } from "../../harness/fault-proxy.js";
import { startPostgres } from "../../harness/postgres-process.js";
import type { IronicClient } from "../../src/ironic/client.js";
import type { Store } from "../../src/store/store.js";
import { uniqueResourceClass } from "../support/ironic.js";
import { waitUntil } from "../support/wait.js";
import { startChild, startWorkerFront, type ComputeChild, type WorkerFront } from "./children.js";
import { claimAsOurs, FAST_COMPUTE, plantedServer } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "ironic-compute-pg-"));
const shard = `shard-${randomUUID().slice(0, 8)}`;
let postgres: Awaited<ReturnType<typeof startPostgres>>;
let setup: WorkerFront;
let proxy: FaultProxy;
let ironic: IronicClient;
let store: Store;
let front: ComputeService;
let admin: Caller;
let nodes: string[] = [];
const children: ComputeChild[] = [];

/** Polls `check` (bounded, 60 s by default) until it returns a value. */
const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> =>
  waitUntil(what, check, { timeoutMs });

beforeAll(async () => {
  postgres = await startPostgres();
  setup = await startWorkerFront({
    store: { kind: "postgres", url: postgres.url },
    shard,
    resourceClass: uniqueResourceClass("pgworkers"),
    nodeCount: 3,
    flavorId: "bm",
    imageId: "00000000-0000-4000-8000-000000000001",
  });
  ({ proxy, ironic, store, front, admin, nodes } = setup);
}, 240_000);

afterAll(async () => {
  await Promise.all(children.map((c) => c.stop()));
  await setup.close();
  await postgres.stop();
});

async function worker(id: string): Promise<ComputeChild> {
  const child = await startChild(
    { ironicUrl: proxy.url, store: { kind: "postgres", url: postgres.url }, workerId: id, shard, reconcileIntervalMs: 1_000 },
    join(dir, `${id}.log`),
  );
  children.push(child);
  return child;
}

describe("two workers on PostgreSQL", () => {
  it("a killed worker's task and nodes pass to the survivor", async () => {
    proxy.add({ method: "PUT", path: /^\/v1\/nodes\/[^/]+\/states\/provision/, times: 1, action: { kind: "delay", ms: 3_000 } });
    // Both workers are up before the create (a child takes seconds to start on a
    // loaded machine, long enough for pg-a to finish alone); pg-b is held
    // (SIGSTOP) until pg-a has leased the task.
    const a = await worker("pg-a");
    const b = await worker("pg-b");
    b.process.kill("SIGSTOP");
    const server = await front.servers.create(admin, { name: "pg-1", flavorRef: "bm", imageRef: "00000000-0000-4000-8000-000000000001", networks: "none" });
    try {
      await until("pg-a leases the create", async () => ((await store.tasks.activeForServer(server.id))?.leaseOwner === "pg-a" ? true : undefined));
    } finally {
      b.process.kill("SIGCONT");
    }
    await until("both workers live", async () => {
      const live = (await store.workers.live(new Date(Date.now() - 2_000).toISOString())).map((w) => w.id).sort();
      return live.includes("pg-a") && live.includes("pg-b") ? true : undefined;
    });
    await until("spawning", async () => ((await store.servers.get(server.id))?.taskState === "spawning" ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 700));
    const killedAt = Date.now();
    await a.kill9();

    const done = await until("ACTIVE via pg-b", async () => {
      const s = await store.servers.get(server.id);
      return s?.vmState === "active" && s.taskState === null ? s : undefined;
    });
    const takeoverMs = Date.now() - killedAt;
    expect(done.nodeUuid).not.toBeNull();
    const actions = await store.actions.listForServer(server.id);
    expect(actions.map((x) => x.action)).toEqual(["create"]);

    await until("pg-a no longer live", async () => {
      const live = (await store.workers.live(new Date(Date.now() - FAST_COMPUTE.workerTimeoutMs).toISOString())).map((w) => w.id);
      return live.includes("pg-a") ? undefined : true;
    });
    // Whichever node the ring gave to pg-a before, pg-b now reconciles it.
    const orphanNodes = nodes.filter((n) => n !== done.nodeUuid);
    // Leftovers of ours: claims with our marker for servers our store holds as deleted.
    const flavor = await store.flavors.get("bm");
    for (const node of orphanNodes) {
      const leftover = plantedServer({ projectId: admin.projectId, userId: admin.userId, flavorId: flavor?.id ?? "bm", imageId: "00000000-0000-4000-8000-000000000001" });
      await store.servers.create(leftover);
      await claimAsOurs(ironic, node, leftover.id);
    }
    await until("orphans released by pg-b", async () => {
      const claimed = (await ironic.nodes.list(["instance_uuid"], { shard })).filter((n) => n.instance_uuid !== null);
      return claimed.length === 1 ? true : undefined;
    });
    process.stdout.write(`worker takeover: create finished ${takeoverMs} ms after SIGKILL of its worker\n`);
    // Several bounded waits on two child processes: on a loaded 2-core machine the
    // whole can pass vitest's default 60 s while each wait is within its own bound
    // (each wait names itself when it times out).
  }, 180_000);
});
