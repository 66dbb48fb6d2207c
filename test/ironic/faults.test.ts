// What the client does when Ironic (or the network) misbehaves. The faults come
// from the fault proxy — a HAND-MADE FAKE in front of the real Ironic, used only
// for answers a real Ironic cannot give on demand: resets, 503s, lock storms,
// malformed or oversized bodies, slow answers, states from a newer release.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { enrolNodes } from "../../src/dev/enrol.js";
import { nodeLockedBody, startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { createServiceMetrics } from "../../src/api/metrics.js";
import { IronicClient } from "../../src/ironic/client.js";
import { ironicClientOptions } from "../../src/ironic/config.js";
import { parsePrometheusText, sampleValue } from "../support/prom-text.js";
import {
  IronicBadRequestError,
  InvalidResponseError,
  NodeAssociatedError,
  NodeLockedError,
  IronicNotFoundError,
  OutcomeUnknownError,
  TimeoutError,
  UnavailableError,
  VersionUnavailableError,
} from "../../src/ironic/errors.js";
import { captureLog } from "../support/log-capture.js";
import { newClient, sharedIronicUrl, uniqueResourceClass } from "../support/ironic.js";
import { waitUntil } from "../support/wait.js";

let proxy: FaultProxy;
let direct: IronicClient;
let node = "";
const resourceClass = uniqueResourceClass("faults");
const fastRetry = { attempts: 5, baseDelayMs: 10, maxDelayMs: 50 };

const nodePath = () => `/v1/nodes/${node}`;
const viaProxy = (overrides: Parameters<typeof newClient>[0] = {}, logger?: Parameters<typeof newClient>[1]) =>
  newClient({ url: proxy.url, retry: fastRetry, ...overrides }, logger);
const hits = (path: string) => proxy.requests.filter((r) => r.path.split("?")[0] === path).length;

beforeAll(async () => {
  direct = newClient();
  [node = ""] = await enrolNodes(direct, { count: 1, resourceClass });
  proxy = await startFaultProxy(sharedIronicUrl());
});

afterEach(() => {
  proxy.clear();
  proxy.requests.length = 0;
});

afterAll(async () => {
  await proxy.stop();
  await direct.close();
});

describe("retried faults", () => {
  it("retries after a connection reset and then succeeds", async () => {
    const client = viaProxy();
    await client.connect();
    proxy.add({ method: "GET", path: nodePath(), times: 2, action: { kind: "reset" } });
    const got = await client.nodes.get(node, ["provision_state"]);
    expect(got.provision_state).toBe("available");
    expect(hits(nodePath())).toBe(3);
    await client.close();
  });

  it("retries 503 then succeeds, logging a warning per retry", async () => {
    const log = captureLog("warn");
    const client = viaProxy({}, log.logger);
    await client.connect();
    proxy.add({ method: "GET", path: nodePath(), times: 3, action: { kind: "status", status: 503, body: "busy" } });
    await client.nodes.get(node, ["uuid"]);
    expect(hits(nodePath())).toBe(4);
    expect(log.records().filter((r) => r["msg"] === "Ironic request will be retried")).toHaveLength(3);
    await client.close();
  });

  it("rides out a 409 'node locked' storm on an update", async () => {
    const client = viaProxy();
    await client.connect();
    proxy.add({ method: "PATCH", path: nodePath(), times: 4, action: { kind: "status", status: 409, body: nodeLockedBody(node) } });
    const updated = await client.nodes.update(node, [{ op: "add", path: "/extra/storm", value: "over" }]);
    expect(updated.extra).toMatchObject({ storm: "over" });
    expect(hits(nodePath())).toBe(5);
    await client.close();
  });

  it("counts every attempt and every retry by path pattern and status in the metrics (issue 17)", async () => {
    const metrics = createServiceMetrics();
    const client = new IronicClient(ironicClientOptions({ url: proxy.url, retry: fastRetry }), undefined, metrics.observer);
    await client.connect();
    proxy.add({ method: "PATCH", path: nodePath(), times: 4, action: { kind: "status", status: 409, body: nodeLockedBody(node) } });
    await client.nodes.update(node, [{ op: "add", path: "/extra/counted", value: "yes" }]);
    const families = parsePrometheusText(await metrics.registry.metrics());
    const route = "/v1/nodes/{node}";
    expect(sampleValue(families, "ironic_compute_ironic_retries_total", { method: "PATCH", route, reason: "node-locked" })).toBe(4);
    expect(sampleValue(families, "ironic_compute_ironic_requests_total", { method: "PATCH", route, status: "409" })).toBe(4);
    expect(sampleValue(families, "ironic_compute_ironic_requests_total", { method: "PATCH", route, status: "200" })).toBe(1);
    expect(sampleValue(families, "ironic_compute_ironic_request_duration_seconds_count", { method: "PATCH", route })).toBe(5);
    expect(sampleValue(families, "ironic_compute_ironic_requests_total", { method: "GET", route: "/", status: "200" })).toBe(1);
    await client.close();
  });

  it("gives up after the configured attempts with NodeLockedError", async () => {
    const client = viaProxy();
    await client.connect();
    proxy.add({ method: "PATCH", path: nodePath(), action: { kind: "status", status: 409, body: nodeLockedBody(node) } });
    await expect(client.nodes.update(node, [{ op: "add", path: "/extra/x", value: 1 }])).rejects.toBeInstanceOf(
      NodeLockedError,
    );
    expect(hits(nodePath())).toBe(fastRetry.attempts);
    await client.close();
  });

  it("reports UnavailableError when Ironic stays down past the attempts", async () => {
    const client = viaProxy();
    await client.connect();
    proxy.add({ method: "GET", path: nodePath(), action: { kind: "reset" } });
    await expect(client.nodes.get(node, ["uuid"])).rejects.toBeInstanceOf(UnavailableError);
    expect(hits(nodePath())).toBe(fastRetry.attempts);
    await client.close();
  });
});

describe("never retried", () => {
  it("does not retry the claim: one 409 'locked' comes straight back", async () => {
    const client = viaProxy();
    await client.connect();
    proxy.add({ method: "PATCH", path: nodePath(), action: { kind: "status", status: 409, body: nodeLockedBody(node) } });
    await expect(
      client.nodes.update(node, [{ op: "add", path: "/instance_uuid", value: "x" }], { retry: "none" }),
    ).rejects.toBeInstanceOf(NodeLockedError);
    expect(hits(nodePath())).toBe(1);
    await client.close();
  });

  it("does not retry a lost claim (409 associated), a 400 or a 404", async () => {
    const client = viaProxy();
    await client.connect();
    const associated = JSON.stringify({ error_message: JSON.stringify({ faultstring: `Node ${node} is associated with instance abc.` }) });
    proxy.add({ method: "PATCH", path: nodePath(), times: 1, action: { kind: "status", status: 409, body: associated } });
    await expect(client.nodes.update(node, [{ op: "add", path: "/extra/y", value: 1 }])).rejects.toBeInstanceOf(
      NodeAssociatedError,
    );
    proxy.add({ method: "GET", path: nodePath(), times: 1, action: { kind: "status", status: 400, body: "{}" } });
    await expect(client.nodes.get(node, ["uuid"])).rejects.toBeInstanceOf(IronicBadRequestError);
    proxy.add({ method: "GET", path: nodePath(), times: 1, action: { kind: "status", status: 404, body: "{}" } });
    await expect(client.nodes.get(node, ["uuid"])).rejects.toBeInstanceOf(IronicNotFoundError);
    expect(hits(nodePath())).toBe(3);
    await client.close();
  });
});

describe("non-idempotent requests after an ambiguous failure (issue 8 #5)", () => {
  const provisionPath = () => `${nodePath()}/states/provision`;

  it("does not resend a provision-state PUT whose answer was lost after Ironic acted", async () => {
    const client = viaProxy();
    await client.connect();
    proxy.add({ method: "PUT", path: provisionPath(), times: 1, action: { kind: "forward-then-reset" } });
    const error = await client.nodes.setProvisionState(node, { target: "manage" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(hits(provisionPath())).toBe(1);
    // Ironic did act: the node is manageable, which is what a caller must re-read.
    const seen = await direct.nodes.get(node, ["provision_state"]);
    expect(seen.provision_state).toBe("manageable");
    await direct.nodes.setProvisionState(node, { target: "provide" });
    await waitForState(node, "available");
    await client.close();
  });

  it("does not resend a PATCH reset before its answer, nor treat a 502/504 from a gateway as a refusal", async () => {
    const client = viaProxy();
    await client.connect();
    proxy.add({ method: "PATCH", path: nodePath(), times: 1, action: { kind: "reset" } });
    await expect(client.nodes.update(node, [{ op: "add", path: "/extra/once", value: 1 }])).rejects.toBeInstanceOf(
      OutcomeUnknownError,
    );
    proxy.add({ method: "PATCH", path: nodePath(), times: 1, action: { kind: "status", status: 504, body: "{}" } });
    await expect(client.nodes.update(node, [{ op: "add", path: "/extra/once", value: 2 }])).rejects.toBeInstanceOf(
      OutcomeUnknownError,
    );
    expect(hits(nodePath())).toBe(2);
    await client.close();
  });

  it("still retries a non-idempotent request Ironic refused (409 locked, 503)", async () => {
    const client = viaProxy();
    await client.connect();
    proxy.add({ method: "PATCH", path: nodePath(), times: 1, action: { kind: "status", status: 409, body: nodeLockedBody(node) } });
    proxy.add({ method: "PATCH", path: nodePath(), times: 1, action: { kind: "status", status: 503, body: "busy" } });
    const updated = await client.nodes.update(node, [{ op: "add", path: "/extra/refused", value: "then ok" }]);
    expect(updated.extra).toMatchObject({ refused: "then ok" });
    expect(hits(nodePath())).toBe(3);
    await client.close();
  });

  it("still retries a non-idempotent request that provably never left (connection refused)", async () => {
    const log = captureLog("warn");
    const closed = await startFaultProxy(sharedIronicUrl());
    const client = newClient({ url: closed.url, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 20 } }, log.logger);
    await client.connect();
    await closed.stop(); // nothing listens on its port any more: every connect is refused
    await expect(client.nodes.update(node, [{ op: "add", path: "/extra/z", value: 1 }])).rejects.toBeInstanceOf(
      UnavailableError,
    );
    expect(log.records().filter((r) => r["msg"] === "Ironic request will be retried")).toHaveLength(2);
    await client.close();
  });

  it("keeps retrying an idempotent GET after a reset", async () => {
    const client = viaProxy();
    await client.connect();
    proxy.add({ method: "GET", path: nodePath(), times: 1, action: { kind: "forward-then-reset" } });
    await client.nodes.get(node, ["uuid"]);
    expect(hits(nodePath())).toBe(2);
    await client.close();
  });
});

async function waitForState(uuid: string, state: string): Promise<void> {
  await waitUntil(`node ${uuid} ${state}`, async () => {
    const seen = await direct.nodes.get(uuid, ["provision_state", "target_provision_state"]);
    return seen.provision_state === state && seen.target_provision_state === null ? true : undefined;
  });
}

describe("untrustworthy answers (S7)", () => {
  it("turns malformed JSON into InvalidResponseError", async () => {
    const client = viaProxy();
    await client.connect();
    proxy.add({ method: "GET", path: nodePath(), action: { kind: "rewrite", rewrite: (r) => ({ status: r.status, body: '{"uuid": "' }) } });
    await expect(client.nodes.get(node, ["uuid"])).rejects.toBeInstanceOf(InvalidResponseError);
    await client.close();
  });

  it("turns wrong types into InvalidResponseError naming the field", async () => {
    const client = viaProxy();
    await client.connect();
    proxy.add({
      method: "GET",
      path: nodePath(),
      action: {
        kind: "rewrite",
        rewrite: (r) => ({ status: r.status, body: JSON.stringify({ ...(JSON.parse(r.body) as object), maintenance: "no" }) }),
      },
    });
    const error = await client.nodes.get(node, ["maintenance"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toMatch(/maintenance/);
    await client.close();
  });

  it("treats a missing requested field as invalid, never as undefined", async () => {
    const client = viaProxy();
    await client.connect();
    proxy.add({
      method: "GET",
      path: nodePath(),
      action: { kind: "rewrite", rewrite: (r) => ({ status: r.status, body: JSON.stringify({ uuid: node }) }) },
    });
    await expect(client.nodes.get(node, ["provision_state"])).rejects.toBeInstanceOf(InvalidResponseError);
    await client.close();
  });

  it("refuses an oversized body without buffering it all", async () => {
    const client = viaProxy({ maxResponseBytes: 64 * 1024 });
    await client.connect();
    proxy.add({ method: "GET", path: "/v1/nodes", action: { kind: "oversized", bytes: 5 * 1024 * 1024 } });
    const error = await client.nodes.list(["uuid"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toMatch(/65536-byte limit/);
    await client.close();
  });

  it("times out a slow answer with TimeoutError and does not retry it", async () => {
    const client = viaProxy({ timeoutMs: 300 });
    await client.connect();
    proxy.add({ method: "GET", path: nodePath(), action: { kind: "delay", ms: 2_000 } });
    const started = Date.now();
    await expect(client.nodes.get(node, ["uuid"])).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(1_500);
    // The proxy records a delayed request when its delay ends: wait for that.
    await new Promise((resolve) => setTimeout(resolve, 2_300));
    expect(hits(nodePath())).toBe(1);
    await client.close();
  });

  it("keeps a state from a newer Ironic as 'unknown' with its raw text (S6)", async () => {
    const client = viaProxy();
    await client.connect();
    proxy.add({
      method: "GET",
      path: nodePath(),
      action: {
        kind: "rewrite",
        rewrite: (r) => ({
          status: r.status,
          body: JSON.stringify({ ...(JSON.parse(r.body) as object), provision_state: "teleporting", power_state: "power hum" }),
        }),
      },
    });
    const got = await client.nodes.get(node, ["provision_state", "power_state"]);
    expect(got.provision_state).toBe("unknown");
    expect(got.power_state).toBe("unknown");
    expect(got.unknown_states).toEqual({ provision_state: "teleporting", power_state: "power hum" });
    await client.close();
  });
});

describe("pagination safety", () => {
  it("follows only the marker of a `next` link that points at another host", async () => {
    const client = viaProxy({ pageSize: 1 });
    await client.connect();
    proxy.add({
      method: "GET",
      path: "/v1/nodes",
      times: 1,
      action: {
        kind: "rewrite",
        rewrite: (r) => {
          const page = JSON.parse(r.body) as { nodes: Array<{ uuid: string }>; next?: string };
          const marker = page.nodes[0]?.uuid ?? "";
          return { status: r.status, body: JSON.stringify({ ...page, next: `http://198.51.100.7:6385/v1/nodes?limit=1&marker=${marker}` }) };
        },
      },
    });
    const listed = await client.nodes.list(["uuid"], { resource_class: resourceClass });
    expect(listed.map((n) => n.uuid)).toEqual([node]);
    expect(proxy.requests.filter((r) => r.path.startsWith("/v1/nodes?")).length).toBeGreaterThanOrEqual(2);
    await client.close();
  });

  it("stops a `next` link that loops on the same marker", async () => {
    const client = viaProxy({ pageSize: 1 });
    await client.connect();
    proxy.add({
      method: "GET",
      path: "/v1/nodes",
      action: {
        kind: "rewrite",
        rewrite: () => ({ status: 200, body: JSON.stringify({ nodes: [{ uuid: node }], next: "/v1/nodes?marker=same" }) }),
      },
    });
    await expect(client.nodes.list(["uuid"])).rejects.toBeInstanceOf(InvalidResponseError);
    await client.close();
  });
});

describe("pagination and identity bounds (issue 8 #16)", () => {
  // A misbehaving Ironic: every page carries the same real node and a `next`
  // link with a marker never seen before. It gives up after `endlessFor` pages
  // only so that a client without a bound ends instead of hanging the run.
  const freshMarkers = (itemsPerPage: (page: number) => number, endlessFor = 400) => {
    let page = 0;
    return {
      method: "GET",
      path: /^\/v1\/nodes(\?|$)/,
      action: {
        kind: "rewrite" as const,
        rewrite: () => {
          page += 1;
          const nodes = Array.from({ length: itemsPerPage(page) }, () => ({ uuid: node }));
          const next = page < endlessFor ? { next: `/v1/nodes?limit=10&marker=m-${page}` } : {};
          return { status: 200, body: JSON.stringify({ nodes, ...next }) };
        },
      },
    };
  };
  const listPages = () => proxy.requests.filter((r) => r.path.startsWith("/v1/nodes?")).length;

  it("stops a listing whose `next` markers never repeat, within the bound from maxListItems", async () => {
    const client = viaProxy({ pageSize: 10, maxListItems: 50 });
    await client.connect();
    proxy.add(freshMarkers(() => 10));
    const error = await client.nodes.list(["uuid"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toMatch(/more than 50 items/);
    expect(listPages()).toBe(6);
    await client.close();
  });

  it("measures pages by what Ironic serves: short pages after a full one hit the bound early", async () => {
    const client = viaProxy({ pageSize: 10, maxListItems: 50 });
    await client.connect();
    proxy.add(freshMarkers((page) => (page === 1 ? 10 : 1)));
    const error = await client.nodes.list(["uuid"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    // ceil(50 / 10) full pages hold every node there may be, plus the slack of 2.
    expect((error as Error).message).toMatch(/within 7 pages/);
    expect(listPages()).toBe(7);
    await client.close();
  });

  it("refuses a node answer for another uuid than the one asked for", async () => {
    const client = viaProxy();
    await client.connect();
    const other = "0b4f2c1e-5a6d-4e8f-9a0b-1c2d3e4f5a6b";
    proxy.add({
      method: "GET",
      path: nodePath(),
      action: { kind: "rewrite", rewrite: (r) => ({ status: r.status, body: JSON.stringify({ ...(JSON.parse(r.body) as object), uuid: other }) }) },
    });
    const error = await client.nodes.get(node, ["provision_state"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    await expect(client.nodes.getFull(node)).rejects.toBeInstanceOf(InvalidResponseError);
    await client.close();
  });

  it("refuses a node answer for another name than the one asked for", async () => {
    const client = viaProxy();
    await client.connect();
    const { name } = await direct.nodes.get(node, ["name"]);
    expect(name).not.toBeNull();
    const byName = `/v1/nodes/${name ?? ""}`;
    expect((await client.nodes.get(name ?? "", ["uuid"])).uuid).toBe(node);
    proxy.add({
      method: "GET",
      path: byName,
      action: { kind: "rewrite", rewrite: (r) => ({ status: r.status, body: JSON.stringify({ ...(JSON.parse(r.body) as object), name: "someone-else" }) }) },
    });
    await expect(client.nodes.get(name ?? "", ["uuid"])).rejects.toBeInstanceOf(InvalidResponseError);
    await client.close();
  });
});

describe("microversion gating", () => {
  const serveRoot = (max: string) => ({
    method: "GET",
    path: "/",
    action: {
      kind: "rewrite" as const,
      rewrite: () => ({ status: 200, body: JSON.stringify({ default_version: { id: "v1", version: max, min_version: "1.1" } }) }),
    },
  });

  it("refuses a server that is too old with a clear VersionUnavailableError", async () => {
    proxy.add(serveRoot("1.46"));
    const client = viaProxy();
    const error = await client.nodes.list(["uuid"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VersionUnavailableError);
    expect((error as Error).message).toMatch(/1\.1\.\.1\.46/);
    await client.close();
  });

  it("speaks an older but sufficient server's version and gates the lessee field", async () => {
    proxy.add(serveRoot("1.60"));
    const client = viaProxy();
    expect(await client.connect()).toEqual([1, 60]);
    await expect(client.nodes.list(["lessee"])).rejects.toBeInstanceOf(VersionUnavailableError);
    await expect(client.nodes.list(["uuid"], { lessee: "p" })).rejects.toBeInstanceOf(VersionUnavailableError);
    expect((await client.nodes.allFields()).includes("lessee")).toBe(false);
    const listed = await client.nodes.list(["owner"], { resource_class: resourceClass });
    expect(listed).toHaveLength(1);
    expect(proxy.requests.some((r) => r.path.startsWith("/v1/nodes?"))).toBe(true);
    await client.close();
  });
});
