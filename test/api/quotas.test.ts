// Quotas through the real service on the real Ironic (issue 11 #5): the
// configured defaults, an admin's per-project limits (instances and a resource
// class), who may read and change them, Nova's 403 on a create over quota, the
// place a deleted server frees, and /limits.
import { describe, expect, it } from "vitest";
import { computeConfigSchema } from "../../src/compute/config.js";
import { testApiForFile } from "../support/api-service.js";
import { captureLog } from "../support/log-capture.js";
import { waitUntil } from "../support/wait.js";

const log = captureLog("warn");
const api = testApiForFile("quotas", { nodes: 2, log: log.logger, quotas: { instances: 3, resourceClasses: { CUSTOM_CONFIGURED: 7 } } });

const quotaSet = (body: Record<string, unknown>) => body["quota_set"] as Record<string, unknown>;
const projectA = () => api.users.member.projectId;
const createServer = (name: string) =>
  api.call("POST", "/v2.1/servers", { as: "member", body: { server: { name, flavorRef: api.flavorId, imageRef: api.imageId, networks: "none" } } });
const setQuota = (body: Record<string, unknown>, as: "admin" | "member" = "admin") =>
  api.call("PUT", `/v2.1/os-quota-sets/${projectA()}`, { as, body: { quota_set: body } });
const fault = (body: Record<string, unknown>) => (body["forbidden"] ?? body["badRequest"]) as { code: number; message: string } | undefined;

