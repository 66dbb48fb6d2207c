// Server groups through the real service on the real Ironic (issue 11 #4):
// Nova's os-server-groups shapes by microversion, who sees what, the quotas of
// groups and members, and placement over failure domains — here a node
// `properties` key, `rack`: two racks of two nodes each.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IronicClient } from "../../src/ironic/client.js";
import { testApiForFile } from "../support/api-service.js";
import { newClient, sharedIronicUrl } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("warn");
const api = testApiForFile("server-groups", {
  nodes: 4,
  log: log.logger,
  serverGroups: { failureDomain: "property:rack", maxPerProject: 5, maxMembers: 3 },
});
const latest = { "x-openstack-nova-api-version": "2.95" };
const v2_1 = { "x-openstack-nova-api-version": "2.1" };
const rackOf = new Map<string, string>();
let ironic: IronicClient;

beforeAll(async () => {
  ironic = newClient({ url: sharedIronicUrl() });
  for (const [index, node] of api.nodes.entries()) {
    const rack = index < 2 ? "r1" : "r2";
    rackOf.set(node, rack);
    await ironic.nodes.update(node, [{ op: "add", path: "/properties/rack", value: rack }]);
  }
});
afterAll(async () => {
  await ironic.close();
});

type Json = Record<string, unknown>;
const group = (body: Json) => body["server_group"] as Json;
const fault = (body: Json) => Object.values(body)[0] as { code: number; message: string };

async function createGroup(policy: string, extra: Json = {}, as: "member" | "other" = "member"): Promise<string> {
  const result = await api.call("POST", "/v2.1/os-server-groups", { as, headers: latest, body: { server_group: { name: `g-${policy}`, policy, ...extra } } });
  expect(result.status, JSON.stringify(result.json)).toBe(200);
  return group(result.json)["id"] as string;
}

async function createServer(name: string, groupId: string): Promise<{ status: number; id?: string; json: Json }> {
  const result = await api.call("POST", "/v2.1/servers", {
    as: "member",
    body: { server: { name, flavorRef: api.flavorId, imageRef: api.imageId, networks: "none" }, "os:scheduler_hints": { group: groupId } },
  });
  const server = result.json["server"] as { id?: string } | undefined;
  return { status: result.status, json: result.json, ...(server?.id === undefined ? {} : { id: server.id }) };
}

/** The rack of the node the (ACTIVE) server is on, read as an admin. */
async function rackOfServer(id: string): Promise<string> {
  const shown = await api.call("GET", `/v2.1/servers/${id}`, { as: "admin" });
  const node = (shown.json["server"] as Json)["OS-EXT-SRV-ATTR:hypervisor_hostname"] as string;
  const rack = rackOf.get(node);
  if (rack === undefined) throw new Error(`server ${id} is on unknown node ${node}`);
  return rack;
}

