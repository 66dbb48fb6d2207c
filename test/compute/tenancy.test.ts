// Issue 8 #15: node owner and lessee decide which projects a node serves (S3),
// end to end: ownership is set through the real Ironic's API, servers are
// created through the compute service, and the node Ironic shows at claim time
// decides — not a cached copy from before the node was leased.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Caller } from "../../src/compute/contract.js";
import { idle, startTestCompute, waitForServer, type TestCompute } from "./support.js";

const setTenancy = (t: TestCompute, node: string, tenancy: { owner?: string; lessee?: string }) =>
  t.ironic.nodes.update(
    node,
    Object.entries(tenancy).map(([field, value]) => ({ op: "add" as const, path: `/${field}`, value })),
  );

const create = (t: TestCompute, caller: Caller, name: string) =>
  t.service.servers.create(caller, { name, flavorRef: t.flavorId, imageRef: t.imageId, networks: "none" });

const settled = (server: { vmState: string; taskState: string | null }) =>
  server.taskState === null && (server.vmState === "active" || server.vmState === "error");

describe("owner and lessee scheduling against Ironic", () => {
  let t: TestCompute;
  let projectA = "";
  let projectB = "";

  beforeAll(async () => {
    t = await startTestCompute("tenancy", 3);
    projectA = t.member.projectId;
    projectB = t.otherMember.projectId;
    const [ownedByA = "", leasedToB = "", ownedByOther = ""] = t.nodes;
    await setTenancy(t, ownedByA, { owner: projectA });
    await setTenancy(t, leasedToB, { lessee: projectB });
    await setTenancy(t, ownedByOther, { owner: "a-project-nobody-here-has" });
    await t.service.reconcile(); // list the nodes as Ironic now shows them
  });
  afterAll(async () => {
    await t.stop();
  });

  it("places each project only on a node it owns or leases, and finds no host when those are used", async () => {
    const [ownedByA, leasedToB] = t.nodes;
    const forB = await create(t, t.otherMember, "b-1");
    const b1 = await waitForServer(t, t.otherMember, forB.id, idle("active"), 45_000);
    expect(b1.nodeUuid).toBe(leasedToB);

    const forA = await create(t, t.member, "a-1");
    const a1 = await waitForServer(t, t.member, forA.id, idle("active"), 45_000);
    expect(a1.nodeUuid).toBe(ownedByA);

    // Both projects' nodes are used; the third belongs to a project neither is.
    const again = await create(t, t.otherMember, "b-2");
    const b2 = await waitForServer(t, t.otherMember, again.id, settled, 45_000);
    expect(b2.vmState).toBe("error");
    expect(b2.fault?.message).toMatch(/No valid host/);
  });
});

describe("a node leased after the cache listed it", () => {
  let t: TestCompute;

  beforeAll(async () => {
    t = await startTestCompute("stalelease", 2);
  });
  afterAll(async () => {
    await t.stop();
  });

  it("is refused to another project at claim time: the scheduler goes on, then finds no valid host", async () => {
    const [leasedLater = "", free = ""] = t.nodes;
    const listed = await t.service.nodes.list(t.admin); // the cache now says: both unowned
    expect(listed).toHaveLength(2);
    await setTenancy(t, leasedLater, { lessee: t.otherMember.projectId });

    const first = await create(t, t.member, "a-1");
    const a1 = await waitForServer(t, t.member, first.id, settled, 45_000);
    expect(a1.vmState).toBe("active");
    expect(a1.nodeUuid).toBe(free);

    const second = await create(t, t.member, "a-2");
    const a2 = await waitForServer(t, t.member, second.id, settled, 45_000);
    expect(a2.vmState).toBe("error");
    expect(a2.fault?.message).toMatch(/No valid host/);
    const node = await t.ironic.nodes.get(leasedLater, ["instance_uuid", "lessee"]);
    expect(node).toMatchObject({ instance_uuid: null, lessee: t.otherMember.projectId });
  });
});
