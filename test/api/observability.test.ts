// Issue 17 against the real Ironic: after one lifecycle (create, delete, a
// reconcile pass, a 401 and a 429) the prom-client series carry the right
// labels (path patterns, never ids); the service's spans, sent to an in-process
// OTLP/HTTP collector, make one connected trace from the create request through
// its durable task and steps to every Ironic call; and every series the Grafana
// dashboard (docs/grafana-dashboard.json) uses is in /metrics.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { captureLog } from "../support/log-capture.js";
import { startOtlpCollector, type CollectedSpan, type OtlpCollector } from "../support/otlp-collector.js";
import { parsePrometheusText, sampleValue, samplesOf, type PromFamily } from "../support/prom-text.js";
import { waitUntil } from "../support/wait.js";

const log = captureLog("warn");
let collector: OtlpCollector;
let api: TestApi;
let createRequestId = "";
let deleteRequestId = "";
let nodesRequestId = "";
let families: Map<string, PromFamily>;
/** ironic_compute_deploys_in_flight + _queued scraped while the create was being deployed. */
let deploysDuringCreate = -1;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
/** An Ironic path pattern: fixed words and {placeholders} only. */
const IRONIC_ROUTE = /^\/$|^(\/([a-z0-9_]+|\{[a-z_]+\}))+$/;

