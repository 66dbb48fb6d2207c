// Ironic not answering in time during a create must not fail the server: the
// node is left as it is, the task resumes once its lease expires, and the server
// becomes ACTIVE. The slow answer comes from the fault proxy (a HAND-MADE FAKE
// in front of the real Ironic), which still forwards the request afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { sharedIronicUrl } from "../support/ironic.js";
import { idle, startTestCompute, waitForServer, type TestCompute } from "./support.js";

let proxy: FaultProxy;
let t: TestCompute;

beforeAll(async () => {
  proxy = await startFaultProxy(sharedIronicUrl());
  t = await startTestCompute("transient", 1, undefined, { url: proxy.url, timeoutMs: 3_000, retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });
});
afterAll(async () => {
  await t.stop();
  await proxy.stop();
});

describe("Ironic times out during a create", () => {
  it("the task resumes after its lease and the server becomes ACTIVE on the same node", async () => {
    proxy.add({ method: "PUT", path: /^\/v1\/nodes\/[^/]+\/states\/provision/, times: 1, action: { kind: "delay", ms: 5_000 } });
    const created = await t.service.servers.create(t.member, { name: "slow", flavorRef: t.flavorId, imageRef: t.imageId, networks: "none" });
    const server = await waitForServer(t, t.member, created.id, idle("active"), 45_000);
    expect(server.fault).toBeNull();
    expect(server.nodeUuid).toBe(t.nodes[0]);
    const task = await t.store.tasks.activeForServer(created.id);
    expect(task).toBeUndefined();
    const provisionCalls = proxy.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/states/provision"));
    expect(provisionCalls.length).toBeGreaterThanOrEqual(1);
  });
});
