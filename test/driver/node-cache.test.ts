// The node cache against the real Ironic: one listing of only the driver's
// fields, shared by concurrent callers, refreshed by age, GET fallback per node,
// and the partition filters.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrolNodes } from "../../src/dev/enrol.js";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { CACHE_FIELDS } from "../../src/driver/availability.js";
import { NodeCache } from "../../src/driver/node-cache.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { silentLogger } from "../../src/log/logger.js";
import { newClient, sharedIronicUrl, uniqueResourceClass } from "../support/ironic.js";

let direct: IronicClient;
let viaProxy: IronicClient;
let proxy: FaultProxy;
let mine: string[] = [];
let theirs: string[] = [];
// Ironic refuses nodes in a conductor group no conductor serves, so the test's
// own nodes are told apart by owner; the group filter is checked with the
// served group ("") against one nobody serves.
const owner = `tenant-${randomUUID().slice(0, 8)}`;
const group = "";
const mineOnly = { owner, conductor_group: group };

const listings = () => proxy.requests.filter((r) => r.method === "GET" && r.path.startsWith("/v1/nodes?")).length;

beforeAll(async () => {
  direct = newClient();
  mine = await enrolNodes(direct, { count: 3, resourceClass: uniqueResourceClass("cache"), owner });
  theirs = await enrolNodes(direct, { count: 2, resourceClass: uniqueResourceClass("cache2") });
  proxy = await startFaultProxy(sharedIronicUrl());
  viaProxy = newClient({ url: proxy.url });
  await viaProxy.connect();
});

afterAll(async () => {
  await viaProxy.close();
  await proxy.stop();
  await direct.close();
});

describe("node cache", () => {
  it("lists only its partition (conductor group + owner), with only the driver's fields", async () => {
    const cache = new NodeCache(viaProxy, { filters: mineOnly, maxAgeMs: 60_000 }, silentLogger);
    const nodes = await cache.all();
    expect(nodes.map((n) => n.uuid).sort()).toEqual([...mine].sort());
    expect(Object.keys(nodes[0] ?? {}).sort()).toEqual([...CACHE_FIELDS].sort());
    const listing = proxy.requests.find((r) => r.path.startsWith("/v1/nodes?"))?.path ?? "";
    expect(new URL(listing, "http://x").searchParams.get("fields")?.split(",").sort()).toEqual([...CACHE_FIELDS].sort());
  });

  it("sees nothing in a conductor group it does not manage", async () => {
    const cache = new NodeCache(viaProxy, { filters: { owner, conductor_group: "elsewhere" }, maxAgeMs: 60_000 }, silentLogger);
    expect(await cache.all()).toEqual([]);
  });

  it("shares one listing among concurrent callers (single flight)", async () => {
    const cache = new NodeCache(viaProxy, { filters: mineOnly, maxAgeMs: 60_000 }, silentLogger);
    proxy.requests.length = 0;
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.all()));
    expect(listings()).toBe(1);
    expect(new Set(results.map((r) => r.length))).toEqual(new Set([3]));
  });

  it("serves from memory while fresh and lists again once older than its bound", async () => {
    let now = 1_000_000;
    const cache = new NodeCache(viaProxy, { filters: mineOnly, maxAgeMs: 5_000, now: () => now }, silentLogger);
    proxy.requests.length = 0;
    await cache.all();
    now += 4_000;
    await cache.all();
    expect(listings()).toBe(1);
    now += 2_000;
    await cache.all();
    expect(listings()).toBe(2);
  });

  it("falls back to a GET for a node it does not hold, and forgets nodes that are gone", async () => {
    const cache = new NodeCache(viaProxy, { filters: mineOnly, maxAgeMs: 60_000 }, silentLogger);
    await cache.all();
    proxy.requests.length = 0;
    expect((await cache.get(mine[0] ?? ""))?.uuid).toBe(mine[0]);
    expect(proxy.requests).toHaveLength(0); // served from the cache
    const outside = await cache.get(theirs[0] ?? "");
    expect(outside?.uuid).toBe(theirs[0]);
    expect(proxy.requests.map((r) => r.path.split("?")[0])).toEqual([`/v1/nodes/${theirs[0] ?? ""}`]);
    expect(await cache.get(randomUUID())).toBeUndefined();
  });

  it("a failed refresh does not poison later ones", async () => {
    const cache = new NodeCache(newClient({ url: proxy.url, retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } }), { filters: mineOnly, maxAgeMs: 0 }, silentLogger);
    proxy.add({ method: "GET", path: "/v1/nodes", times: 1, action: { kind: "status", status: 503, body: "" } });
    await expect(cache.refresh()).rejects.toThrow();
    await cache.refresh();
    expect(cache.size).toBe(3);
  });
});
