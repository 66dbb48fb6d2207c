// Malformed Ironic answers never crash the service (S7, issue 16 #4): with the
// HAND-MADE fault proxy (harness/fault-proxy.ts) between the whole service and
// the real Ironic, node answers that are not JSON, carry wrong types, lack
// fields, are oversized or are an HTML error page reach the API routes that read
// Ironic. Each answer is a fault in Nova's shape that does not repeat Ironic's
// body, the service keeps answering, and once Ironic behaves again so does it.
// The client-level checks (InvalidResponseError per case) are in
// test/ironic/faults.test.ts › untrustworthy answers (S7).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultAction, type FaultProxy } from "../../harness/fault-proxy.js";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { sharedIronicUrl } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("warn");
let proxy: FaultProxy;
let api: TestApi;
const MARKER = "ironic-said-this-7f3a";

beforeAll(async () => {
  proxy = await startFaultProxy(sharedIronicUrl());
  api = await startTestApi("malformed-ironic", { nodes: 1, log: log.logger, ironicUrl: proxy.url });
}, 120_000);

afterAll(async () => {
  await api.stop();
  await proxy.stop();
});

const rewrite = (body: (upstream: string) => string): FaultAction => ({ kind: "rewrite", rewrite: (r) => ({ status: r.status, body: body(r.body) }) });
const withNodes = (upstream: string, change: (node: Record<string, unknown>) => Record<string, unknown>): string => {
  const parsed = JSON.parse(upstream) as { nodes?: Array<Record<string, unknown>> } & Record<string, unknown>;
  return JSON.stringify(parsed.nodes === undefined ? change(parsed) : { ...parsed, nodes: parsed.nodes.map(change) });
};

const CASES: ReadonlyArray<[string, FaultAction]> = [
  ["not JSON", rewrite(() => `{"nodes": [{"uuid": "${MARKER}`)],
  ["wrong types", rewrite((body) => withNodes(body, (node) => ({ ...node, maintenance: MARKER, provision_state: 7 })))],
  ["a missing field", rewrite((body) => withNodes(body, (node) => ({ uuid: node["uuid"], name: MARKER })))],
  ["JSON of another shape", rewrite(() => JSON.stringify([MARKER, { nodes: null }]))],
  ["an HTML error page with 200", rewrite(() => `<html><body>${MARKER}</body></html>`)],
  ["oversized", { kind: "oversized", bytes: 40 * 1024 * 1024 }],
];

const ROUTES = ["/admin/v1/nodes", "/v2.1/os-hypervisors/detail", "/v2.1/os-hypervisors", "/v2.1/os-availability-zone/detail"];

describe("malformed Ironic answers through the API", () => {
  it.each(CASES)("%s: a fault in Nova's shape without Ironic's text, and the service keeps answering", async (_name, action) => {
    proxy.add({ method: "GET", path: /^\/v1\/nodes(\/detail)?(\?|$)/, action });
    proxy.add({ method: "GET", path: new RegExp(`^/v1/nodes/${api.nodes[0] ?? ""}(\\?|$)`), action });
    let faulted = 0;
    const answers = new Set<string>();
    try {
      for (const path of [...ROUTES, `/admin/v1/nodes/${api.nodes[0] ?? ""}`]) {
        const response = await api.call("GET", path, { headers: { "openstack-api-version": "compute 2.53" } });
        if (response.status === 200) continue; // served from what the service already knew: fine, it did not crash
        faulted += 1;
        answers.add(`${response.status} ${Object.keys(response.json).join()}`);
        expect(response.status, `${path}: ${response.text}`).toBeGreaterThanOrEqual(500);
        const [key, fault] = Object.entries(response.json)[0] ?? [];
        expect(Object.keys(response.json), path).toHaveLength(1);
        expect(key, path).toMatch(/^(computeFault|serviceUnavailable)$/);
        expect((fault as { code?: unknown } | undefined)?.code, path).toBe(response.status);
        expect(typeof (fault as { message?: unknown } | undefined)?.message, path).toBe("string");
        expect(response.text, path).not.toContain(MARKER);
      }
      expect((await api.call("GET", "/healthz", { as: "anonymous" })).status).toBe(200);
      // The bad answer did reach the service (a node cache would hide it): the routes that read nodes failed.
      expect(faulted).toBeGreaterThanOrEqual(ROUTES.length);
      console.log(`${_name}: ${faulted} routes answered ${[...answers].join(", ")}`);
    } finally {
      proxy.clear();
    }
    const healthy = await api.call("GET", "/admin/v1/nodes");
    expect(healthy.status, healthy.text).toBe(200);
    expect(healthy.text).toContain(api.nodes[0] ?? "?");
  }, 60_000);
});
