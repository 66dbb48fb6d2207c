// How many Ironic requests each server operation costs, counted at the fault
// proxy (a HAND-MADE FAKE in front of the real Ironic that only records here).
// The shared poller's listings and the node cache's listings are counted apart:
// they answer every operation in flight, so they do not grow per server.
// Each bound is the operation's count today: a needless request that comes
// back fails the test.
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

/** The requests of its own that `operation` sends until its server shows `state` with no task. */
async function counted(operation: () => Promise<string>, state: string): Promise<string[]> {
  proxy.requests.length = 0;
  const id = await operation();
  await waitForServer(t, t.admin, id, idle(state), 60_000);
  return perOperation(proxy.requests);
}

describe("Ironic requests per operation", () => {
  it("every operation stays within its count of requests of its own, besides the shared listings", async () => {
    const id = (await t.service.servers.create(t.member, { name: "counted", flavorRef: t.flavorId, imageRef: t.imageId, networks: "none" })).id;
    proxy.requests.length = 0;
    await waitForServer(t, t.admin, id, idle("active"), 60_000);
    const lists: Record<string, string[]> = { create: perOperation(proxy.requests) };
    const act = (action: Parameters<TestCompute["service"]["servers"]["act"]>[2], state: string) =>
      counted(async () => { await t.service.servers.act(t.member, id, action); return id; }, state);
    lists["stop"] = await act({ type: "stop" }, "stopped");
    lists["start"] = await act({ type: "start" }, "active");
    lists["reboot soft"] = await act({ type: "reboot", hard: false }, "active");
    lists["reboot hard"] = await act({ type: "reboot", hard: true }, "active");
    lists["rebuild"] = await act({ type: "rebuild", imageRef: t.imageId }, "active");
    lists["rescue"] = await act({ type: "rescue" }, "rescued");
    lists["unrescue"] = await act({ type: "unrescue" }, "active");
    proxy.requests.length = 0;
    await t.service.servers.delete(t.member, id);
    await waitForServer(t, t.admin, id, (server) => server.vmState === "deleted", 60_000).catch(() => undefined);
    lists["delete"] = perOperation(proxy.requests);
    // The requests of its own each operation sends, in order (GET: a read of its node).
    const GET: unknown = expect.stringMatching(/^GET \/v1\/nodes\/\{id\}\?fields=/);
    const PATCH = "PATCH /v1/nodes/{id}";
    const PROVISION = "PUT /v1/nodes/{id}/states/provision";
    const POWER = "PUT /v1/nodes/{id}/states/power";
    const expected: Record<string, unknown[]> = {
      // The claim's fresh read (owner, lessee, partition as Ironic shows them now),
      // the claim carrying instance_info, the deploy; fake hardware's deploy leaves
      // the node off, so the power-on follows, checked against the deploy's last
      // observation (real hardware ends the deploy powered on: no request).
      create: [GET, PATCH, PROVISION, POWER],
      // Power actions: the binding read, the request; the result from the listing.
      stop: [GET, POWER],
      start: [GET, POWER],
      // A reboot looks the same before and after: it reads its node once at the end.
      "reboot soft": [GET, POWER, GET],
      "reboot hard": [GET, POWER, GET],
      // The read, instance_info (its answer is the next observation), the redeploy;
      // the last read when the listing shows no change (the redeploy was quicker than a poll).
      rebuild: [GET, PATCH, PROVISION, GET],
      rescue: [GET, PROVISION],
      unrescue: [GET, PROVISION],
      // The node leaves the listing of associated nodes when torn down: one read shows how it ended.
      delete: [GET, PROVISION, GET],
    };
    const report = JSON.stringify(lists, null, 2);
    for (const [operation, requests] of Object.entries(expected)) {
      const seen = lists[operation] ?? [];
      // The writes exactly; the reads at most as many as listed.
      expect(seen.filter((r) => !r.startsWith("GET")), `${operation}\n${report}`).toEqual(requests.filter((r) => typeof r === "string"));
      expect(seen.length, `${operation}\n${report}`).toBeLessThanOrEqual(requests.length);
    }
  }, 180_000);
});