function total(name: string, labels: Record<string, string> = {}): number {
  return samplesOf(families, name)
    .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

beforeAll(async () => {
  collector = await startOtlpCollector();
  api = await startTestApi("observability", { nodes: 1, log: log.logger, tracing: { otlpEndpoint: collector.url, serviceName: "ironic-compute-test" } });

  const created = await api.call("POST", "/v2.1/servers", {
    as: "member",
    body: { server: { name: "obs-1", imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } },
  });
  expect(created.status, created.text).toBe(202);
  createRequestId = String(created.headers["x-openstack-request-id"]);
  const id = (created.json["server"] as { id: string }).id;
  // A deploy on fake hardware takes seconds: the create is queued or in flight now.
  const during = parsePrometheusText((await api.call("GET", "/metrics")).text);
  deploysDuringCreate = (sampleValue(during, "ironic_compute_deploys_in_flight") ?? 0) + (sampleValue(during, "ironic_compute_deploys_queued") ?? 0);
  await api.waitForStatus(id, "ACTIVE", "member");
  const deleted = await api.call("DELETE", `/v2.1/servers/${id}`, { as: "member" });
  expect(deleted.status).toBe(204);
  deleteRequestId = String(deleted.headers["x-openstack-request-id"]);
  await waitUntil("the server to be gone", async () => ((await api.call("GET", `/v2.1/servers/${id}`, { as: "member" })).status === 404 ? true : undefined), {
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  await api.running.compute.reconcile();
  // Read through the node cache (maxAgeMs 0 here): Ironic calls inside an API request.
  const nodes = await api.call("GET", "/admin/v1/nodes");
  expect(nodes.status, nodes.text).toBe(200);
  nodesRequestId = String(nodes.headers["x-openstack-request-id"]);
  // A 401 (no credentials), then wrong passwords until the login guard answers 429.
  expect((await api.call("GET", "/v2.1/servers", { as: "anonymous" })).status).toBe(401);
  // A new wrong password each time: a repeated pair is answered from the negative cache.
  const wrong = (i: number) => `Basic ${Buffer.from(`member-observability:not-the-password-${i}`).toString("base64")}`;
  let limited = false;
  for (let i = 0; i < 30 && !limited; i += 1) {
    limited = (await api.call("GET", "/v2.1/servers", { as: "anonymous", headers: { authorization: wrong(i) } })).status === 429;
  }
  expect(limited).toBe(true);
  const scraped = await api.call("GET", "/metrics");
  expect(scraped.status).toBe(200);
  families = parsePrometheusText(scraped.text);
}, 180_000);

afterAll(async () => {
  await api.stop();
  await collector.close();
});

describe("metrics after a lifecycle against the real Ironic", () => {
  it("Ironic requests by method, path pattern and status, with latencies; no id in a label", () => {
    expect(total("ironic_compute_ironic_requests_total", { method: "PUT", route: "/v1/nodes/{node}/states/provision", status: "202" })).toBeGreaterThanOrEqual(2);
    expect(total("ironic_compute_ironic_requests_total", { method: "PATCH", route: "/v1/nodes/{node}", status: "200" })).toBeGreaterThanOrEqual(1);
    expect(total("ironic_compute_ironic_requests_total", { method: "GET", route: "/v1/nodes/{node}" })).toBeGreaterThanOrEqual(1);
    expect(total("ironic_compute_ironic_request_duration_seconds_count", { method: "PUT", route: "/v1/nodes/{node}/states/provision" })).toBeGreaterThanOrEqual(2);
    const routes = new Set(samplesOf(families, "ironic_compute_ironic_requests_total").map((sample) => sample.labels["route"] ?? ""));
    for (const route of routes) expect(route, route).toMatch(IRONIC_ROUTE);
    for (const family of families.values()) {
      for (const sample of family.samples) {
        for (const value of Object.values(sample.labels)) expect(value, `${sample.name} ${JSON.stringify(sample.labels)}`).not.toMatch(UUID);
      }
    }
  });

  it("tasks by kind and outcome, lease losses, deploys in flight and queued", () => {
    expect(total("ironic_compute_task_duration_seconds_count", { kind: "create", outcome: "done" })).toBe(1);
    expect(total("ironic_compute_task_duration_seconds_count", { kind: "delete", outcome: "done" })).toBe(1);
    expect(sampleValue(families, "ironic_compute_task_duration_seconds_sum", { kind: "create", outcome: "done" })).toBeGreaterThan(0);
    expect(sampleValue(families, "ironic_compute_task_lease_losses_total", { kind: "create" })).toBe(0);
    expect(deploysDuringCreate).toBe(1);
    expect(sampleValue(families, "ironic_compute_deploys_in_flight")).toBe(0);
    expect(sampleValue(families, "ironic_compute_deploys_queued")).toBe(0);
  });

  it("the reconcile pass, auth failures and rate-limited requests, the API requests", () => {
    expect(total("ironic_compute_reconcile_pass_duration_seconds_count", { outcome: "ok" })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(families, "ironic_compute_reconcile_skipped_ticks_total")).toBe(0);
    expect(total("ironic_compute_auth_failures_total", { route: "/v2.1/servers" })).toBeGreaterThanOrEqual(2);
    expect(total("ironic_compute_rate_limited_requests_total", { route: "/v2.1/servers" })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(families, "ironic_compute_http_requests_total", { method: "POST", route: "/v2.1/servers", status: "202" })).toBe(1);
    expect(sampleValue(families, "ironic_compute_http_requests_total", { method: "DELETE", route: "/v2.1/servers/:id", status: "204" })).toBe(1);
  });

  it("prom-client's default Node metrics are there", () => {
    for (const name of ["nodejs_eventloop_lag_p99_seconds", "nodejs_heap_size_used_bytes", "nodejs_active_handles_total", "process_cpu_seconds_total", "process_resident_memory_bytes"]) {
      expect(samplesOf(families, name).length, name).toBeGreaterThan(0);
    }
    expect(families.get("nodejs_gc_duration_seconds")?.type).toBe("histogram");
  });
});

describe("one create yields one connected trace", () => {
  const byId = (spans: readonly CollectedSpan[]) => new Map(spans.map((span) => [span.spanId, span]));
  const ancestors = (span: CollectedSpan, index: Map<string, CollectedSpan>): CollectedSpan[] => {
    const chain: CollectedSpan[] = [];
    let parent = span.parentSpanId === undefined ? undefined : index.get(span.parentSpanId);
    while (parent !== undefined && chain.length < 50) {
      chain.push(parent);
      parent = parent.parentSpanId === undefined ? undefined : index.get(parent.parentSpanId);
    }
    return chain;
  };

  it("API span → task span → step spans → Ironic call spans, in the trace named by the request id", async () => {
    const traceId = createRequestId.replace(/^req-/, "").replace(/-/g, "");
    const trace = await waitUntil(
      "the create's spans to reach the collector",
      () => {
        const spans = collector.spans.filter((span) => span.traceId === traceId);
        return spans.some((span) => span.name === "task create") && spans.some((span) => span.name === "step driver_spawn") ? Promise.resolve(spans) : Promise.resolve(undefined);
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(collector.rejected).toEqual([]);
    const index = byId(trace);
    const apiSpan = trace.find((span) => span.name === "POST /v2.1/servers");
    expect(apiSpan, JSON.stringify(trace.map((span) => span.name))).toBeDefined();
    expect(apiSpan?.parentSpanId).toBeUndefined();
    expect(apiSpan?.attributes).toMatchObject({ "openstack.request_id": createRequestId, "http.route": "/v2.1/servers", "http.response.status_code": 202 });
    expect(apiSpan?.service).toBe("ironic-compute-test");

    const task = trace.find((span) => span.name === "task create");
    expect(task?.parentSpanId).toBe(apiSpan?.spanId);
    expect(task?.attributes).toMatchObject({ "ironic_compute.task.kind": "create", "ironic_compute.task.outcome": "done", "openstack.request_id": createRequestId });

    for (const step of ["step schedule_and_claim", "step driver_spawn"]) {
      expect(trace.find((span) => span.name === step)?.parentSpanId, step).toBe(task?.spanId);
    }
    const ironicSpans = trace.filter((span) => span.name.startsWith("ironic "));
    expect(ironicSpans.length).toBeGreaterThan(3);
    for (const span of ironicSpans) {
      expect(ancestors(span, index).map((parent) => parent.spanId), span.name).toContain(task?.spanId);
      expect(span.name).toMatch(/^ironic (GET|POST|PUT|PATCH|DELETE) \//);
      expect(String(span.attributes["url.template"])).toMatch(IRONIC_ROUTE);
    }
    const deploy = ironicSpans.find((span) => span.name === "ironic PUT /v1/nodes/{node}/states/provision");
    expect(deploy, JSON.stringify(ironicSpans.map((span) => span.name))).toBeDefined();
    if (deploy !== undefined) expect(ancestors(deploy, index).map((parent) => parent.name)).toContain("step driver_spawn");
  });

  it("the delete's task span is a child of the delete request's span", async () => {
    const traceId = deleteRequestId.replace(/^req-/, "").replace(/-/g, "");
    const trace = await waitUntil(
      "the delete's spans to reach the collector",
      () => {
        const spans = collector.spans.filter((span) => span.traceId === traceId);
        return Promise.resolve(spans.some((span) => span.name === "task delete") ? spans : undefined);
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const apiSpan = trace.find((span) => span.name === "DELETE /v2.1/servers/:id");
    expect(trace.find((span) => span.name === "task delete")?.parentSpanId).toBe(apiSpan?.spanId);
    expect(trace.some((span) => span.name === "step driver_destroy")).toBe(true);
  });
});

describe("spans of Ironic calls made inside an API request", () => {
  it("are children of the request's span", async () => {
    const traceId = nodesRequestId.replace(/^req-/, "").replace(/-/g, "");
    const trace = await waitUntil(
      "the node listing's spans",
      () => {
        const spans = collector.spans.filter((span) => span.traceId === traceId);
        return Promise.resolve(spans.some((span) => span.name.startsWith("ironic ")) ? spans : undefined);
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const apiSpan = trace.find((span) => span.name === "GET /admin/v1/nodes");
    expect(apiSpan).toBeDefined();
    for (const span of trace.filter((item) => item.name.startsWith("ironic "))) expect(span.parentSpanId, span.name).toBe(apiSpan?.spanId);
  });
});

describe("the Grafana dashboard (docs/grafana-dashboard.json)", () => {
  const dashboardSchema = z.object({
    __inputs: z.array(z.object({ name: z.literal("DS_PROMETHEUS"), type: z.literal("datasource"), pluginId: z.literal("prometheus") })).length(1),
    title: z.string(),
    uid: z.string(),
    panels: z.array(
      z.object({
        id: z.number(),
        type: z.string(),
        title: z.string(),
        targets: z.array(z.object({ refId: z.string(), expr: z.string() })).optional(),
      }),
    ),
  });
  const dashboard = dashboardSchema.parse(JSON.parse(readFileSync(new URL("../../docs/grafana-dashboard.json", import.meta.url), "utf8")));
  const expressions = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
  /** Series only a rare event creates (nothing in a clean lifecycle retries): declared, without samples. */
  const ONLY_DECLARED = new Set(["ironic_compute_ironic_retries_total"]);

  it("is importable: one Prometheus input, unique panel ids, a query in every panel that is not a row", () => {
    expect(new Set(dashboard.panels.map((panel) => panel.id)).size).toBe(dashboard.panels.length);
    for (const panel of dashboard.panels.filter((item) => item.type !== "row")) expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    expect(expressions.length).toBeGreaterThan(15);
  });

  it("every series a panel uses is in the service's /metrics, with the labels it groups by", () => {
    const used = new Set<string>();
    for (const expr of expressions) {
      const names = [...expr.matchAll(/\b(?:ironic_compute|nodejs|process)_[a-z0-9_]+\b/g)].map((match) => match[0]);
      expect(names.length, expr).toBeGreaterThan(0);
      const grouped = [...expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((match) => (match[1] ?? "").split(",").map((label) => label.trim()));
      for (const name of names) {
        used.add(name);
        const samples = samplesOf(families, name);
        if (ONLY_DECLARED.has(name)) {
          expect(families.get(name)?.type, name).toBe("counter");
          continue;
        }
        expect(samples.length, `${name} (in ${expr})`).toBeGreaterThan(0);
        for (const label of grouped) {
          expect(samples.some((sample) => label in sample.labels), `${name} has no label ${label} (in ${expr})`).toBe(true);
        }
      }
    }
    // The panels cover each family this service defines itself.
    const ours = [...families.keys()].filter((name) => name.startsWith("ironic_compute_"));
    for (const name of ours) {
      expect([...used].some((series) => series === name || series.startsWith(`${name}_`)), `no panel shows ${name}`).toBe(true);
    }
  });
});