describe("quotas (os-quota-sets, limits)", () => {
  it("defaults are the configured ones, VM-only resources -1", async () => {
    const result = await api.call("GET", `/v2.1/os-quota-sets/${projectA()}/defaults`, { as: "reader" });
    expect(result.status).toBe(200);
    expect(quotaSet(result.json)).toMatchObject({ id: projectA(), instances: 3, "class:CUSTOM_CONFIGURED": 7, cores: -1, ram: -1, key_pairs: 100, metadata_items: 128 });
    // 2.1 clients still get the network and file keys Nova showed then.
    const old = await api.call("GET", `/v2.1/os-quota-sets/${projectA()}`, { as: "member", headers: { "x-openstack-nova-api-version": "2.1" } });
    expect(quotaSet(old.json)).toMatchObject({ instances: 3, floating_ips: -1, injected_files: -1 });
  });

  it("a member reads its own project's quotas; another project's is 403 as in Nova; an admin reads any", async () => {
    expect((await api.call("GET", `/v2.1/os-quota-sets/${projectA()}`, { as: "member" })).status).toBe(200);
    const refused = await api.call("GET", `/v2.1/os-quota-sets/${projectA()}`, { as: "other" });
    expect(refused.status).toBe(403);
    expect(fault(refused.json)?.message).toBe("Policy doesn't allow os_compute_api:os-quota-sets:show to be performed.");
    expect((await api.call("GET", `/v2.1/os-quota-sets/${projectA()}/detail`, { as: "other" })).status).toBe(403);
    expect(quotaSet((await api.call("GET", `/v2.1/os-quota-sets/${projectA()}`, { as: "admin" })).json)["instances"]).toBe(3);
  });

  it("only an admin changes quotas; VM-only keys, bad values and unknown projects are 400", async () => {
    expect((await setQuota({ instances: 5 }, "member")).status).toBe(403);
    const cores = await setQuota({ cores: 4 });
    expect(cores.status).toBe(400);
    expect(fault(cores.json)?.message).toContain("instances and class:<RESOURCE_CLASS>");
    expect((await setQuota({ instances: -2 })).status).toBe(400);
    expect((await api.call("PUT", "/v2.1/os-quota-sets/no-such-project", { body: { quota_set: { instances: 1 } } })).status).toBe(400);
    expect(quotaSet((await api.call("GET", `/v2.1/os-quota-sets/${projectA()}`, { as: "member" })).json)["instances"]).toBe(3);

    // The node's spelling of its class is taken as the Placement name the flavor asks for.
    const updated = await setQuota({ instances: "4", [`class:${api.resourceClass.toLowerCase()}`]: 2 });
    expect(updated.status).toBe(200);
    expect(quotaSet(updated.json)).not.toHaveProperty("id");
    expect(quotaSet(updated.json)).toMatchObject({ instances: 4, [`class:CUSTOM_${api.resourceClass}`]: 2, "class:CUSTOM_CONFIGURED": 7 });
    expect(quotaSet(updated.json)).not.toHaveProperty(`class:${api.resourceClass.toLowerCase()}`);
  });

  it("a create over a resource-class or the instances quota is 403 with Nova's text; a deleted server frees its place", async () => {
    // As the flavor's extra spec resources:CUSTOM_<CLASS>=1 and Nova's unified limits name it.
    const klass = `class:CUSTOM_${api.resourceClass}`;
    expect((await setQuota({ instances: 5, [klass]: 1 })).status).toBe(200);
    const first = await createServer("quota-1");
    expect(first.status).toBe(202);
    const firstId = (first.json["server"] as { id: string }).id;

    const overClass = await createServer("quota-2");
    expect(overClass.status).toBe(403);
    expect(fault(overClass.json)?.message).toBe(`Quota exceeded for ${klass}: Requested 1, but already used 1 of 1 ${klass}`);

    expect((await setQuota({ instances: 1, [klass]: -1 })).status).toBe(200);
    const overInstances = await createServer("quota-2");
    expect(overInstances.status).toBe(403);
    expect(fault(overInstances.json)?.message).toBe("Quota exceeded for instances: Requested 1, but already used 1 of 1 instances");

    const detail = quotaSet((await api.call("GET", `/v2.1/os-quota-sets/${projectA()}/detail`, { as: "reader" })).json);
    expect(detail["instances"]).toEqual({ in_use: 1, limit: 1, reserved: 0 });
    expect(detail[klass]).toEqual({ in_use: 1, limit: -1, reserved: 0 });
    const limits = (await api.call("GET", "/v2.1/limits", { as: "member" })).json["limits"] as { absolute: Record<string, number>; rate: unknown[] };
    expect(limits.rate).toEqual([]);
    expect(limits.absolute).toMatchObject({ maxTotalInstances: 1, totalInstancesUsed: 1, maxTotalCores: -1, totalCoresUsed: 0, maxTotalRAMSize: -1, maxTotalKeypairs: 100 });
    expect((await api.call("GET", `/v2.1/limits?tenant_id=${api.users.admin.projectId}`, { as: "member" })).status).toBe(403);

    // Lowering below what is in use needs force, as in Nova.
    expect((await setQuota({ instances: 0 })).status).toBe(400);
    expect((await setQuota({ instances: 0, force: true })).status).toBe(200);
    expect((await setQuota({ instances: 1 })).status).toBe(200);

    await api.waitForStatus(firstId, "ACTIVE", "member");
    expect((await api.call("DELETE", `/v2.1/servers/${firstId}`, { as: "member" })).status).toBe(204);
    await waitUntil("the server to be gone", async () => ((await api.call("GET", `/v2.1/servers/${firstId}`, { as: "member" })).status === 404 ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    const again = await createServer("quota-3");
    expect(again.status).toBe(202);
    const used = quotaSet((await api.call("GET", `/v2.1/os-quota-sets/${projectA()}/detail`, { as: "member" })).json);
    expect(used["instances"]).toEqual({ in_use: 1, limit: 1, reserved: 0 });

    // DELETE reverts to the defaults.
    expect((await api.call("DELETE", `/v2.1/os-quota-sets/${projectA()}`)).status).toBe(202);
    expect(quotaSet((await api.call("GET", `/v2.1/os-quota-sets/${projectA()}`, { as: "member" })).json)["instances"]).toBe(3);
  }, 120_000);
});

describe("compute.quotas config", () => {
  it("defaults to unlimited; maxServersPerProject is a deprecated alias (0 = unlimited), refused together with quotas.instances", () => {
    expect(computeConfigSchema.parse({}).quotas).toEqual({ instances: -1, resourceClasses: {} });
    expect(computeConfigSchema.parse({ maxServersPerProject: 4 }).quotas.instances).toBe(4);
    expect(computeConfigSchema.parse({ maxServersPerProject: 0 }).quotas.instances).toBe(-1);
    expect(computeConfigSchema.parse({ quotas: { instances: 10, resourceClasses: { CUSTOM_GPU: 2 } } }).quotas).toEqual({ instances: 10, resourceClasses: { CUSTOM_GPU: 2 } });
    expect(() => computeConfigSchema.parse({ maxServersPerProject: 4, quotas: { instances: 5 } })).toThrow(/deprecated alias/);
    expect(() => computeConfigSchema.parse({ quotas: { instances: -2 } })).toThrow();
  });
});
