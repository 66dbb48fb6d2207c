// Child process of bench/memory.ts (run with --expose-gc): builds the compute
// service (SQLite in a temp dir) over the Ironic at argv[2], refreshes its node
// cache, and prints its memory after a forced GC at each stage, as one JSON line
// prefixed with "RESULT ". Modules are imported dynamically so the first stage
// is the bare process. memory-answer.ts compiles it (and the service) and runs
// it under plain node, as the installed package runs.

import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
// Types only: a runtime import here would already count in the "bare process" stage.
import type { MemoryAnswer, Stage } from "./lib/memory-answer.js";

const stages: Stage[] = [];
const SERVERS = 1_000;

async function measure(stage: string): Promise<void> {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error("run with --expose-gc");
  // Several passes with a turn of the event loop between them, so finalizers and
  // weak references settle.
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const usage = process.memoryUsage();
  stages.push({
    stage,
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
  });
}

async function main(): Promise<void> {
  const url = process.argv[2];
  if (url === undefined) throw new Error("usage: memory-child.ts IRONIC_URL");
  await measure("bare process (node)");

  const { createComputeService } = await import("../src/compute/service.js");
  const { candidates } = await import("../src/compute/scheduler.js");
  const { IronicClient } = await import("../src/ironic/client.js");
  const { ironicClientOptions } = await import("../src/ironic/config.js");
  const { silentLogger } = await import("../src/log/logger.js");
  const { openStore } = await import("../src/store/open.js");
  const { FLAVORS } = await import("./lib/fleet.js");
  await measure("modules imported");

  const dir = await mkdtemp(join(tmpdir(), "ironic-compute-bench-memory-"));
  try {
    const store = await openStore({ kind: "sqlite", path: join(dir, "compute.sqlite") });
    const ironic = new IronicClient(ironicClientOptions({ url }), silentLogger);
    const service = await createComputeService({
      store,
      ironic,
      driver: { cache: { maxAgeMs: 3_600_000 } },
      compute: { workerId: "bench-memory" },
      log: silentLogger,
    });
    await service.bootstrapAdmin({ project: "admin", user: "admin", password: "admin-password-1" });
    await service.start();
    await measure("service started (empty cache)");

    await service.driver.cache.refresh();
    const nodes = await service.driver.cache.all();
    await measure(`cache refreshed (${nodes.length} nodes)`);

    // What the first scheduling decision adds: one inventory per node (WeakMap).
    let pool = 0;
    for (const flavor of Object.values(FLAVORS)) pool += candidates(nodes, flavor, "project-a", silentLogger).length;
    await measure("inventories parsed (after a scheduling pass)");

    // The target's second half: 1,000 servers in the store, listed once (the
    // API's read path), so their rows have been read into memory at least once.
    const adminProject = await store.projects.getByName("admin");
    const adminUser = await store.users.getByName("admin");
    if (adminProject === undefined || adminUser === undefined) throw new Error("no admin after bootstrap");
    const now = new Date().toISOString();
    for (let i = 0; i < SERVERS; i++) {
      await store.servers.create({
        id: randomUUID(), name: `seed-${i}`, hostname: `seed-${i}`, projectId: adminProject.id, userId: adminUser.id, flavorId: "bench", imageId: null,
        keyName: null, nodeUuid: null, vmState: "active", taskState: null, powerState: "running", progress: 100, networks: { kind: "none", vifs: [] },
        blockDevices: [], metadata: { index: String(i) }, userData: null, availabilityZone: "nova", fault: null, launchedAt: now, createdAt: now,
        updatedAt: now, deletedAt: null, description: null, locked: false, lockedBy: null, lockedReason: null, accessIPv4: null, accessIPv6: null,
        diskConfig: "MANUAL", reservationId: `r-${i}`, launchIndex: 0,
      });
    }
    const listed = await store.servers.list({});
    await measure(`${listed.length} servers in the store (listed once)`);

    // What holds the heap (what to shrink): V8's spaces, and on request a heap
    // snapshot of this steady state (BENCH_MEMORY_SNAPSHOT=file.heapsnapshot).
    const { getHeapSpaceStatistics, writeHeapSnapshot } = await import("node:v8");
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, space.space_used_size]));
    const snapshotPath = process.env.BENCH_MEMORY_SNAPSHOT;
    if (snapshotPath !== undefined && snapshotPath !== "") writeHeapSnapshot(snapshotPath);
    const answer: MemoryAnswer = { nodes: nodes.length, candidates: pool, stages, spaces };
    process.stdout.write(`RESULT ${JSON.stringify(answer)}\n`); // RESULT_PREFIX of memory-answer.ts
    await service.stop();
    await store.close();
    await ironic.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
