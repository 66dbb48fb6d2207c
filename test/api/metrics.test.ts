// The Prometheus registry and GET /metrics without Ironic (a fake ComputeApi):
// the text format (checked by a strict parser), escaping, access, counters that
// move with requests, route patterns (never ids) as labels, and scrape-time
// sources that fail or hang without breaking the scrape.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createApiMetrics } from "../../src/api/metrics-routes.js";
import { Counter, Histogram, Registry } from "prom-client";
import { createServiceMetrics, PROMETHEUS_CONTENT_TYPE } from "../../src/api/metrics.js";
import { buildApi } from "../../src/api/server.js";
import { loadServiceConfig } from "../../src/cli/config.js";
import { captureLog } from "../support/log-capture.js";
import { basicHeader, fakeCompute, fakeServer } from "../support/fake-compute.js";
import { parsePrometheusText, sampleValue, samplesOf } from "../support/prom-text.js";
import { checkNovaAnswers, failOnNovaViolations } from "../support/nova-schemas/fastify-hook.js";

// Apps are built inside tests: fail each test that received an answer outside Nova's schema.
failOnNovaViolations();

const log = captureLog("warn");
const root = { authorization: basicHeader("root") };

describe("prom-client's exposition, read by the strict test parser", () => {
  it("escapes label values and help texts as the format requires", async () => {
    const registry = new Registry();
    const counter = new Counter({ name: "demo_total", help: 'A help with a \\ backslash\nand a "quote"', labelNames: ["path"], registers: [registry] });
    const tricky = 'C:\\dir "quoted"\nnext line';
    counter.inc({ path: tricky });
    counter.inc({ path: tricky }, 2);
    counter.inc({ path: "plain" });
    const text = await registry.metrics();
    expect(text).toContain('demo_total{path="C:\\\\dir \\"quoted\\"\\nnext line"} 3\n');
    const parsed = parsePrometheusText(text);
    expect(parsed.get("demo_total")?.help).toBe('A help with a \\ backslash\nand a "quote"');
    expect(sampleValue(parsed, "demo_total", { path: tricky })).toBe(3);
    expect(sampleValue(parsed, "demo_total", { path: "plain" })).toBe(1);
  });

  it("histograms have cumulative buckets, +Inf, _sum and _count", async () => {
    const registry = new Registry();
    const histogram = new Histogram({ name: "demo_seconds", help: "Durations.", labelNames: ["route"], buckets: [0.1, 1, 10], registers: [registry] });
    for (const value of [0.05, 0.1, 0.5, 2, 50]) histogram.observe({ route: "/x" }, value);
    const parsed = parsePrometheusText(await registry.metrics());
    expect(sampleValue(parsed, "demo_seconds_bucket", { route: "/x", le: "0.1" })).toBe(2);
    expect(sampleValue(parsed, "demo_seconds_bucket", { route: "/x", le: "10" })).toBe(4);
    expect(sampleValue(parsed, "demo_seconds_bucket", { route: "/x", le: "+Inf" })).toBe(5);
    expect(sampleValue(parsed, "demo_seconds_count", { route: "/x" })).toBe(5);
    expect(sampleValue(parsed, "demo_seconds_sum", { route: "/x" })).toBeCloseTo(52.65);
  });

  it("each service has its own registry: two in one process do not collide, and both have the Node metrics", async () => {
    const first = createServiceMetrics();
    const second = createServiceMetrics();
    first.httpRequests.inc({ method: "GET", route: "/x", status: "200" });
    const one = parsePrometheusText(await first.registry.metrics());
    const two = parsePrometheusText(await second.registry.metrics());
    expect(sampleValue(one, "ironic_compute_http_requests_total", { route: "/x" })).toBe(1);
    expect(sampleValue(two, "ironic_compute_http_requests_total", { route: "/x" })).toBeUndefined();
    for (const families of [one, two]) {
      for (const name of ["nodejs_eventloop_lag_seconds", "nodejs_heap_size_used_bytes", "nodejs_active_handles_total", "process_cpu_seconds_total"]) {
        expect(families.get(name), name).toBeDefined();
      }
      expect(families.get("nodejs_gc_duration_seconds")?.type).toBe("histogram");
    }
  });
});

