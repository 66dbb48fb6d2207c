// The `service` role: what Ironic's power notifier logs in as. It may post
// os-server-external-events and nothing else; admins still may post them;
// members may not. Against the real service on the run's real Ironic.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIronicServiceUser } from "../../src/dev/ironic-service-user.js";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("warn");
let api: TestApi;
let serverId = "";
let serviceAuth = "";

beforeAll(async () => {
  api = await startTestApi("service-role", { nodes: 1, log: log.logger });
  const admin = await api.running.compute.authenticate("admin", api.passwords.admin);
  if (admin === undefined) throw new Error("the test admin cannot log in");
  // What `npm start` creates for its local Ironic.
  const service = await createIronicServiceUser(api.running.compute, { ...admin, requestId: `req-${randomUUID()}` }, "ironic-service-role");
  serviceAuth = `Basic ${Buffer.from(`${service.username}:${service.password}`).toString("base64")}`;
  serverId = await api.createServer("svc-1");
});

afterAll(async () => {
  await api.stop();
});

const asService = (method: "GET" | "POST" | "DELETE", path: string, body?: unknown) =>
  api.call(method, path, { as: "anonymous", headers: { authorization: serviceAuth }, ...(body === undefined ? {} : { body }) });
const event = () => ({ events: [{ name: "power-update", server_uuid: serverId, tag: "POWER_ON" }] });

describe("the service role", () => {
  it("the admin API creates users with the service role", async () => {
    const created = await api.call("POST", "/admin/v1/users", {
      body: { name: `svc-${randomUUID().slice(0, 8)}`, password: "a-service-password", project_id: api.users.admin.projectId, role: "service" },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json["user"]).toMatchObject({ role: "service" });
  });

  it("may post os-server-external-events (200)", async () => {
    const response = await asService("POST", "/v2.1/os-server-external-events", event());
    expect(response.status, response.text).toBe(200);
    expect(response.json["events"]).toEqual([expect.objectContaining({ server_uuid: serverId, code: 200, status: "completed" })]);
  });

  it.each([
    ["GET", "/v2.1/servers"],
    ["GET", "/v2.1/servers/detail"],
    ["GET", "/v2.1/servers/{server}"],
    ["POST", "/v2.1/servers/{server}/action"],
    ["DELETE", "/v2.1/servers/{server}"],
    ["POST", "/v2.1/servers"],
    ["GET", "/v2.1/flavors"],
    ["GET", "/v2.1/flavors/{flavor}"],
    ["GET", "/v2.1/os-keypairs"],
    ["GET", "/v2.1/os-hypervisors"],
    ["GET", "/v2.1/os-availability-zone"],
    ["GET", "/image/v2/images"],
    ["GET", "/v2.1/images"],
    ["GET", "/admin/v1/nodes"],
    ["GET", "/admin/v1/users"],
    ["GET", "/admin/v1/projects"],
    ["POST", "/admin/v1/users"],
    ["GET", "/metrics"],
  ] as const)("gets 403 on %s %s", async (method, template) => {
    const path = template.replace("{server}", serverId).replace("{flavor}", api.flavorId);
    const body = method === "POST" ? (path.endsWith("/action") ? { "os-stop": null } : {}) : undefined;
    const response = await asService(method, path, body);
    expect(response.status, response.text).toBe(403);
  });

  it("the server was not touched by any of those calls", async () => {
    const shown = await api.call("GET", `/v2.1/servers/${serverId}`, { as: "member" });
    expect(shown.json["server"]).toMatchObject({ status: "ACTIVE", "OS-EXT-STS:task_state": null });
  });

  it("admins still may post events; members and readers may not", async () => {
    expect((await api.call("POST", "/v2.1/os-server-external-events", { body: event() })).status).toBe(200);
    expect((await api.call("POST", "/v2.1/os-server-external-events", { as: "member", body: event() })).status).toBe(403);
    expect((await api.call("POST", "/v2.1/os-server-external-events", { as: "reader", body: event() })).status).toBe(403);
  });

  it("the compute layer refuses the service role everything but events, whatever the edge does", async () => {
    const service = await api.running.compute.authenticate("ironic-service-role", "");
    expect(service).toBeUndefined(); // wrong password: the real one is generated
    const caller = { userId: "u-svc", userName: "svc", projectId: api.users.admin.projectId, role: "service" as const, requestId: `req-${randomUUID()}` };
    await expect(api.running.compute.servers.act(caller, serverId, { type: "stop" })).rejects.toThrow(/role/);
    await expect(api.running.compute.servers.list(caller, {})).rejects.toThrow(/role/);
    await expect(api.running.compute.flavors.list(caller)).rejects.toThrow(/role/);
    await expect(api.running.compute.images.list(caller, {})).rejects.toThrow(/role/);
    await expect(api.running.compute.keypairs.list(caller)).rejects.toThrow(/role/);
    await expect(api.running.compute.nodes.list(caller)).rejects.toThrow(/role/);
    expect(await api.running.compute.externalEvents(caller, [{ name: "power-update", serverUuid: serverId, tag: "POWER_ON" }])).toEqual([
      expect.objectContaining({ code: 200 }),
    ]);
  });
});
