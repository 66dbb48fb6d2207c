// Issue 17: a task whose lease another worker took is counted as a lease loss
// and timed with outcome lease_lost (prom-client series, real Ironic). The
// lease is taken the way another worker's lease() would leave it: the row's
// owner changes under the running task, so its next renewal is refused.
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServiceMetrics } from "../../src/api/metrics.js";
import { parsePrometheusText, sampleValue } from "../support/prom-text.js";
import { waitUntil } from "../support/wait.js";
import { startTestCompute, type TestCompute } from "./support.js";

const metrics = createServiceMetrics();
let t: TestCompute;

beforeAll(async () => {
  t = await startTestCompute("lease-metrics", 1, undefined, {}, {}, metrics.observer);
}, 120_000);

afterAll(async () => {
  await t.stop();
});

describe("lease losses", () => {
  it("are counted by kind, and the execution is timed as lease_lost", async () => {
    const server = await t.service.servers.create(t.member, { name: "lease-lost", flavorRef: t.flavorId, imageRef: t.imageId, networks: "none" });
    const task = await waitUntil("the create to be running", async () => {
      const active = await t.store.tasks.activeForServer(server.id);
      return active?.status === "running" ? active : undefined;
    }, { timeoutMs: 30_000, intervalMs: 20 });
    const db = new Database(t.storePath, { timeout: 5_000 });
    try {
      db.prepare("UPDATE tasks SET lease_owner = 'another-worker' WHERE id = ?").run(task.id);
    } finally {
      db.close();
    }
    const families = await waitUntil("the loss to be counted", async () => {
      const parsed = parsePrometheusText(await metrics.registry.metrics());
      return (sampleValue(parsed, "ironic_compute_task_lease_losses_total", { kind: "create" }) ?? 0) > 0 ? parsed : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    expect(sampleValue(families, "ironic_compute_task_lease_losses_total", { kind: "create" })).toBe(1);
    expect(sampleValue(families, "ironic_compute_task_lease_losses_total", { kind: "delete" })).toBe(0);
    expect(sampleValue(families, "ironic_compute_task_duration_seconds_count", { kind: "create", outcome: "lease_lost" })).toBe(1);
    expect(sampleValue(families, "ironic_compute_task_duration_seconds_count", { kind: "create", outcome: "done" })).toBeUndefined();
  });
});
