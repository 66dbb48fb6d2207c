// compute.enableInstancePassword: false (Nova's enable_instance_password): the
// create, rebuild and rescue answers carry no adminPass (the machine still gets
// one in its config drive: test/api/create-options.test.ts reads it there).
import { describe, expect, it } from "vitest";
import { testApiForFile } from "../support/api-service.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("warn");
const api = testApiForFile("password-off", { nodes: 1, log: log.logger, compute: { enableInstancePassword: false } });

describe("enableInstancePassword: false", () => {
  it("create, rebuild and rescue answer without adminPass", async () => {
    const created = await api.call("POST", "/v2.1/servers", { as: "member", body: { server: { name: "quiet", flavorRef: api.flavorId, imageRef: api.imageId, networks: "none", adminPass: "Not-Shown-Pass-1" } } });
    expect(created.status, created.text).toBe(202);
    const server = created.json["server"] as Record<string, unknown>;
    expect(server).not.toHaveProperty("adminPass");
    const id = server["id"] as string;
    await api.waitForStatus(id, "ACTIVE", "member");
    const rebuilt = await api.call("POST", `/v2.1/servers/${id}/action`, { as: "member", body: { rebuild: { imageRef: api.imageId } } });
    expect(rebuilt.status).toBe(202);
    expect(rebuilt.json["server"]).not.toHaveProperty("adminPass");
    await api.waitForStatus(id, "ACTIVE", "member");
    const rescued = await api.call("POST", `/v2.1/servers/${id}/action`, { as: "member", body: { rescue: null } });
    expect(rescued.status).toBe(200);
    expect(rescued.json).toEqual({});
    expect(api.responses.join("\n")).not.toContain("Not-Shown-Pass-1");
    await api.waitForStatus(id, "RESCUE", "member");
    expect((await api.call("DELETE", `/v2.1/servers/${id}`, { as: "member" })).status).toBe(204);
  }, 120_000);
});
