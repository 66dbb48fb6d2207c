// The kept server-list answers (src/api/answer-cache.ts) at the HTTP edge, on the
// fake compute whose view version the test moves by hand: a kept answer is sent
// again only for the same caller project and role, path, query, link base and
// microversion at the same version; gzipped for clients that take it; never
// for a page showing a deploy queue position. list-cache-service.test.ts checks
// the same on the real service and store.
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/server.js";
import type { ServerView } from "../../src/compute/contract.js";
import { basicHeader, fakeCompute, fakeServer } from "../support/fake-compute.js";
import { captureLog } from "../support/log-capture.js";
import { waitUntil } from "../support/wait.js";

const gunzipAsync = promisify(gunzip);
const ONE = "11111111-1111-4111-8111-111111111111";
const TWO = "22222222-2222-4222-8222-222222222222";
const THREE = "33333333-3333-4333-8333-333333333333";
const servers: ServerView[] = [fakeServer(ONE, "p-one"), fakeServer(TWO, "p-one"), fakeServer(THREE, "p-two")];
const log = captureLog("debug");

/** The fake compute, counting its list calls, at a view version the test sets. */
function countingCompute() {
  const compute = fakeCompute({}, servers);
  const state = { version: 1 as number | undefined, lists: 0 };
  const list = compute.servers.list.bind(compute.servers);
  compute.servers.list = (caller, filter) => {
    state.lists += 1;
    return list(caller, filter);
  };
  compute.servers.viewVersion = () => Promise.resolve(state.version);
  return { compute, state };
}

const { compute, state } = countingCompute();
const app = buildApi(compute, { log: log.logger, auth: "basic" });
const off = countingCompute();
const appWithoutCache = buildApi(off.compute, { log: log.logger, auth: "basic", listCacheMiB: 0 });
afterAll(async () => {
  await app.close();
  await appWithoutCache.close();
});

beforeEach(() => {
  state.version = (state.version ?? 0) + 1; // nothing kept by an earlier test applies
  state.lists = 0;
  servers[0] = fakeServer(ONE, "p-one");
});

async function get(url: string, user = "alice", headers: Record<string, string> = {}, on = app) {
  return on.inject({ method: "GET", url, headers: { authorization: basicHeader(user), host: "api.example:8774", ...headers } });
}

describe("kept server lists", () => {
  it("answers the same caller's same list again without building it, byte for byte and with the same headers", async () => {
    const first = await get("/v2.1/servers/detail");
    const second = await get("/v2.1/servers/detail");
    expect(first.statusCode).toBe(200);
    expect(state.lists).toBe(1);
    expect(second.body).toBe(first.body);
    expect(second.headers["content-type"]).toBe(first.headers["content-type"]);
    expect(second.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(second.headers["vary"]).toBe("Accept-Encoding");
    expect((JSON.parse(second.body) as { servers: unknown[] }).servers).toHaveLength(2); // alice's project only
  });

  it("builds the list again once the view version moved, and shows the change", async () => {
    await get("/v2.1/servers");
    servers[0] = { ...fakeServer(ONE, "p-one"), name: "renamed" };
    expect((await get("/v2.1/servers")).body).not.toContain("renamed"); // same version: kept
    state.version = (state.version ?? 0) + 1;
    expect((await get("/v2.1/servers")).body).toContain("renamed");
    expect(state.lists).toBe(2);
  });

  it("keeps one answer per project, role, path, query, link base and microversion", async () => {
    const variants: Array<[string, string, Record<string, string>]> = [
      ["/v2.1/servers/detail", "alice", {}],
      ["/v2.1/servers/detail", "bob", {}], // another project
      ["/v2.1/servers/detail", "rita", {}], // alice's project, role reader
      ["/v2.1/servers/detail", "root", {}], // admin: hypervisor fields
      ["/v2.1/servers", "alice", {}],
      ["/v2.1/servers/detail?limit=1", "alice", {}],
      ["/v2.1/servers/detail", "alice", { "openstack-api-version": "compute 2.47" }],
      ["/v2.1/servers/detail", "alice", { host: "other.example:8774" }],
    ];
    const bodies = [];
    for (const [url, user, headers] of variants) bodies.push((await get(url, user, headers)).body);
    expect(state.lists).toBe(variants.length);
    for (const [url, user, headers] of variants) await get(url, user, headers);
    expect(state.lists).toBe(variants.length); // each kept under its own key
    expect(bodies[1]).toContain(THREE);
    expect(bodies[0]).not.toContain(THREE);
    expect(bodies[3]).toContain("OS-EXT-SRV-ATTR:hypervisor_hostname");
    expect(bodies[2]).not.toContain("OS-EXT-SRV-ATTR:hypervisor_hostname");
    expect(bodies[7]).toContain("other.example:8774");
    expect(bodies[0]).not.toContain("other.example:8774");
  });

  it("sends the kept answer gzipped to a client that takes gzip, plain to one that does not", async () => {
    const plain = await get("/v2.1/servers/detail");
    const zipped = await waitUntil("the gzipped copy", async () => {
      const answer = await get("/v2.1/servers/detail", "alice", { "accept-encoding": "gzip, deflate" });
      return answer.headers["content-encoding"] === "gzip" ? answer : undefined;
    });
    expect((await gunzipAsync(zipped.rawPayload)).toString("utf8")).toBe(plain.body);
    expect(zipped.headers["content-type"]).toBe("application/json; charset=utf-8");
    const refused = await get("/v2.1/servers/detail", "alice", { "accept-encoding": "gzip;q=0, identity" });
    expect(refused.headers["content-encoding"]).toBeUndefined();
    expect(refused.body).toBe(plain.body);
    expect(state.lists).toBe(1);
  });

  it("does not keep a detailed list showing a server that may wait for a deploy slot (its queue position comes from the tasks)", async () => {
    servers[0] = { ...fakeServer(ONE, "p-one"), vmState: "building", taskState: "scheduling", queuePosition: 3 };
    await get("/v2.1/servers/detail");
    await get("/v2.1/servers/detail");
    expect(state.lists).toBe(2);
    await get("/v2.1/servers"); // the summary shows no queue position: kept
    await get("/v2.1/servers");
    expect(state.lists).toBe(3);
  });

  it("keeps nothing without a view version, or with no room (api.listCacheMiB 0), and errors are never kept", async () => {
    state.version = undefined;
    await get("/v2.1/servers/detail");
    await get("/v2.1/servers/detail");
    expect(state.lists).toBe(2);
    await get("/v2.1/servers/detail", "alice", {}, appWithoutCache);
    await get("/v2.1/servers/detail", "alice", {}, appWithoutCache);
    expect(off.state.lists).toBe(2);
    state.version = 99;
    const refused = await get("/v2.1/servers/detail?all_tenants=1");
    expect(refused.statusCode).toBe(403);
    expect((await get("/v2.1/servers/detail?all_tenants=1")).statusCode).toBe(403);
  });
});
