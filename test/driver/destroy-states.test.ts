// Destroy from every provision state Nova handles. States fake hardware reaches
// (active, rescue, available-but-claimed) are real; the others are SHOWN to the
// driver by the fault proxy — a HAND-MADE FAKE that rewrites the state of a
// really-active node — so the driver's decision is exercised while Ironic does
// the real tear-down.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrolNodes } from "../../src/dev/enrol.js";
import type { FaultProxy } from "../../harness/fault-proxy.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { uniqueResourceClass } from "../support/ironic.js";
import { CLEAN, fastDriver, instanceSpec, leftovers, proxiedIronic, type ProxiedIronic } from "./support.js";

let proxy: FaultProxy;
let direct: IronicClient;
let viaProxy: IronicClient;
let nodes: string[] = [];
const resourceClass = uniqueResourceClass("destroy");

const SHOWN_STATES = ["deploy failed", "error", "wait call-back", "rescue wait", "rescue failed", "unrescue failed", "deploying"] as const;

let ironics: ProxiedIronic;

beforeAll(async () => {
  ironics = await proxiedIronic();
  ({ direct, proxy, viaProxy } = ironics);
  nodes = await enrolNodes(direct, { count: SHOWN_STATES.length + 4, resourceClass, traits: ["CUSTOM_GOLD"] });
});

afterAll(async () => {
  await ironics.close();
});

async function deployed(node: string) {
  const spec = instanceSpec({ volumes: [{ volumeId: randomUUID(), bootIndex: null, volumeType: "iscsi", properties: {} }] });
  await fastDriver(direct).spawn({ instanceUuid: spec.uuid, nodeUuid: node }, spec);
  return spec;
}

const unprovisionCalls = (node: string) =>
  proxy.requests.filter((r) => r.method === "PUT" && r.path === `/v1/nodes/${node}/states/provision` && r.body.includes('"deleted"')).length;

describe("destroy from a real state", () => {
  it("active: unprovisions and cleans our volume targets", async () => {
    const node = nodes[0] ?? "";
    const spec = await deployed(node);
    await fastDriver(viaProxy).destroy({ instanceUuid: spec.uuid, nodeUuid: node });
    expect(unprovisionCalls(node)).toBe(1);
    expect(await leftovers(direct, node)).toEqual(CLEAN);
  });

  it("rescue: unprovisions", async () => {
    const node = nodes[1] ?? "";
    const spec = await deployed(node);
    await fastDriver(direct).rescue({ instanceUuid: spec.uuid, nodeUuid: node }, "rescue-pw-1");
    await fastDriver(viaProxy).destroy({ instanceUuid: spec.uuid, nodeUuid: node });
    expect(unprovisionCalls(node)).toBe(1);
    expect(await leftovers(direct, node)).toEqual(CLEAN);
  });

  it("available but claimed (spawn never deployed): removes targets, instance_info and the claim", async () => {
    const node = nodes[2] ?? "";
    const spec = instanceSpec();
    await direct.nodes.update(node, [
      { op: "add", path: "/instance_uuid", value: spec.uuid },
      { op: "add", path: "/instance_info", value: { image_source: "x" } },
    ]);
    await direct.volumes.createTarget({ node_uuid: node, volume_type: "iscsi", volume_id: randomUUID(), boot_index: 0, extra: { ironic_compute_instance: spec.uuid } });
    await fastDriver(viaProxy).destroy({ instanceUuid: spec.uuid, nodeUuid: node });
    expect(unprovisionCalls(node)).toBe(0);
    expect(await leftovers(direct, node)).toEqual(CLEAN);
  });

  it("a node that is gone, or an instance on no node, is success", async () => {
    const node = nodes[3] ?? "";
    await direct.nodes.setProvisionState(node, { target: "manage" });
    for (let i = 0; i < 50 && (await direct.nodes.get(node, ["provision_state"])).provision_state !== "manageable"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await direct.nodes.delete(node);
    await fastDriver(viaProxy).destroy({ instanceUuid: randomUUID(), nodeUuid: node });
    await fastDriver(viaProxy).destroy({ instanceUuid: randomUUID(), nodeUuid: null });
  });

  it("never touches a node another instance has claimed", async () => {
    const node = nodes[2] ?? "";
    const other = randomUUID();
    await direct.nodes.update(node, [{ op: "add", path: "/instance_uuid", value: other }]);
    await fastDriver(viaProxy).destroy({ instanceUuid: randomUUID(), nodeUuid: node });
    expect((await direct.nodes.get(node, ["instance_uuid"])).instance_uuid).toBe(other);
    await direct.nodes.update(node, [{ op: "remove", path: "/instance_uuid" }]);
  });
});

describe("destroy from a state shown by the fault proxy", () => {
  SHOWN_STATES.forEach((shown, index) => {
    it(`${shown}: ${shown === "deploying" ? "waits for it to settle, then unprovisions" : "unprovisions"}`, async () => {
      const node = nodes[index + 4] ?? "";
      const spec = await deployed(node);
      let since: number | undefined;
      proxy.add({
        method: "GET",
        path: new RegExp(`^/v1/nodes/${node}\\?`),
        action: {
          kind: "rewrite",
          rewrite: (r) => {
            const n = JSON.parse(r.body) as Record<string, unknown>;
            if (n["provision_state"] !== "active") return r;
            since ??= Date.now();
            // A transient state is shown for a while, a stable one until Ironic moves.
            if (shown === "deploying" && Date.now() - since > 800) return r;
            const target = shown === "deploying" ? "active" : null;
            return { status: 200, body: JSON.stringify({ ...n, provision_state: shown, target_provision_state: target }) };
          },
        },
      });
      await fastDriver(viaProxy).destroy({ instanceUuid: spec.uuid, nodeUuid: node });
      proxy.clear();
      expect(unprovisionCalls(node)).toBe(1);
      expect(await leftovers(direct, node)).toEqual(CLEAN);
    });
  });
});
