// How many Ironic requests one create and one delete cost, counted at the fault
// proxy (a HAND-MADE FAKE in front of the real Ironic that only records here).
// The shared poller's listings and the node cache's listings are counted apart:
// they answer every operation in flight, so they do not grow per server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy, type RecordedRequest } from "../../harness/fault-proxy.js";
import { sharedIronicUrl } from "../support/ironic.js";
import { idle, startTestCompute, waitForServer, type TestCompute } from "./support.js";

let proxy: FaultProxy;
let t: TestCompute;

beforeAll(async () => {
  proxy = await startFaultProxy(sharedIronicUrl());
  t = await startTestCompute("request-count", 1, undefined, { url: proxy.url });
});
afterAll(async () => {
  await t.stop();
  await proxy.stop();
});

/** A listing of many nodes (the shared poll, the cache refresh): not per operation. */
function shared(request: RecordedRequest): boolean {
  return request.method === "GET" && /^\/v1\/nodes(\?|$)/.test(request.path) && !request.path.includes("instance_uuid=");
}

function perOperation(requests: readonly RecordedRequest[]): string[] {
  return requests.filter((request) => !shared(request)).map((request) => `${request.method} ${request.path.replace(/[0-9a-f-]{36}/g, "{id}")}`);
}

describe("Ironic requests per operation", () => {
  // Fake hardware's deploy leaves the node off, so the create powers it on (the
  // binding check and the PUT): 3 requests to deploy, 2 more to power on.
  it("a create costs 3 requests of its own to deploy (5 with the power-on), a delete at most 4, besides the shared listings", async () => {
    proxy.requests.length = 0;
    const created = await t.service.servers.create(t.member, { name: "counted", flavorRef: t.flavorId, imageRef: t.imageId, networks: "none" });
    await waitForServer(t, t.member, created.id, idle("active"), 60_000);
    const create = perOperation(proxy.requests);
    proxy.requests.length = 0;
    await t.service.servers.delete(t.member, created.id);
    await waitForServer(t, t.admin, created.id, (server) => server.vmState === "deleted", 60_000).catch(() => undefined);
    const del = perOperation(proxy.requests);
    const deployed = create.findIndex((request) => request.startsWith("PUT /v1/nodes/{id}/states/provision"));
    expect(deployed, create.join("\n")).toBeGreaterThanOrEqual(0);
    // The claim's fresh read, the claim with instance_info, the deploy.
    expect(create.slice(0, deployed + 1), create.join("\n")).toEqual([
      expect.stringMatching(/^GET \/v1\/nodes\/\{id\}\?fields=/),
      "PATCH /v1/nodes/{id}",
      "PUT /v1/nodes/{id}/states/provision",
    ]);
    expect(create.length, create.join("\n")).toBeLessThanOrEqual(5);
    expect(del.length, del.join("\n")).toBeLessThanOrEqual(4);
  }, 120_000);
});
