// A real compute service on the run's real Ironic and a fresh SQLite store, with
// short timings, plus callers of each role.
import type { ServiceObserver } from "../../src/log/telemetry.js";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { z } from "zod";
import type { Caller } from "../../src/compute/contract.js";
import { createComputeService, type ComputeService } from "../../src/compute/service.js";
import type { computeConfigSchema } from "../../src/compute/config.js";
import { bootstrapAdminCaller } from "../../harness/admin-caller.js";
import { enrolNodes } from "../../src/dev/enrol.js";
import { fakeHardwareFlavor, publicQcow2Image } from "../../src/dev/demo-catalog.js";
import type { IronicClient } from "../../src/ironic/client.js";
import type { Logger } from "../../src/log/logger.js";
import { silentLogger } from "../../src/log/logger.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/store.js";
import type { ServerRecord } from "../../src/store/records.js";
import { INSTANCE_KEY } from "../../src/driver/instance-info.js";
import { FAST_DRIVER_WAITS } from "../driver/support.js";
import { newClient, uniqueResourceClass } from "../support/ironic.js";

/** What `compute` of createComputeService takes (before defaults). */
type ComputeSettings = z.input<typeof computeConfigSchema>;

export const FAST_DRIVER = {
  ...FAST_DRIVER_WAITS,
  softPowerOffTimeoutSeconds: 2,
  cache: { maxAgeMs: 0 },
};

export const FAST_COMPUTE = {
  taskLeaseMs: 3_000,
  heartbeatIntervalMs: 500,
  workerTimeoutMs: 2_000,
  taskPollIntervalMs: 50,
  reconcileIntervalMs: 600_000, // tests call reconcile() themselves
};

export interface TestCompute {
  service: ComputeService;
  store: Store;
  /** The SQLite file behind `store`, to inspect rows at rest. */
  storePath: string;
  ironic: IronicClient;
  resourceClass: string;
  shard: string;
  nodes: string[];
  admin: Caller;
  member: Caller;
  reader: Caller;
  otherMember: Caller;
  flavorId: string;
  imageId: string;
  stop(): Promise<void>;
}

export function sqlitePath(): string {
  return join(mkdtempSync(join(tmpdir(), "ironic-compute-test-")), "compute.sqlite");
}

export async function startTestCompute(
  label: string,
  nodeCount: number,
  log: Logger = silentLogger,
  ironicOverrides: Parameters<typeof newClient>[0] = {},
  computeOverrides: Partial<ComputeSettings> = {},
  observer?: ServiceObserver,
): Promise<TestCompute> {
  const ironic = newClient(ironicOverrides, log);
  const resourceClass = uniqueResourceClass(label);
  // Each test service manages its own shard, so services sharing the run's Ironic
  // never see (or reconcile) each other's nodes.
  const shard = `shard-${randomUUID().slice(0, 8)}`;
  const nodes = await enrolNodes(ironic, { count: nodeCount, resourceClass, shard });
  const storePath = sqlitePath();
  const store = await openStore({ kind: "sqlite", path: storePath });
  const service = await createComputeService({
    store,
    ironic,
    driver: { ...FAST_DRIVER, cache: { maxAgeMs: 60_000, shard } },
    compute: { ...FAST_COMPUTE, workerId: `worker-${label}`, ...computeOverrides },
    log,
    ...(observer === undefined ? {} : { observer }),
  });
  const admin = await bootstrapAdminCaller(service, store);
  const projectA = await service.projects.create(admin, `project-a-${label}`);
  const projectB = await service.projects.create(admin, `project-b-${label}`);
  const mk = async (name: string, projectId: string, role: Caller["role"]): Promise<Caller> => {
    const user = await service.users.create(admin, { name: `${name}-${label}`, password: "password-123", projectId, role });
    return { userId: user.id, userName: user.name, projectId, role, requestId: `req-${randomUUID()}` };
  };
  const flavor = await service.flavors.create(admin, fakeHardwareFlavor({ name: `bm-${label}`, resourceClass, diskGb: 10 }));
  const image = await service.images.create(admin, publicQcow2Image({ name: `demo-${label}`, url: "http://127.0.0.1:1/demo.qcow2" }));
  await service.start();
  return {
    service,
    store,
    storePath,
    ironic,
    resourceClass,
    shard,
    nodes,
    admin,
    member: await mk("member", projectA.id, "member"),
    reader: await mk("reader", projectA.id, "reader"),
    otherMember: await mk("other", projectB.id, "member"),
    flavorId: flavor.id,
    imageId: image.id,
    stop: async () => {
      await service.stop();
      await store.close();
      await ironic.close();
    },
  };
}

/** Polls the server until `done` says so (bounded). */
export async function waitForServer(
  t: Pick<TestCompute, "service">,
  caller: Caller,
  id: string,
  done: (server: Awaited<ReturnType<ComputeService["servers"]["get"]>>) => boolean,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const server = await t.service.servers.get(caller, id);
    if (done(server)) return server;
    if (Date.now() > deadline) throw new Error(`server ${id} stuck in ${server.vmState}/${server.taskState ?? "-"}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const idle = (state: string) => (server: { vmState: string; taskState: string | null }) =>
  server.taskState === null && server.vmState === state;

/**
 * A server record to plant straight into a store (deleted unless overridden),
 * e.g. as the owner of a leftover claim the reconciler must release.
 */
export function plantedServer(
  owner: { projectId: string; userId: string; flavorId: string; imageId: string },
  overrides: Partial<ServerRecord> = {},
): ServerRecord {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    name: "planted",
    hostname: "planted",
    ...owner,
    keyName: null,
    nodeUuid: null,
    vmState: "deleted",
    taskState: null,
    powerState: "nostate",
    progress: 0,
    networks: { kind: "none", vifs: [] },
    blockDevices: [],
    metadata: {},
    userData: null,
    availabilityZone: "nova",
    fault: null,
    launchedAt: null,
    createdAt: now,
    updatedAt: now,
    deletedAt: now,
    description: null,
    locked: false,
    lockedBy: null,
    lockedReason: null,
    accessIPv4: null,
    accessIPv6: null,
    diskConfig: "MANUAL",
    reservationId: null,
    launchIndex: 0,
    ...overrides,
  };
}

/** Claims `node` for `instance` the way ironic-compute does: with its marker. */
export async function claimAsOurs(ironic: IronicClient, node: string, instance: string): Promise<void> {
  await ironic.nodes.update(node, [
    { op: "add", path: "/instance_uuid", value: instance },
    { op: "add", path: `/instance_info/${INSTANCE_KEY}`, value: instance },
  ]);
}
