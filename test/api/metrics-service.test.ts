// GET /metrics on the real service and the run's real Ironic: the gauges follow
// a server from create to ACTIVE to deleted (servers by vm_state, active tasks,
// nodes by provision state and availability), and request counters carry route
// patterns, never the ids of what was created.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { testApiForFile } from "../support/api-service.js";
import { captureLog } from "../support/log-capture.js";
import { parsePrometheusText, sampleValue, samplesOf, type PromFamily } from "../support/prom-text.js";
import { waitUntil } from "../support/wait.js";

const log = captureLog("debug");
const api = testApiForFile("metrics", { nodes: 2, log: log.logger });


async function scrape(): Promise<Map<string, PromFamily>> {
  const result = await api.call("GET", "/metrics");
  expect(result.status, result.text).toBe(200);
  expect(result.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parsePrometheusText(result.text);
}

function total(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number {
  return samplesOf(families, name)
    .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

describe("metrics of the real service", () => {
  let id: string;

  it("needs admin credentials", async () => {
    expect((await api.call("GET", "/metrics", { as: "anonymous" })).status).toBe(401);
    expect((await api.call("GET", "/metrics", { as: "member" })).status).toBe(403);
    expect((await api.call("GET", "/metrics", { as: "reader" })).status).toBe(403);
  });

  it("before any server: no servers, no tasks, both nodes available", async () => {
    const families = await scrape();
    expect(total(families, "ironic_compute_servers")).toBe(0);
    expect(sampleValue(families, "ironic_compute_tasks_active")).toBe(0);
    expect(total(families, "ironic_compute_nodes")).toBe(2);
    expect(total(families, "ironic_compute_nodes", { provision_state: "available", available: "true" })).toBe(2);
    expect(total(families, "ironic_compute_scrape_errors_total")).toBe(0);
  });

  it("a created server shows up, then as active on a node no longer available", async () => {
    const created = await api.call("POST", "/v2.1/servers", {
      as: "member",
      body: { server: { name: "metrics-1", imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } },
    });
    expect(created.status, created.text).toBe(202);
    id = (created.json["server"] as { id: string }).id;
    const early = await scrape();
    expect(total(early, "ironic_compute_servers")).toBe(1);

    await api.waitForStatus(id, "ACTIVE", "member");
    const families = await scrape();
    expect(sampleValue(families, "ironic_compute_servers", { status: "active" })).toBe(1);
    expect(sampleValue(families, "ironic_compute_servers", { status: "building" })).toBe(0);
    expect(sampleValue(families, "ironic_compute_tasks_active")).toBe(0);
    expect(total(families, "ironic_compute_nodes", { provision_state: "active", available: "false" })).toBe(1);
    expect(total(families, "ironic_compute_nodes", { available: "true" })).toBe(1);
  });

  it("counts the requests by route pattern; no label holds an id", async () => {
    const before = await scrape();
    const labels = { method: "GET", route: "/v2.1/servers/:id", status: "200" };
    const count = sampleValue(before, "ironic_compute_http_requests_total", labels) ?? 0;
    expect((await api.call("GET", `/v2.1/servers/${id}`, { as: "member" })).status).toBe(200);
    expect((await api.call("GET", `/v2.1/servers/${id}`, { as: "other" })).status).toBe(404);
    const families = await scrape();
    expect(sampleValue(families, "ironic_compute_http_requests_total", labels)).toBe(count + 1);
    expect(sampleValue(families, "ironic_compute_http_requests_total", { ...labels, status: "404" })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(families, "ironic_compute_http_requests_total", { method: "POST", route: "/v2.1/servers", status: "202" })).toBe(1);
    const ids = [id, api.flavorId, api.imageId, ...api.nodes, ...Object.values(api.users).flatMap((user) => [user.id, user.projectId])];
    for (const family of families.values()) {
      for (const sample of family.samples) {
        for (const value of Object.values(sample.labels)) {
          for (const known of ids) expect(value, `${sample.name} ${JSON.stringify(sample.labels)}`).not.toContain(known);
        }
      }
    }
  });

  it("a deleted server leaves the gauges and frees its node", async () => {
    expect((await api.call("DELETE", `/v2.1/servers/${id}`, { as: "member" })).status).toBe(204);
    await waitUntil(
      "the deleted server to leave the metrics and its node to be available again",
      async () => {
        const families = await scrape();
        const settled =
          total(families, "ironic_compute_servers") === 0 &&
          sampleValue(families, "ironic_compute_tasks_active") === 0 &&
          total(families, "ironic_compute_nodes", { provision_state: "available", available: "true" }) === 2;
        return settled ? families : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  });

  it("a node claimed by another tool is counted as left alone, and stays claimed (issue 8 #1)", async () => {
    const node = api.nodes[0] ?? "";
    const foreign = randomUUID();
    await api.running.compute.driver.client.nodes.update(node, [{ op: "add", path: "/instance_uuid", value: foreign }]);
    try {
      // A server row exists (the deleted one above), so the sweep runs.
      await api.running.compute.reconcile();
      const families = await scrape();
      expect(sampleValue(families, "ironic_compute_reconciler_claims_left_alone", { reason: "unknown_instance" })).toBe(1);
      expect(sampleValue(families, "ironic_compute_reconciler_claims_left_alone", { reason: "unmarked" })).toBe(0);
      expect(sampleValue(families, "ironic_compute_reconciler_skipped_ticks")).toBe(0);
      const seen = await api.running.compute.driver.client.nodes.get(node, ["instance_uuid"]);
      expect(seen.instance_uuid).toBe(foreign);
    } finally {
      await api.running.compute.driver.client.nodes.update(node, [{ op: "remove", path: "/instance_uuid" }]);
    }
  });
});
