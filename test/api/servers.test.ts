// Servers through the HTTP API on the real service and a real Ironic: the whole
// lifecycle in Nova's shapes, project isolation (404, not 403), roles, faults,
// and user_data/passwords never coming back out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testApiForFile } from "../support/api-service.js";
import { captureLog } from "../support/log-capture.js";
import { waitUntil } from "../support/wait.js";

const USER_DATA_TEXT = "#!/bin/sh\necho user-data-marker-7f3a\n";
const USER_DATA = Buffer.from(USER_DATA_TEXT).toString("base64");
const ADMIN_PASS = "server-admin-pass-91c2";
const log = captureLog("debug");
const api = testApiForFile("servers", { nodes: 2, log: log.logger });


async function createServer(name: string, extra: Record<string, unknown> = {}, flavorRef = api.flavorId): Promise<string> {
  const result = await api.call("POST", "/v2.1/servers", {
    as: "member",
    body: { server: { name, imageRef: api.imageId, flavorRef, networks: "none", min_count: 1, max_count: 1, ...extra } },
  });
  expect(result.status, result.text).toBe(202);
  const server = result.json["server"] as Record<string, unknown>;
  expect(server).toMatchObject({ "OS-DCF:diskConfig": "MANUAL", security_groups: [{ name: "default" }], links: expect.any(Array) as unknown[] });
  return server["id"] as string;
}

describe("server lifecycle", () => {
  let id: string;

  it("create → ACTIVE with Nova's fields", async () => {
    id = await createServer("life-1", { user_data: USER_DATA, adminPass: ADMIN_PASS, metadata: { team: "blue" } });
    await api.waitForStatus(id, "ACTIVE", "member");
    const shown = await api.call("GET", `/v2.1/servers/${id}`, { as: "member" });
    expect(shown.status).toBe(200);
    expect(shown.headers["x-openstack-request-id"]).toMatch(/^req-/);
    expect(shown.headers["x-compute-request-id"]).toBe(shown.headers["x-openstack-request-id"]);
    const server = shown.json["server"] as Record<string, unknown>;
    expect(server).toMatchObject({
      id,
      name: "life-1",
      status: "ACTIVE",
      tenant_id: api.users.member.projectId,
      user_id: api.users.member.id,
      metadata: { team: "blue" },
      image: { id: api.imageId },
      flavor: { id: api.flavorId },
      addresses: {},
      "OS-EXT-STS:vm_state": "active",
      "OS-EXT-STS:task_state": null,
      "OS-EXT-STS:power_state": 1,
      accessIPv4: "",
    });
    expect(server["hostId"]).toMatch(/^[0-9a-f]{56}$/);
    expect(server).not.toHaveProperty("OS-EXT-SRV-ATTR:hypervisor_hostname");
    const modern = await api.call("GET", `/v2.1/servers/${id}`, { headers: { "openstack-api-version": "compute 2.47" } });
    const adminView = modern.json["server"] as Record<string, unknown>;
    expect(adminView["flavor"]).toMatchObject({ original_name: "bm-servers", vcpus: 8 });
    expect(api.nodes).toContain(adminView["OS-EXT-SRV-ATTR:hypervisor_hostname"]);
  });

  it("list and detail return it; the name filter finds it", async () => {
    const list = await api.call("GET", "/v2.1/servers?name=life-1", { as: "member" });
    expect(list.json["servers"]).toEqual([expect.objectContaining({ id, name: "life-1" })]);
    const detail = await api.call("GET", "/v2.1/servers/detail", { as: "reader" });
    expect((detail.json["servers"] as Array<{ id: string }>).map((server) => server.id)).toContain(id);
    expect((await api.call("GET", "/v2.1/servers/life-1", { as: "member" })).status).toBe(404);
  });

  it("reboot (soft, hard), stop and start", async () => {
    for (const [body, status] of [
      [{ reboot: { type: "SOFT" } }, "ACTIVE"],
      [{ reboot: { type: "HARD" } }, "ACTIVE"],
      [{ "os-stop": null }, "SHUTOFF"],
      [{ "os-start": null }, "ACTIVE"],
    ] as const) {
      const result = await api.call("POST", `/v2.1/servers/${id}/action`, { as: "member", body });
      expect(result.status, result.text).toBe(202);
      expect(result.text).toBe("");
      const server = await api.waitForStatus(id, status, "member");
      expect(server["OS-EXT-STS:power_state"]).toBe(status === "SHUTOFF" ? 4 : 1);
    }
  });

  it("a second action while one runs is 409 conflictingRequest", async () => {
    const first = await api.call("POST", `/v2.1/servers/${id}/action`, { as: "member", body: { reboot: { type: "HARD" } } });
    expect(first.status).toBe(202);
    const second = await api.call("POST", `/v2.1/servers/${id}/action`, { as: "member", body: { "os-stop": null } });
    expect(second.status).toBe(409);
    expect(second.json).toHaveProperty("conflictingRequest.code", 409);
    await api.waitForStatus(id, "ACTIVE", "member");
  });

  it("rebuild answers 202 with a full server document", async () => {
    const result = await api.call("POST", `/v2.1/servers/${id}/action`, { as: "member", body: { rebuild: { imageRef: api.imageId } } });
    expect(result.status, result.text).toBe(202);
    expect(result.json["server"]).toMatchObject({ id, metadata: { team: "blue" }, image: { id: api.imageId }, flavor: { id: api.flavorId } });
    await api.waitForStatus(id, "ACTIVE", "member");
  });

  it("rescue returns the password (200), unrescue 202", async () => {
    const rescue = await api.call("POST", `/v2.1/servers/${id}/action`, { as: "member", body: { rescue: null } });
    expect(rescue.status, rescue.text).toBe(200);
    expect(rescue.json["adminPass"]).toEqual(expect.any(String));
    await api.waitForStatus(id, "RESCUE", "member");
    const unrescue = await api.call("POST", `/v2.1/servers/${id}/action`, { as: "member", body: { unrescue: {} } });
    expect(unrescue.status).toBe(202);
    await api.waitForStatus(id, "ACTIVE", "member");
  });

  it("instance actions record who did what", async () => {
    const actions = await api.call("GET", `/v2.1/servers/${id}/os-instance-actions`, { as: "reader" });
    const list = actions.json["instanceActions"] as Array<{ action: string; request_id: string; user_id: string }>;
    expect(list.map((action) => action.action)).toEqual(expect.arrayContaining(["create", "reboot", "stop", "start", "rebuild", "rescue", "unrescue"]));
    const first = list.find((action) => action.action === "create");
    const one = await api.call("GET", `/v2.1/servers/${id}/os-instance-actions/${first?.request_id ?? ""}`, { as: "member" });
    expect(one.status).toBe(200);
    expect(one.json["instanceAction"]).toMatchObject({ action: "create", instance_uuid: id, events: expect.any(Array) as unknown[] });
  });

  it("delete → 204, then 404", async () => {
    const result = await api.call("DELETE", `/v2.1/servers/${id}`, { as: "member" });
    expect(result.status).toBe(204);
    await waitUntil("the server to be gone", async () => ((await api.call("GET", `/v2.1/servers/${id}`, { as: "member" })).status === 404 ? true : undefined), {
      timeoutMs: 60_000,
    });
  });

  it("user_data and the admin password never came back in any response or log line", () => {
    const everything = `${api.responses.join("\n")}\n${log.text()}`;
    for (const secret of [USER_DATA, "user-data-marker-7f3a", ADMIN_PASS]) {
      const hits = api.responses.filter((text) => text.includes(secret));
      // The create response echoes the adminPass the client itself chose, as Nova does.
      if (secret === ADMIN_PASS) expect(hits.length).toBeLessThanOrEqual(1);
      else expect(hits).toEqual([]);
    }
    expect(log.text()).not.toContain(ADMIN_PASS);
    expect(everything).not.toMatch(/"user_data"\s*:/);
  });
});

