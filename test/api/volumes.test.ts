// The Cinder v3-shaped volume API through the real service (issue 13 #2):
// registration by admins (body fields and `ironic_compute:*` metadata), who
// sees what (own project + shared; all_tenants for admins), Cinder's shapes
// and faults, delete only while detached, the catalog entry and version
// documents — and the CHAP secret in no answer and no log line.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { testApiForFile } from "../support/api-service.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("debug");
const api = testApiForFile("volumes", { nodes: 1, log: log.logger });
const SECRET = `chap-${randomUUID()}`;

type Json = Record<string, unknown>;
const volumeOf = (body: Json) => body["volume"] as Json;
const fault = (body: Json) => Object.entries(body)[0] as [string, { code: number; message: string }];

const iscsi = (extra: Json = {}) => ({
  protocol: "iscsi",
  target_portals: ["192.0.2.10:3260", "192.0.2.11:3260"],
  target_iqn: "iqn.2004-04.com.example:storage:vol1",
  target_lun: 1,
  auth_username: "chap-user",
  auth_password: SECRET,
  ...extra,
});

async function register(volume: Json, as: "admin" | "member" = "admin") {
  return api.call("POST", `/volume/v3/${api.users[as].projectId}/volumes`, { as, body: { volume } });
}

async function registered(volume: Json): Promise<string> {
  const result = await register(volume);
  expect(result.status, result.text).toBe(202);
  return volumeOf(result.json)["id"] as string;
}

