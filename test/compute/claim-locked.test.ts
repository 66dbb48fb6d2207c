// A claim that meets Ironic's 409 NodeLocked (a conductor task or another
// claimer holds the node's lock) is not a lost claim: the scheduler asks the
// node again after 0.5, 1 and 2 s before it gives up. The 409s come from the
// fault proxy (a HAND-MADE FAKE in front of the real Ironic): a real conductor
// cannot be made to hold a lock on demand.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeLockedBody, startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { sharedIronicUrl } from "../support/ironic.js";
import { waitUntil } from "../support/wait.js";
import { idle, startTestCompute, waitForServer, type TestCompute } from "./support.js";

let proxy: FaultProxy;
let t: TestCompute;

beforeAll(async () => {
  proxy = await startFaultProxy(sharedIronicUrl());
  t = await startTestCompute("claim-locked", 1, undefined, { url: proxy.url });
});
afterAll(async () => {
  await t.stop();
  await proxy.stop();
});

const claims = (node: string) => proxy.requests.filter((r) => r.method === "PATCH" && r.path.startsWith(`/v1/nodes/${node}`)).length;

describe("claiming a node Ironic has locked", () => {
  it("asks the node again after a pause: the server becomes ACTIVE on it", async () => {
    const node = t.nodes[0] ?? "";
    const before = claims(node);
    proxy.add({ method: "PATCH", path: `/v1/nodes/${node}`, times: 2, action: { kind: "status", status: 409, body: nodeLockedBody(node) } });
    const created = await t.service.servers.create(t.member, { name: "locked", flavorRef: t.flavorId, imageRef: t.imageId, networks: "none" });
    const server = await waitForServer(t, t.member, created.id, idle("active"), 60_000);
    expect(server.fault).toBeNull();
    expect(server.nodeUuid).toBe(node);
    expect(claims(node) - before).toBeGreaterThanOrEqual(3); // two refused, then the claim
    await t.service.servers.delete(t.member, created.id);
    await waitUntil("the server is deleted", async () => ((await t.store.servers.get(created.id)) === undefined ? true : undefined), { timeoutMs: 60_000 });
  }, 90_000);

  it("gives up with No valid host once the node stayed locked through every round", async () => {
    const node = t.nodes[0] ?? "";
    const rule = { method: "PATCH", path: `/v1/nodes/${node}`, action: { kind: "status" as const, status: 409, body: nodeLockedBody(node) } };
    proxy.add(rule);
    try {
      const before = claims(node);
      const created = await t.service.servers.create(t.member, { name: "always-locked", flavorRef: t.flavorId, imageRef: t.imageId, networks: "none" });
      const server = await waitForServer(t, t.member, created.id, idle("error"), 60_000);
      expect(server.fault?.message).toContain("No valid host");
      expect(claims(node) - before).toBe(4); // the first try and three rounds after a pause
    } finally {
      proxy.remove(rule);
    }
  }, 90_000);
});