describe("projects and roles", () => {
  let id: string;

  beforeAll(async () => {
    id = await createServer("isolated-1");
    await api.waitForStatus(id, "ACTIVE", "member");
  });
  afterAll(async () => {
    await api.call("DELETE", `/v2.1/servers/${id}`, { as: "member" });
  });

  it("another project's member gets 404 for GET, DELETE and actions", async () => {
    expect((await api.call("GET", `/v2.1/servers/${id}`, { as: "other" })).status).toBe(404);
    expect((await api.call("DELETE", `/v2.1/servers/${id}`, { as: "other" })).status).toBe(404);
    const action = await api.call("POST", `/v2.1/servers/${id}/action`, { as: "other", body: { "os-stop": null } });
    expect(action.status).toBe(404);
    expect(action.json).toHaveProperty("itemNotFound.code", 404);
    const list = await api.call("GET", "/v2.1/servers/detail", { as: "other" });
    expect((list.json["servers"] as Array<{ id: string }>).map((server) => server.id)).not.toContain(id);
    expect((await api.call("GET", `/v2.1/servers/${id}`, { as: "admin" })).status).toBe(200);
  });

  it("a reader sees but cannot create or act (403)", async () => {
    expect((await api.call("GET", `/v2.1/servers/${id}`, { as: "reader" })).status).toBe(200);
    const create = await api.call("POST", "/v2.1/servers", {
      as: "reader",
      body: { server: { name: "nope", imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } },
    });
    expect(create.status).toBe(403);
    expect(create.json).toHaveProperty("forbidden.code", 403);
    expect((await api.call("POST", `/v2.1/servers/${id}/action`, { as: "reader", body: { "os-stop": null } })).status).toBe(403);
  });

  it("all_tenants lets an admin see every project", async () => {
    const all = await api.call("GET", "/v2.1/servers/detail?all_tenants=True", { as: "admin" });
    expect((all.json["servers"] as Array<{ id: string }>).map((server) => server.id)).toContain(id);
  });
});

describe("faults", () => {
  it("a flavor whose resource class has no nodes ends in ERROR with 'No valid host'", async () => {
    const flavor = await api.flavor("nowhere-servers", { "resources:CUSTOM_NO_SUCH_CLASS_SERVERS": "1" });
    const id = await createServer("doomed-1", {}, flavor);
    const server = await api.waitForStatus(id, "ERROR", "member");
    expect(server["fault"]).toMatchObject({ code: expect.any(Number) as number, message: expect.stringContaining("No valid host") as string });
    expect((await api.call("DELETE", `/v2.1/servers/${id}`, { as: "member" })).status).toBe(204);
  });

  it("validation errors are 400 badRequest naming the field", async () => {
    const result = await api.call("POST", "/v2.1/servers", { as: "member", body: { server: { imageRef: api.imageId, flavorRef: api.flavorId } } });
    expect(result.status).toBe(400);
    expect(result.json).toHaveProperty("badRequest.message", expect.stringContaining("server.name") as string);
    const oversize = await api.call("POST", "/v2.1/servers", {
      as: "member",
      body: { server: { name: "big", imageRef: api.imageId, flavorRef: api.flavorId, networks: "none", user_data: Buffer.alloc(70_000).toString("base64") } },
    });
    expect(oversize.status).toBe(400);
  });
});