describe("Block Storage v3: registered volumes", () => {
  it("an admin registers an iSCSI volume; Cinder's shape, the CHAP user but never the secret", async () => {
    const member = api.users.member;
    const created = await register({ name: "boot-a", description: "the boot disk", size: 40, project_id: member.projectId, bootable: true, metadata: { rack: "r1" }, connection: iscsi() });
    expect(created.status, created.text).toBe(202);
    const volume = volumeOf(created.json);
    expect(volume).toMatchObject({
      name: "boot-a",
      description: "the boot disk",
      size: 40,
      status: "available",
      bootable: "true",
      attachments: [],
      metadata: { rack: "r1" },
      multiattach: false,
      encrypted: false,
      "os-vol-tenant-attr:tenant_id": member.projectId,
      "ironic_compute:connection": { protocol: "iscsi", target_portals: ["192.0.2.10:3260", "192.0.2.11:3260"], target_iqn: "iqn.2004-04.com.example:storage:vol1", target_lun: 1, auth_method: "CHAP", auth_username: "chap-user" },
    });
    expect(volume["created_at"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(created.headers["openstack-api-version"]).toBe("volume 3.0");

    // The member sees it (without the admin-only connection), with and without the project segment.
    for (const path of [`/volume/v3/${member.projectId}/volumes/${String(volume["id"])}`, `/volume/v3/volumes/${String(volume["id"])}`]) {
      const shown = await api.call("GET", path, { as: "member" });
      expect(shown.status, path).toBe(200);
      expect(volumeOf(shown.json)).toMatchObject({ id: volume["id"], name: "boot-a", status: "available" });
      expect(volumeOf(shown.json)["ironic_compute:connection"]).toBeUndefined();
    }
    const admin = await api.call("GET", `/volume/v3/volumes/${String(volume["id"])}`, { as: "admin" });
    expect(JSON.stringify(admin.json)).not.toContain(SECRET);
  });

  it("takes the registration from ironic_compute:* metadata (for `openstack volume create --property`), FC too", async () => {
    const id = await registered({
      name: "data-fc",
      size: 500,
      metadata: {
        "ironic_compute:protocol": "fibre_channel",
        "ironic_compute:target_wwns": "50:0a:09:83:8d:c3:3f:12,500a09848dc33f12",
        "ironic_compute:target_lun": "3",
        "ironic_compute:project_id": "shared",
        owner: "storage-team",
      },
    });
    const shown = volumeOf((await api.call("GET", `/volume/v3/volumes/${id}`, { as: "admin" })).json);
    expect(shown).toMatchObject({
      bootable: "false",
      metadata: { owner: "storage-team" },
      "os-vol-tenant-attr:tenant_id": null,
      "ironic_compute:connection": { protocol: "fibre_channel", target_wwns: ["500a09838dc33f12", "500a09848dc33f12"], target_lun: 3 },
    });
    // Shared: every project sees it.
    expect((await api.call("GET", `/volume/v3/volumes/${id}`, { as: "other" })).status).toBe(200);
  });

  it("refuses what it cannot register with Cinder's 400 and members with Cinder's 403", async () => {
    const project = api.users.member.projectId;
    const cases: Array<[Json, string]> = [
      [{ name: "x", size: 1, project_id: project }, "'connection' is a required property"],
      [{ name: "x", size: 1, connection: iscsi() }, "'project_id' is a required property"],
      [{ name: "x", size: 1, project_id: project, connection: iscsi({ auth_password: undefined }) }, "CHAP user and a CHAP secret go together"],
      [{ name: "x", size: 1, project_id: randomUUID().replaceAll("-", ""), connection: iscsi() }, "could not be found"],
      [{ name: "x", size: 1, project_id: project, snapshot_id: randomUUID(), connection: iscsi() }, "snapshot_id"],
      [{ name: "x", size: 0, project_id: project, connection: iscsi() }, "size"],
      [{ name: "x", size: 1, metadata: { "ironic_compute:protocol": "iscsi", "ironic_compute:auth_password": SECRET } }, "ironic_compute:*"],
    ];
    for (const [body, message] of cases) {
      const result = await register(body);
      expect(result.status, JSON.stringify(body)).toBe(400);
      const [name, detail] = fault(result.json);
      expect(name).toBe("badRequest");
      expect(detail.message).toContain(message);
      expect(result.text).not.toContain(SECRET);
    }
    const refused = await register({ name: "x", size: 1, project_id: project, connection: iscsi() }, "member");
    expect(refused.status).toBe(403);
    expect(refused.json).toEqual({ forbidden: { code: 403, message: "Policy doesn't allow volume:create to be performed." } });
  });

  it("lists own and shared volumes for members, everything with all_tenants for admins; filters and pages", async () => {
    const other = api.users.other.projectId;
    const hidden = await registered({ name: "other-only", size: 10, project_id: other, connection: iscsi({ auth_username: undefined, auth_password: undefined }) });
    const names = async (as: "member" | "admin" | "other", query = "") => {
      const listed = await api.call("GET", `/volume/v3/volumes/detail${query}`, { as });
      expect(listed.status, listed.text).toBe(200);
      return (listed.json["volumes"] as Json[]).map((volume) => volume["name"]);
    };
    expect(await names("member")).toEqual(["boot-a", "data-fc"]);
    expect(await names("other")).toEqual(["data-fc", "other-only"]);
    expect(await names("admin")).toEqual(["data-fc"]);
    expect(await names("admin", "?all_tenants=1")).toEqual(["boot-a", "data-fc", "other-only"]);
    expect(await names("member", "?all_tenants=1")).toEqual(["boot-a", "data-fc"]);
    expect(await names("member", "?name=data-fc")).toEqual(["data-fc"]);
    expect(await names("member", "?status=in-use")).toEqual([]);

    const page = await api.call("GET", "/volume/v3/volumes?limit=1", { as: "member" });
    const first = (page.json["volumes"] as Json[])[0];
    expect(first).toMatchObject({ name: "boot-a" });
    expect(Object.keys(first ?? {}).sort()).toEqual(["id", "links", "name"]);
    const next = (page.json["volumes_links"] as Array<{ href: string; rel: string }>)[0];
    expect(next?.rel).toBe("next");
    const second = await api.call("GET", new URL(next?.href ?? "").pathname + new URL(next?.href ?? "").search, { as: "member" });
    expect((second.json["volumes"] as Json[]).map((volume) => volume["name"])).toEqual(["data-fc"]);
    // Another project's volume is not found, not forbidden; nor is its id a marker.
    const unseen = await api.call("GET", `/volume/v3/volumes/${hidden}`, { as: "member" });
    expect(unseen.status).toBe(404);
    expect(unseen.json).toEqual({ itemNotFound: { code: 404, message: `Volume ${hidden} could not be found.` } });
    expect((await api.call("GET", `/volume/v3/volumes?marker=${hidden}`, { as: "member" })).status).toBe(400);
    // A project segment that is not the caller's is Cinder's 400.
    expect((await api.call("GET", `/volume/v3/${other}/volumes`, { as: "member" })).status).toBe(400);
  });

  it("shows the attachment and refuses the delete while attached; PUT renames; delete is for admins", async () => {
    const id = await registered({ name: "attached", size: 20, project_id: api.users.member.projectId, connection: iscsi() });
    const server = randomUUID();
    expect(await api.running.store.volumes.attach(id, { id: randomUUID(), serverId: server, attachedAt: new Date().toISOString() })).toBe("attached");
    const shown = volumeOf((await api.call("GET", `/volume/v3/volumes/${id}`, { as: "member" })).json);
    expect(shown["status"]).toBe("in-use");
    expect(shown["attachments"]).toEqual([expect.objectContaining({ server_id: server, volume_id: id, host_name: null, device: null })]);

    const refused = await api.call("DELETE", `/volume/v3/volumes/${id}`, { as: "admin" });
    expect(refused.status).toBe(400);
    expect(fault(refused.json)[1].message).toMatch(/^Invalid volume: Volume status must be available or error/);

    const renamed = await api.call("PUT", `/volume/v3/volumes/${id}`, { as: "member", body: { volume: { name: "renamed", description: "d" } } });
    expect(renamed.status, renamed.text).toBe(200);
    expect(volumeOf(renamed.json)).toMatchObject({ name: "renamed", description: "d" });
    expect((await api.call("PUT", `/volume/v3/volumes/${id}`, { as: "reader", body: { volume: { name: "r" } } })).status).toBe(403);

    await api.running.store.volumes.detach(id, server);
    expect((await api.call("DELETE", `/volume/v3/volumes/${id}`, { as: "member" })).status).toBe(403);
    expect((await api.call("DELETE", `/volume/v3/volumes/${id}`, { as: "admin" })).status).toBe(202);
    expect((await api.call("GET", `/volume/v3/volumes/${id}`, { as: "admin" })).status).toBe(404);
  });

  it("answers version discovery, the catalog's volumev3/block-storage URLs and Cinder's quota set", async () => {
    const root = await api.call("GET", "/volume/", { as: "anonymous" });
    expect(root.status).toBe(300);
    expect((root.json["versions"] as Json[])[0]).toMatchObject({ id: "v3.0", status: "CURRENT", version: "3.0" });
    expect((await api.call("GET", "/volume/v3", { as: "anonymous" })).status).toBe(200);

    const member = api.users.member;
    const catalog = await api.call("GET", "/identity/v3/auth/catalog", { as: "member" });
    const services = catalog.json["catalog"] as Array<{ type: string; endpoints: Array<{ url: string }> }>;
    for (const type of ["volumev3", "block-storage"]) {
      expect(services.find((service) => service.type === type)?.endpoints[0]?.url).toBe(`${api.url}/volume/v3/${member.projectId}`);
    }

    const quota = await api.call("GET", `/volume/v3/${member.projectId}/os-quota-sets/${member.projectId}?usage=True`, { as: "member" });
    expect(quota.status, quota.text).toBe(200);
    expect((quota.json["quota_set"] as Json)["volumes"]).toEqual({ limit: -1, in_use: 1, reserved: 0, allocated: 0 });
    expect((await api.call("GET", `/volume/v3/os-quota-sets/${api.users.other.projectId}`, { as: "member" })).status).toBe(403);
  });

  it("never shows the CHAP secret: in no answer of this file and in no log line", () => {
    expect(api.responses.length).toBeGreaterThan(20);
    for (const body of api.responses) expect(body).not.toContain(SECRET);
    expect(log.text()).not.toContain(SECRET);
  });
});
