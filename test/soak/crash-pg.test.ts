// Crash soak on PostgreSQL (issue 16 item 2, last part): two worker processes
// on one real PostgreSQL database (harness/postgres-process.ts) share a create.
//  (a) the worker holding the task SIGKILLs itself before a spawn step
//      (ChildConfig.crashAt); the other takes the task over after the lease.
//  (b) the worker holding the task is paused (SIGSTOP) well past the lease; the
//      other takes it over and finishes; then the paused one resumes (SIGCONT)
//      and must be fenced: the server, task and Ironic node stay as the
//      survivor left them.
// Both end with crash-invariants.ts's checks clean.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type RunningPostgres } from "../../harness/postgres-process.js";
import type { ComputeChild, ChildConfig, WorkerFront } from "../compute/children.js";
import { startChild, startWorkerFront } from "../compute/children.js";
import { sharedIronicUrl, uniqueResourceClass } from "../support/ironic.js";
import { waitUntil } from "../support/wait.js";
import { violations, type Expected, type Scope } from "./crash-invariants.js";

const dir = mkdtempSync(join(tmpdir(), "ironic-compute-crash-pg-"));
const shard = `shard-${randomUUID().slice(0, 8)}`;
let postgres: RunningPostgres;
let setup: WorkerFront;
let scope: Scope;
const children: ComputeChild[] = [];
/** Every server of the file and its expected end state (the invariants look at the whole shard). */
const expectations = new Map<string, Expected>();

/** compute-child.ts's taskLeaseMs. */
const TASK_LEASE_MS = 3_000;
const until = <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => waitUntil(what, check, { timeoutMs: 90_000, intervalMs: 100 });

beforeAll(async () => {
  postgres = await startPostgres();
  setup = await startWorkerFront({ store: { kind: "postgres", url: postgres.url }, shard, resourceClass: uniqueResourceClass("crashpg"), nodeCount: 2 });
  const network = await setup.front.network.networks.create(setup.admin, { name: "crash-pg" });
  scope = { store: setup.store, ironic: setup.ironic, shard, nodes: setup.nodes, networkId: network.id, volumeIds: [] };
}, 240_000);

afterAll(async () => {
  await stopAll();
  await setup.close();
  await postgres.stop();
});

/** Stops every child (resumed first: a stopped process would not see SIGTERM). */
async function stopAll(): Promise<void> {
  for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill("SIGCONT");
  await Promise.all(children.splice(0).map((c) => c.stop()));
}

async function worker(workerId: string, crashAt?: ChildConfig["crashAt"]): Promise<ComputeChild> {
  const config: ChildConfig = { ironicUrl: sharedIronicUrl(), store: { kind: "postgres", url: postgres.url }, workerId, shard, reconcileIntervalMs: 1_000, ...(crashAt === undefined ? {} : { crashAt }) };
  const child = await startChild(config, join(dir, `${workerId}.log`));
  children.push(child);
  return child;
}

/**
 * Starts A and B with B paused, creates a server, and waits until A leased its
 * task and the server is spawning: from then on A holds the task alone.
 */
async function createHeldBy(name: string, crashAt?: ChildConfig["crashAt"]) {
  const a = await worker(`${name}-a`, crashAt);
  const b = await worker(`${name}-b`);
  b.process.kill("SIGSTOP");
  const server = await setup.front.servers.create(setup.admin, { name, flavorRef: setup.flavorId, imageRef: setup.imageId, networks: "none" });
  const task = await until("A leases the create", async () => {
    const t = await setup.store.tasks.activeForServer(server.id);
    return t?.leaseOwner === `${name}-a` ? t : undefined;
  });
  return { a, b, serverId: server.id, taskId: task.id };
}

/** Waits until the server's task ended, ACTIVE or ERROR with a fault (the invariants, checked after, allow both). */
async function converged(serverId: string): Promise<void> {
  const server = await until("the server to converge", async () => {
    const s = await setup.store.servers.get(serverId);
    const active = await setup.store.tasks.activeForServer(serverId);
    return s !== undefined && s.taskState === null && active === undefined ? s : undefined;
  });
  expect(["active", "error"]).toContain(server.vmState);
  if (server.vmState === "error") expect(server.fault?.message ?? "").not.toBe("");
}

describe("crash soak on PostgreSQL: two workers, one task", () => {
  it("(a) the worker holding the create is SIGKILLed; the other takes it over and converges", async () => {
    const begun = Date.now();
    const { a, b, serverId, taskId } = await createHeldBy("pg-kill", { operation: "spawn", step: "deploy", nth: 1 });
    b.process.kill("SIGCONT");
    const exit = await a.exited;
    expect(exit.signal).toBe("SIGKILL");
    await converged(serverId);
    expectations.set(serverId, "active");
    const task = await setup.store.tasks.get(taskId);
    expect(task?.status).toBe("done");
    expect(task?.attempts).toBeGreaterThanOrEqual(2); // A's attempt, then B's
    expect(await violations(scope, expectations)).toEqual([]);
    await stopAll(); // B would otherwise take (b)'s create
    process.stdout.write(`crash-pg (a): SIGKILL at spawn:deploy, converged in ${Date.now() - begun} ms\n`);
  }, 180_000);

  it("(b) the worker holding the create is paused past its lease; the other finishes; the resumed one is fenced", async () => {
    const begun = Date.now();
    const { a, b, serverId, taskId } = await createHeldBy("pg-pause");
    await until("spawning", async () => ((await setup.store.servers.get(serverId))?.taskState === "spawning" ? true : undefined));
    a.process.kill("SIGSTOP");
    try {
      b.process.kill("SIGCONT");
      await converged(serverId);
      expectations.set(serverId, "active");
      const task = await setup.store.tasks.get(taskId);
      expect(task?.status).toBe("done");
      expect(task?.attempts).toBeGreaterThanOrEqual(2);
    } finally {
      a.process.kill("SIGCONT");
    }
    const server = await setup.store.servers.get(serverId);
    const task = await setup.store.tasks.get(taskId);
    const nodeUuid = server?.nodeUuid ?? "";
    const nodeState = async () => {
      const n = await setup.ironic.nodes.getFull(nodeUuid);
      return { provision: n.provision_state, provisionedAt: n.provision_updated_at, instance: n.instance_uuid, instanceInfo: n.instance_info };
    };
    const node = await nodeState();
    // A runs again once it heartbeats again; waiting for a heartbeat a full
    // lease after its resumption gives its stalled task every chance to write,
    // which its fence must refuse.
    const resumedAt = Date.now();
    await until("A heartbeats a lease after resuming", async () => {
      const live = await setup.store.workers.live(new Date(resumedAt + TASK_LEASE_MS).toISOString());
      return live.some((w) => w.id === "pg-pause-a") ? true : undefined;
    });
    expect(a.process.exitCode).toBeNull();
    expect(await setup.store.servers.get(serverId)).toEqual(server);
    expect(await setup.store.tasks.get(taskId)).toEqual(task);
    expect(await nodeState()).toEqual(node);
    expect(await violations(scope, expectations)).toEqual([]);
    await stopAll();
    process.stdout.write(`crash-pg (b): paused past the lease, taken over, resumed and fenced in ${Date.now() - begun} ms\n`);
  }, 180_000);
});