describe("the test parser is strict", () => {
  it.each([
    ["a sample before its TYPE", "x_total 1\n"],
    ["an unknown escape", '# TYPE x counter\nx{a="\\t"} 1\n'],
    ["an unterminated label value", '# TYPE x counter\nx{a="b} 1\n'],
    ["a duplicate series", '# TYPE x counter\nx{a="b"} 1\nx{a="b"} 2\n'],
    ["a family split in two", "# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\nx 2\n"],
    ["a bad value", "# TYPE x gauge\nx one\n"],
    ["no final line feed", "# TYPE x gauge\nx 1"],
    ["buckets that are not cumulative", '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ["no +Inf bucket", '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
  ])("rejects %s", (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});

describe("GET /metrics", () => {
  const serverId = randomUUID();
  const compute = fakeCompute({}, [fakeServer(serverId, "p-one"), { ...fakeServer(randomUUID(), "p-two"), vmState: "building", taskState: "spawning" }]);
  const app = buildApi(compute, { log: log.logger, auth: "basic" });
  checkNovaAnswers(app);
  afterAll(() => app.close());

  const scrape = async () => {
    const response = await app.inject({ method: "GET", url: "/metrics", headers: root });
    expect(response.statusCode).toBe(200);
    return { response, families: parsePrometheusText(response.body) };
  };

  it("needs the admin role by default", async () => {
    expect((await app.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(401);
    expect((await app.inject({ method: "GET", url: "/metrics", headers: { authorization: basicHeader("alice") } })).statusCode).toBe(403);
    const { response } = await scrape();
    expect(response.headers["content-type"]).toBe(PROMETHEUS_CONTENT_TYPE);
    // Not a compute route: no microversion is parsed or echoed.
    const odd = await app.inject({ method: "GET", url: "/metrics", headers: { ...root, "openstack-api-version": "compute 9.9" } });
    expect(odd.statusCode).toBe(200);
    expect(odd.headers["openstack-api-version"]).toBeUndefined();
  });

  it("parses, and carries every metric with HELP and TYPE", async () => {
    const { families } = await scrape();
    expect(families.get("ironic_compute_http_requests_total")).toMatchObject({ type: "counter", help: expect.any(String) as unknown });
    expect(families.get("ironic_compute_http_request_duration_seconds")?.type).toBe("histogram");
    expect(families.get("ironic_compute_servers")?.type).toBe("gauge");
    expect(families.get("ironic_compute_tasks_active")?.type).toBe("gauge");
    expect(families.get("ironic_compute_nodes")?.type).toBe("gauge");
    expect(families.get("ironic_compute_scrape_errors_total")?.type).toBe("counter");
    expect(samplesOf(families, "ironic_compute_build_info")).toEqual([
      { name: "ironic_compute_build_info", labels: { version: expect.stringMatching(/^\d+\.\d+\.\d+/) as unknown }, value: 1 },
    ]);
  });

  it("counts requests by route pattern, method and status, and times them", async () => {
    const before = await scrape();
    const labels = { method: "GET", route: "/v2.1/servers/:id", status: "200" };
    const count = sampleValue(before.families, "ironic_compute_http_requests_total", labels) ?? 0;
    for (let i = 0; i < 3; i += 1) {
      expect((await app.inject({ method: "GET", url: `/v2.1/servers/${serverId}`, headers: root })).statusCode).toBe(200);
    }
    expect((await app.inject({ method: "GET", url: `/v2.1/servers/${serverId}` })).statusCode).toBe(401);
    const after = await scrape();
    expect(sampleValue(after.families, "ironic_compute_http_requests_total", labels)).toBe(count + 3);
    expect(sampleValue(after.families, "ironic_compute_http_requests_total", { ...labels, status: "401" })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after.families, "ironic_compute_http_request_duration_seconds_count", { method: "GET", route: "/v2.1/servers/:id" })).toBeGreaterThanOrEqual(count + 4);
    // The scrape itself is counted (after it answered, so from the next one on).
    expect(sampleValue(after.families, "ironic_compute_http_requests_total", { method: "GET", route: "/metrics", status: "200" })).toBeGreaterThanOrEqual(1);
  });

  it("never puts an id, a name or a query string in a label", async () => {
    const id = randomUUID();
    const secretName = "keypair-name-9f2c";
    await app.inject({ method: "GET", url: `/v2.1/servers/${id}`, headers: root });
    await app.inject({ method: "DELETE", url: `/v2.1/os-keypairs/${secretName}`, headers: root });
    await app.inject({ method: "GET", url: `/v2.1/servers?name=${secretName}&limit=5`, headers: root });
    await app.inject({ method: "GET", url: `/no/such/route/${id}`, headers: root });
    await app.inject({ method: "POST", url: `/v2.1/servers/${id}/action`, headers: { ...root, "content-type": "application/json" }, payload: { "os-stop": null } });
    const { families } = await scrape();
    const values = [...families.values()].flatMap((family) => family.samples.flatMap((sample) => Object.values(sample.labels)));
    for (const value of values) {
      expect(value).not.toContain(id);
      expect(value).not.toContain(secretName);
      expect(value).not.toContain(serverId);
      expect(value).not.toContain("?");
      expect(value).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    }
    const routes = new Set(samplesOf(families, "ironic_compute_http_requests_total").map((sample) => sample.labels["route"]));
    expect(routes).toContain("/v2.1/os-keypairs/:name");
    expect(routes).toContain("/v2.1/servers/:id/action");
    expect(routes).toContain("unmatched");
  });

  it("reflects the compute layer's servers (every project) and tasks", async () => {
    const { families } = await scrape();
    expect(sampleValue(families, "ironic_compute_servers", { status: "active" })).toBe(1);
    expect(sampleValue(families, "ironic_compute_servers", { status: "building" })).toBe(1);
    expect(sampleValue(families, "ironic_compute_servers", { status: "error" })).toBe(0);
    expect(sampleValue(families, "ironic_compute_tasks_active")).toBe(1);
    // A stand-in compute has no driver: no node source, and no error for it.
    expect(samplesOf(families, "ironic_compute_nodes")).toEqual([]);
    expect(samplesOf(families, "ironic_compute_scrape_errors_total").map((sample) => sample.labels)).toEqual([{ source: "servers" }]);
  });
});

describe("scrape-time sources", () => {
  it("a failing source is reported, its gauges left out, and the scrape still answers", async () => {
    const compute = fakeCompute({ servers: { list: () => Promise.reject(new Error("database exploded: password=hunter22")) } });
    const app = buildApi(compute, { log: log.logger, auth: "basic" });
    checkNovaAnswers(app);
    const response = await app.inject({ method: "GET", url: "/metrics", headers: root });
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toContain("hunter22");
    const families = parsePrometheusText(response.body);
    expect(sampleValue(families, "ironic_compute_scrape_errors_total", { source: "servers" })).toBe(1);
    expect(samplesOf(families, "ironic_compute_servers")).toEqual([]);
    expect(samplesOf(families, "ironic_compute_tasks_active")).toEqual([]);
    expect(samplesOf(families, "ironic_compute_build_info")).toHaveLength(1);
    expect(log.records()).toContainEqual(expect.objectContaining({ source: "servers", msg: expect.stringContaining("a metrics source failed") as unknown }));
    const again = parsePrometheusText((await app.inject({ method: "GET", url: "/metrics", headers: root })).body);
    expect(sampleValue(again, "ironic_compute_scrape_errors_total", { source: "servers" })).toBe(2);
    await app.close();
  });

  it("a source that hangs times out; concurrent scrapes share one collection", async () => {
    let calls = 0;
    const compute = fakeCompute({
      servers: {
        list: () => {
          calls += 1;
          return new Promise(() => undefined);
        },
      },
    });
    const metrics = createApiMetrics(compute, { collectTimeoutMs: 50 });
    const started = Date.now();
    const [first, second] = await Promise.all([metrics.scrape(), metrics.scrape()]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(calls).toBe(1);
    expect(first).toBe(second);
    expect(sampleValue(parsePrometheusText(first), "ironic_compute_scrape_errors_total", { source: "servers" })).toBe(1);
  });

  it("a source that recovers reports fresh values again", async () => {
    let fail = true;
    const compute = fakeCompute({
      servers: { list: () => (fail ? Promise.reject(new Error("down")) : Promise.resolve([fakeServer(randomUUID(), "p-one")])) },
    });
    const metrics = createApiMetrics(compute);
    expect(sampleValue(parsePrometheusText(await metrics.scrape()), "ironic_compute_servers", { status: "active" })).toBeUndefined();
    fail = false;
    const families = parsePrometheusText(await metrics.scrape());
    expect(sampleValue(families, "ironic_compute_servers", { status: "active" })).toBe(1);
    expect(sampleValue(families, "ironic_compute_scrape_errors_total", { source: "servers" })).toBe(1);
  });
});

describe("api.metricsPublic", () => {
  it("serves /metrics without credentials on a loopback listener only", async () => {
    const app = buildApi(fakeCompute(), { log: log.logger, auth: "basic", metricsPublic: true });
    checkNovaAnswers(app);
    // Not listening (inject): not a loopback listener, so refused.
    expect((await app.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(403);
    await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const address = app.server.address();
      if (address === null || typeof address === "string") throw new Error("no TCP address");
      const response = await fetch(`http://127.0.0.1:${address.port}/metrics`);
      expect(response.status).toBe(200);
      parsePrometheusText(await response.text());
      // Everything else still needs credentials.
      expect((await fetch(`http://127.0.0.1:${address.port}/v2.1/servers`)).status).toBe(401);
      const openapi = (await (await fetch(`http://127.0.0.1:${address.port}/openapi.json`)).json()) as {
        paths: Record<string, { get?: { "x-required-role"?: string } }>;
      };
      expect(openapi.paths["/metrics"]?.get?.["x-required-role"]).toBe("public");
    } finally {
      await app.close();
    }
  });

  it("the configuration refuses it off loopback", () => {
    const dir = mkdtempSync(join(tmpdir(), "ironic-compute-metrics-config-"));
    const load = (api: string) => {
      const file = join(dir, "config.yaml");
      writeFileSync(file, `ironic: {url: http://ironic:6385}\ndatabase: {kind: sqlite, path: /tmp/x.sqlite}\napi: ${api}\n`);
      return loadServiceConfig({ file, env: {} });
    };
    try {
      expect(load("{host: 0.0.0.0, allowPlaintext: true}").api.metricsPublic).toBe(false);
      expect(load("{host: 127.0.0.1, metricsPublic: true}").api.metricsPublic).toBe(true);
      expect(() => load("{host: 0.0.0.0, allowPlaintext: true, metricsPublic: true}")).toThrow(/api\.metricsPublic: unauthenticated metrics are only allowed on a loopback address/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
