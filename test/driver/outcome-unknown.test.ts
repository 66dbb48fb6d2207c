// Issue 8 #5: a change Ironic accepted but whose answer never reached us must
// not be resent blindly (a resent deploy gets 400 and the spawn would unwind a
// deploy that succeeded). The driver re-reads the node and carries on from what
// Ironic shows. The lost answers come from the fault proxy (a HAND-MADE FAKE in
// front of the real Ironic): `forward-then-reset` lets Ironic act, then resets
// our connection instead of passing the answer back.
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { enrolNodes } from "../../src/dev/enrol.js";
import { startFaultProxy, type FaultProxy, type FaultRule } from "../../harness/fault-proxy.js";
import { ourVolumeTargets } from "../../src/driver/volumes.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { newClient, sharedIronicUrl, uniqueResourceClass } from "../support/ironic.js";
import { CLEAN, fastDriver, instanceSpec, leftovers } from "./support.js";

let proxy: FaultProxy;
let direct: IronicClient;
let viaProxy: IronicClient;
let nodes: string[] = [];
const resourceClass = uniqueResourceClass("unknown");

beforeAll(async () => {
  direct = newClient();
  nodes = await enrolNodes(direct, { count: 8, resourceClass, traits: ["CUSTOM_GOLD"] });
  proxy = await startFaultProxy(sharedIronicUrl());
  viaProxy = newClient({ url: proxy.url, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 20 } });
});

afterEach(() => {
  proxy.clear();
  proxy.requests.length = 0;
});

afterAll(async () => {
  await viaProxy.close();
  await proxy.stop();
  await direct.close();
});

const lostAnswer = (method: string, path: string, after = 0): FaultRule => ({
  method,
  path,
  after,
  times: 1,
  action: { kind: "forward-then-reset" },
});
const sent = (method: string, path: string) => proxy.requests.filter((r) => r.method === method && r.path.split("?")[0] === path);

const withVolumeAndVif = () =>
  instanceSpec({
    volumes: [{ volumeId: randomUUID(), bootIndex: null, volumeType: "iscsi", properties: {} }],
    vifs: [{ id: randomUUID(), networkId: "net-1", fixedIps: [] }],
  });

describe("a spawn whose change Ironic made but whose answer was lost", () => {
  const cases: Array<{ name: string; rule: (node: string) => FaultRule; step: [string, (node: string) => string] }> = [
    {
      name: "the deploy request",
      rule: (node) => lostAnswer("PUT", `/v1/nodes/${node}/states/provision`),
      step: ["PUT", (node) => `/v1/nodes/${node}/states/provision`],
    },
    { name: "the claim", rule: (node) => lostAnswer("PATCH", `/v1/nodes/${node}`), step: ["PATCH", (node) => `/v1/nodes/${node}`] },
    // The instance_info is written by the claim's own PATCH (the case above).
    {
      name: "the volume target creation",
      rule: () => lostAnswer("POST", "/v1/volume/targets"),
      step: ["POST", () => "/v1/volume/targets"],
    },
    {
      name: "the VIF attachment",
      rule: (node) => lostAnswer("POST", `/v1/nodes/${node}/vifs`),
      step: ["POST", (node) => `/v1/nodes/${node}/vifs`],
    },
  ];
  cases.forEach((c, index) => {
    it(`finishes ACTIVE (no unwind) when ${c.name} lost its answer`, async () => {
      const node = nodes[index] ?? "";
      const spec = withVolumeAndVif();
      proxy.add(c.rule(node));
      await fastDriver(viaProxy).spawn({ instanceUuid: spec.uuid, nodeUuid: node }, spec);
      const seen = await direct.nodes.get(node, ["instance_uuid", "provision_state", "target_provision_state"]);
      expect(seen).toMatchObject({ instance_uuid: spec.uuid, provision_state: "active", target_provision_state: null });
      expect(proxy.requests.some((r) => r.method === "PUT" && r.body.includes('"deleted"'))).toBe(false);
      expect(proxy.requests.some((r) => r.status === "reset" && r.method === c.step[0] && r.path.split("?")[0] === c.step[1](node))).toBe(true);
      expect(await volumeTargetsOf(node, spec.uuid)).toBe(1);
      await fastDriver(direct).destroy({ instanceUuid: spec.uuid, nodeUuid: node });
    });
  });
});

describe("other operations whose change Ironic made but whose answer was lost", () => {
  it("destroy finishes clean when the unprovision request lost its answer", async () => {
    const node = nodes[5] ?? "";
    const spec = instanceSpec();
    await fastDriver(direct).spawn({ instanceUuid: spec.uuid, nodeUuid: node }, spec);
    proxy.add(lostAnswer("PUT", `/v1/nodes/${node}/states/provision`));
    await fastDriver(viaProxy).destroy({ instanceUuid: spec.uuid, nodeUuid: node });
    expect(await leftovers(direct, node)).toEqual(CLEAN);
    expect(sent("PUT", `/v1/nodes/${node}/states/provision`)).toHaveLength(1);
  });

  it("power off and power on succeed when the power request lost its answer", async () => {
    const node = nodes[6] ?? "";
    const spec = instanceSpec();
    const driver = fastDriver(viaProxy);
    await fastDriver(direct).spawn({ instanceUuid: spec.uuid, nodeUuid: node }, spec);
    proxy.add(lostAnswer("PUT", `/v1/nodes/${node}/states/power`));
    await driver.powerOff({ instanceUuid: spec.uuid, nodeUuid: node }, 0);
    expect(await driver.power({ instanceUuid: spec.uuid, nodeUuid: node })).toBe("shutdown");
    proxy.add(lostAnswer("PUT", `/v1/nodes/${node}/states/power`));
    await driver.powerOn({ instanceUuid: spec.uuid, nodeUuid: node });
    expect(await driver.power({ instanceUuid: spec.uuid, nodeUuid: node })).toBe("running");
    expect(sent("PUT", `/v1/nodes/${node}/states/power`)).toHaveLength(2);
    await fastDriver(direct).destroy({ instanceUuid: spec.uuid, nodeUuid: node });
  });

  it("rescue and unrescue finish when their request lost its answer", async () => {
    const node = nodes[7] ?? "";
    const spec = instanceSpec();
    const driver = fastDriver(viaProxy);
    await fastDriver(direct).spawn({ instanceUuid: spec.uuid, nodeUuid: node }, spec);
    proxy.add(lostAnswer("PUT", `/v1/nodes/${node}/states/provision`));
    await driver.rescue({ instanceUuid: spec.uuid, nodeUuid: node }, "one-time-secret");
    expect((await direct.nodes.get(node, ["provision_state"])).provision_state).toBe("rescue");
    proxy.add(lostAnswer("PUT", `/v1/nodes/${node}/states/provision`));
    await driver.unrescue({ instanceUuid: spec.uuid, nodeUuid: node });
    expect((await direct.nodes.get(node, ["provision_state"])).provision_state).toBe("active");
    expect(sent("PUT", `/v1/nodes/${node}/states/provision`)).toHaveLength(2);
    await fastDriver(direct).destroy({ instanceUuid: spec.uuid, nodeUuid: node });
  });
});

async function volumeTargetsOf(node: string, instance: string): Promise<number> {
  return ourVolumeTargets(await direct.volumes.listTargets(node), instance).length;
}
