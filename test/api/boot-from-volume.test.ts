// Boot from a registered volume through the real service on the real Ironic
// (issue 13 item 3): nodes with the `external` storage interface and an iSCSI
// connector; a create with block_device_mapping_v2 and no image; Ironic's
// volume targets read back with the expected properties and boot indexes;
// the volume attached to one server at a time; delete (after power off, as
// Ironic requires) removes the targets and detaches the volumes; the CHAP
// secret in no answer and no log line.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IronicClient } from "../../src/ironic/client.js";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { newClient, sharedIronicUrl } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";

const SECRET = "chap-secret-bfv-7f3a91";
const log = captureLog("debug");
let api: TestApi;
let ironic: IronicClient;

beforeAll(async () => {
  api = await startTestApi("bfv", { nodes: 2, log: log.logger, iscsiConnector: true, interfaces: { storage_interface: "external" } });
  ironic = newClient({ url: sharedIronicUrl() });
}, 180_000);
afterAll(async () => {
  await api.stop();
  await ironic.close();
});

type Json = Record<string, unknown>;
const fault = (body: Json) => Object.values(body)[0] as { message: string };

async function register(name: string, bootable: boolean, lun: number): Promise<string> {
  const result = await api.call("POST", `/volume/v3/${api.users.admin.projectId}/volumes`, {
    as: "admin",
    body: {
      volume: {
        name, size: 40, project_id: api.users.member.projectId, bootable,
        connection: { protocol: "iscsi", target_portals: ["192.0.2.10:3260"], target_iqn: `iqn.2004-04.com.example:storage:${name}`, target_lun: lun, auth_username: "chap-user", auth_password: SECRET },
      },
    },
  });
  expect(result.status, result.text).toBe(202);
  return (result.json["volume"] as Json)["id"] as string;
}

function create(name: string, mappings: Json[]) {
  return api.call("POST", "/v2.1/servers", {
    as: "member",
    body: { server: { name, flavorRef: api.flavorId, imageRef: "", networks: "none", block_device_mapping_v2: mappings } },
  });
}

const volumeMapping = (uuid: string, bootIndex: number | null) => ({ source_type: "volume", destination_type: "volume", uuid, boot_index: bootIndex, delete_on_termination: false });

describe("boot from volume", () => {
  it("boots from a registered volume with a data volume; Ironic's targets carry the properties; delete removes them and frees the volumes", async () => {
    const boot = await register("bfv-boot", true, 1);
    const data = await register("bfv-data", false, 2);
    const created = await create("bfv-1", [volumeMapping(boot, 0), volumeMapping(data, null)]);
    expect(created.status, created.text).toBe(202);
    const id = (created.json["server"] as Json)["id"] as string;
    const server = await api.waitForStatus(id, "ACTIVE", "admin");
    expect(server["image"]).toBe("");
    expect(server["os-extended-volumes:volumes_attached"]).toEqual([{ id: boot }, { id: data }]); // 2.1: no delete_on_termination (from 2.3)
    const node = server["OS-EXT-SRV-ATTR:hypervisor_hostname"] as string;

    const targets = (await ironic.volumes.listTargets(node)).sort((a, b) => (a.boot_index ?? 0) - (b.boot_index ?? 0));
    expect(targets.map((target) => [target.volume_id, target.boot_index, target.volume_type])).toEqual([[boot, 0, "iscsi"], [data, 1, "iscsi"]]);
    expect(targets[0]?.properties).toMatchObject({ target_iqn: "iqn.2004-04.com.example:storage:bfv-boot", target_lun: 1, target_portal: "192.0.2.10:3260", auth_method: "CHAP", auth_username: "chap-user" });
    const info = (await ironic.nodes.get(node, ["instance_info"])).instance_info;
    expect(info["image_source"]).toBeUndefined(); // nothing is written to a disk

    const shown = await api.call("GET", `/volume/v3/${api.users.member.projectId}/volumes/${boot}`, { as: "member" });
    expect((shown.json["volume"] as Json)["status"]).toBe("in-use");
    // One server per volume: a second create naming it is refused and holds nothing.
    const again = await create("bfv-2", [volumeMapping(boot, 0)]);
    expect(again.status).toBe(400);
    expect(fault(again.json).message).toContain("must be available");

    expect((await api.call("DELETE", `/v2.1/servers/${id}`, { as: "member" })).status).toBe(204);
    for (let i = 0; i < 600 && (await api.call("GET", `/v2.1/servers/${id}`, { as: "member" })).status !== 404; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await ironic.volumes.listTargets(node)).toEqual([]);
    for (const volume of [boot, data]) {
      const after = await api.call("GET", `/volume/v3/${api.users.member.projectId}/volumes/${volume}`, { as: "member" });
      expect((after.json["volume"] as Json)["status"]).toBe("available");
    }
    for (const body of api.responses) expect(body).not.toContain(SECRET);
    expect(log.text()).not.toContain(SECRET);
  });

  it("refuses what cannot boot: no image and no boot volume, a volume that is not bootable, image mappings, unknown volumes", async () => {
    const data = await register("bfv-plain", false, 3);
    expect((await create("x", [])).status).toBe(400);
    const notBootable = await create("x", [volumeMapping(data, 0)]);
    expect(notBootable.status).toBe(400);
    expect(fault(notBootable.json).message).toContain("is not bootable");
    expect((await create("x", [{ source_type: "image", destination_type: "volume", uuid: api.imageId, boot_index: 0 }])).status).toBe(400);
    expect((await create("x", [volumeMapping("00000000-0000-4000-8000-000000000000", 0)])).status).toBe(400);
    const shown = await api.call("GET", `/volume/v3/${api.users.member.projectId}/volumes/${data}`, { as: "member" });
    expect((shown.json["volume"] as Json)["status"]).toBe("available");
  });
});