async function deleteServer(id: string): Promise<void> {
  expect((await api.call("DELETE", `/v2.1/servers/${id}`, { as: "member" })).status).toBe(204);
  for (let i = 0; i < 600; i++) {
    if ((await api.call("GET", `/v2.1/servers/${id}`, { as: "member" })).status === 404) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server ${id} was not deleted`);
}

describe("os-server-groups", () => {
  it("create, show, list and delete in Nova's shapes by microversion", async () => {
    const created = await api.call("POST", "/v2.1/os-server-groups", {
      as: "member",
      headers: latest,
      body: { server_group: { name: "spread", policy: "anti-affinity", rules: { max_server_per_host: 2 } } },
    });
    expect(created.status).toBe(200);
    const id = group(created.json)["id"] as string;
    expect(group(created.json)).toEqual({
      id,
      name: "spread",
      policy: "anti-affinity",
      rules: { max_server_per_host: 2 },
      members: [],
      project_id: api.users.member.projectId,
      user_id: api.users.member.id,
    });
    const old = await api.call("GET", `/v2.1/os-server-groups/${id}`, { as: "reader", headers: v2_1 });
    expect(group(old.json)).toEqual({ id, name: "spread", policies: ["anti-affinity"], metadata: {}, members: [] });

    const legacy = await api.call("POST", "/v2.1/os-server-groups", { as: "member", headers: { "x-openstack-nova-api-version": "2.15" }, body: { server_group: { name: "soft", policies: ["soft-affinity"] } } });
    expect(legacy.status).toBe(200);
    expect(group(legacy.json)).toMatchObject({ policies: ["soft-affinity"], project_id: api.users.member.projectId });

    const listed = await api.call("GET", "/v2.1/os-server-groups", { as: "reader", headers: latest });
    const ids = (listed.json["server_groups"] as Json[]).map((g) => g["id"]);
    expect(ids).toEqual(expect.arrayContaining([id, group(legacy.json)["id"]]));
    expect((await api.call("GET", "/v2.1/os-server-groups?limit=1&offset=1", { as: "reader" })).json["server_groups"]).toHaveLength(1);

    // Another project neither sees it nor deletes it; all_projects is an admin's.
    expect((await api.call("GET", `/v2.1/os-server-groups/${id}`, { as: "other" })).status).toBe(404);
    expect((await api.call("DELETE", `/v2.1/os-server-groups/${id}`, { as: "other" })).status).toBe(404);
    const othersAll = await api.call("GET", "/v2.1/os-server-groups?all_projects=True", { as: "other" });
    expect((othersAll.json["server_groups"] as Json[]).map((g) => g["id"])).not.toContain(id);
    const adminAll = await api.call("GET", "/v2.1/os-server-groups?all_projects", { as: "admin" });
    expect((adminAll.json["server_groups"] as Json[]).map((g) => g["id"])).toContain(id);
    expect((await api.call("GET", "/v2.1/os-server-groups/not-a-uuid", { as: "member" })).status).toBe(404);

    expect((await api.call("DELETE", `/v2.1/os-server-groups/${id}`, { as: "reader" })).status).toBe(403);
    expect((await api.call("DELETE", `/v2.1/os-server-groups/${id}`, { as: "member" })).status).toBe(204);
    const gone = await api.call("GET", `/v2.1/os-server-groups/${id}`, { as: "member" });
    expect(gone.status).toBe(404);
    expect(fault(gone.json).message).toBe(`Instance group ${id} could not be found.`);
    expect((await api.call("DELETE", `/v2.1/os-server-groups/${group(legacy.json)["id"] as string}`, { as: "member" })).status).toBe(204);
  });

  it("refuses what Nova refuses: soft policies before 2.15, rules before 2.64 or on another policy, bad names", async () => {
    const post = (headers: Record<string, string>, server_group: Json) => api.call("POST", "/v2.1/os-server-groups", { as: "member", headers, body: { server_group } });
    expect((await post(v2_1, { name: "x", policies: ["soft-anti-affinity"] })).status).toBe(400);
    expect((await post(v2_1, { name: "x", policy: "affinity" })).status).toBe(400);
    expect((await post(latest, { name: "x", policies: ["affinity"] })).status).toBe(400);
    const rule = await post(latest, { name: "x", policy: "affinity", rules: { max_server_per_host: 2 } });
    expect(rule.status).toBe(400);
    expect(fault(rule.json).message).toBe("Only anti-affinity policy supports rules.");
    expect((await post(latest, { name: "x", policy: "anti-affinity", rules: { max_server_per_host: 0 } })).status).toBe(400);
    expect((await post(latest, { name: "x", policy: "spread-out" })).status).toBe(400);
    expect((await post(latest, { name: "", policy: "affinity" })).status).toBe(400);
    expect((await api.call("POST", "/v2.1/os-server-groups", { as: "reader", headers: latest, body: { server_group: { name: "x", policy: "affinity" } } })).status).toBe(403);
  });

  it("a project has at most maxPerProject groups (Nova's 403), shown in its quotas and limits", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await createGroup("soft-affinity", {}, "other"));
    const refused = await api.call("POST", "/v2.1/os-server-groups", { as: "other", headers: latest, body: { server_group: { name: "sixth", policy: "affinity" } } });
    expect(refused.status).toBe(403);
    expect(fault(refused.json).message).toBe("Quota exceeded, too many server groups.");
    const quotas = (await api.call("GET", `/v2.1/os-quota-sets/${api.users.other.projectId}/detail`, { as: "other" })).json["quota_set"] as Json;
    expect(quotas["server_groups"]).toEqual({ in_use: 5, limit: 5, reserved: 0 });
    expect(quotas["server_group_members"]).toEqual({ in_use: 0, limit: 3, reserved: 0 });
    const limits = ((await api.call("GET", "/v2.1/limits", { as: "other" })).json["limits"] as { absolute: Json }).absolute;
    expect(limits).toMatchObject({ maxServerGroups: 5, maxServerGroupMembers: 3, totalServerGroupsUsed: 5 });
    for (const id of ids) expect((await api.call("DELETE", `/v2.1/os-server-groups/${id}`, { as: "other" })).status).toBe(204);
  });
});

describe("placement by server group over failure domains (rack)", () => {
  it("anti-affinity: servers created at once land on different racks; one more finds none; a delete frees its rack", async () => {
    const groupId = await createGroup("anti-affinity");
    const created = await Promise.all(["anti-1", "anti-2", "anti-3"].map((name) => createServer(name, groupId)));
    for (const result of created) expect(result.status).toBe(202);
    const ids = created.map((result) => result.id ?? "");
    const ends = await Promise.all(ids.map(async (id) => {
      for (let i = 0; i < 900; i++) {
        const server = (await api.call("GET", `/v2.1/servers/${id}`, { as: "member" })).json["server"] as Json;
        if ((server["status"] === "ACTIVE" || server["status"] === "ERROR") && server["OS-EXT-STS:task_state"] === null) return server;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`server ${id} did not settle`);
    }));
    const active = ends.filter((server) => server["status"] === "ACTIVE").map((server) => server["id"] as string);
    const failed = ends.filter((server) => server["status"] === "ERROR");
    expect(active).toHaveLength(2);
    expect(failed).toHaveLength(1);
    expect((failed[0]?.["fault"] as { message: string }).message).toContain("No valid host was found");
    expect(new Set(await Promise.all(active.map(rackOfServer)))).toEqual(new Set(["r1", "r2"]));

    const shown = await api.call("GET", `/v2.1/servers/${active[0] ?? ""}`, { as: "member", headers: latest });
    expect((shown.json["server"] as Json)["server_groups"]).toEqual([groupId]);
    const members = group((await api.call("GET", `/v2.1/os-server-groups/${groupId}`, { as: "member" })).json)["members"] as string[];
    expect([...members].sort()).toEqual([...ids].sort()); // the ERROR one is still a member, as in Nova

    // The member limit (3) counts live servers: the ERROR one must go first.
    const full = await createServer("anti-4", groupId);
    expect(full.status).toBe(403);
    expect(fault(full.json).message).toBe("Quota exceeded, too many servers in group");
    await deleteServer(failed[0]?.["id"] as string);
    const freedRack = await rackOfServer(active[0] ?? "");
    await deleteServer(active[0] ?? "");
    const again = await createServer("anti-5", groupId);
    expect(again.status).toBe(202);
    await api.waitForStatus(again.id ?? "", "ACTIVE");
    expect(await rackOfServer(again.id ?? "")).toBe(freedRack);
    for (const id of [active[1] ?? "", again.id ?? ""]) await deleteServer(id);
  });

  it("affinity keeps members on one rack; soft-anti-affinity prefers another", async () => {
    const together = await createGroup("affinity");
    const first = await createServer("aff-1", together);
    await api.waitForStatus(first.id ?? "", "ACTIVE");
    const second = await createServer("aff-2", together);
    await api.waitForStatus(second.id ?? "", "ACTIVE");
    const rack = await rackOfServer(first.id ?? "");
    expect(await rackOfServer(second.id ?? "")).toBe(rack);
    // The rack is full: affinity cannot go elsewhere.
    const third = await createServer("aff-3", together);
    const ended = await api.waitForStatus(third.id ?? "", "ERROR");
    expect((ended["fault"] as { message: string }).message).toContain("No valid host was found");
    for (const id of [first.id, second.id, third.id]) await deleteServer(id ?? "");

    const spread = await createGroup("soft-anti-affinity");
    const a = await createServer("soft-1", spread);
    await api.waitForStatus(a.id ?? "", "ACTIVE");
    const b = await createServer("soft-2", spread);
    await api.waitForStatus(b.id ?? "", "ACTIVE");
    expect(await rackOfServer(b.id ?? "")).not.toBe(await rackOfServer(a.id ?? ""));
    for (const id of [a.id, b.id]) await deleteServer(id ?? "");
  });

  it("a hint naming an unknown or another project's group is 400 with Nova's text, and creates nothing", async () => {
    const others = await createGroup("affinity", {}, "other");
    for (const groupId of [others, "00000000-0000-4000-8000-000000000000"]) {
      const refused = await createServer("nope", groupId);
      expect(refused.status).toBe(400);
      expect(fault(refused.json).message).toBe(`Instance group ${groupId} could not be found.`);
    }
    const badHint = await api.call("POST", "/v2.1/servers", {
      as: "member",
      body: { server: { name: "nope", flavorRef: api.flavorId, imageRef: api.imageId, networks: "none" }, "os:scheduler_hints": { group: "rack-1" } },
    });
    expect(badHint.status).toBe(400);
    const servers = (await api.call("GET", "/v2.1/servers?name=nope", { as: "member" })).json["servers"] as unknown[];
    expect(servers).toEqual([]);
  });
});
