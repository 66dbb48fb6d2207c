// The audit of admin changes through the real service (issue 11, item 8): every
// change to flavors, images, projects, users and quotas leaves a row saying who,
// when, what and how; only admins read them; no password or hash ever shows.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { testApiForFile } from "../support/api-service.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("warn");
const api = testApiForFile("admin-audit", { log: log.logger, nodes: 1 });

type Entry = Record<string, unknown> & { id: string; resource_id: string; action: string; changes: Record<string, unknown> };

async function audit(query = ""): Promise<Entry[]> {
  const result = await api.call("GET", `/admin/v1/audit${query}`);
  expect(result.status, result.text).toBe(200);
  return result.json["audit"] as Entry[];
}

const basicOf = (name: string, password: string): string => `Basic ${Buffer.from(`${name}:${password}`).toString("base64")}`;

describe("GET /admin/v1/audit", () => {
  it("records project, flavor, image and quota changes with who made them, newest first", async () => {
    const project = await api.call("POST", "/admin/v1/projects", { body: { name: `audited-${randomUUID().slice(0, 8)}` } });
    expect(project.status, project.text).toBe(201);
    const projectId = (project.json["project"] as { id: string }).id;
    const quota = await api.call("PUT", `/v2.1/os-quota-sets/${projectId}`, { body: { quota_set: { instances: 10 } } });
    expect(quota.status, quota.text).toBe(200);
    expect((await api.call("PUT", `/v2.1/os-quota-sets/${projectId}`, { body: { quota_set: { instances: 20 } } })).status).toBe(200);
    expect((await api.call("DELETE", `/v2.1/os-quota-sets/${projectId}`)).status).toBe(202);
    const flavor = await api.call("POST", "/v2.1/flavors", {
      body: { flavor: { name: `audited-${randomUUID().slice(0, 8)}`, ram: 1024, vcpus: 1, disk: 10 } },
    });
    expect(flavor.status, flavor.text).toBe(200);
    const flavorId = (flavor.json["flavor"] as { id: string }).id;
    expect((await api.call("POST", `/v2.1/flavors/${flavorId}/os-extra_specs`, { body: { extra_specs: { "resources:CUSTOM_AUDIT": "1" } } })).status).toBe(200);
    expect((await api.call("DELETE", `/v2.1/flavors/${flavorId}`)).status).toBe(202);
    const image = await api.call("POST", "/image/v2/images", {
      body: { name: "audited-image", url: "https://images.example/signed.qcow2?sig=SECRET-SIGNATURE", disk_format: "qcow2" },
    });
    expect(image.status, image.text).toBe(201);
    const imageId = image.json["id"] as string;
    expect((await api.call("DELETE", `/image/v2/images/${imageId}`)).status).toBe(204);
    expect((await api.call("DELETE", `/admin/v1/projects/${projectId}`)).status).toBe(204);

    const forProject = await audit(`?resource_type=project&resource_id=${projectId}`);
    expect(forProject.map((entry) => entry.action)).toEqual(["delete", "create"]);
    expect(forProject[1]).toMatchObject({
      user_id: api.users.admin.id,
      user_name: "admin",
      project_id: api.users.admin.projectId,
      resource_type: "project",
      resource_name: (project.json["project"] as { name: string }).name,
    });
    expect(String(forProject[1]?.["request_id"])).toMatch(/^req-/);
    expect((await audit(`?resource_type=quota&resource_id=${projectId}`)).map((entry) => [entry.action, entry.changes])).toEqual([
      ["delete", { instances: { from: 20, to: null } }],
      ["update", { instances: { from: 10, to: 20 } }],
      ["update", { instances: { from: null, to: 10 } }],
    ]);
    const forFlavor = await audit(`?resource_id=${flavorId}`);
    expect(forFlavor.map((entry) => entry.action)).toEqual(["delete", "update", "create"]);
    expect(forFlavor[1]).toMatchObject({ changes: { extra_specs: { set: { "resources:CUSTOM_AUDIT": "1" } } } });
    const imageRows = await audit(`?resource_type=image&resource_id=${imageId}`);
    expect(imageRows.map((entry) => entry.action)).toEqual(["delete", "create"]);
    expect(imageRows[1]?.changes).toMatchObject({ url_host: "images.example" });
    expect(JSON.stringify(imageRows)).not.toContain("SECRET-SIGNATURE");
  });

  it("a user's create, role change, password reset and own password change are audited without the password or its hash", async () => {
    const name = `audited-${randomUUID().slice(0, 8)}`;
    const first = `first-${randomUUID()}`;
    const reset = `reset-${randomUUID()}`;
    const own = `own-${randomUUID()}`;
    const created = await api.call("POST", "/admin/v1/users", { body: { name, password: first, project_id: api.users.member.projectId, role: "reader" } });
    expect(created.status, created.text).toBe(201);
    const userId = (created.json["user"] as { id: string }).id;
    const firstHash = (await api.running.store.users.get(userId))?.passwordHash ?? "";
    expect((await api.call("PATCH", `/admin/v1/users/${userId}`, { body: { role: "member" } })).status).toBe(200);
    expect((await api.call("PATCH", `/admin/v1/users/${userId}`, { body: { password: reset } })).status).toBe(200);
    const resetHash = (await api.running.store.users.get(userId))?.passwordHash ?? "";
    const changed = await api.call("POST", `/identity/v3/users/${userId}/password`, {
      headers: { authorization: basicOf(name, reset) },
      body: { user: { original_password: reset, password: own } },
    });
    expect(changed.status, changed.text).toBe(204);
    const ownHash = (await api.running.store.users.get(userId))?.passwordHash ?? "";
    expect((await api.call("DELETE", `/admin/v1/users/${userId}`)).status).toBe(204);

    const rows = await audit(`?resource_type=user&resource_id=${userId}`);
    expect(rows.map((entry) => [entry.action, entry.changes])).toEqual([
      ["delete", {}],
      ["update", { password: "changed" }],
      ["update", { password: "changed" }],
      ["update", { role: { from: "reader", to: "member" } }],
      ["create", { project_id: api.users.member.projectId, role: "reader", password: "set" }],
    ]);
    // The own change is recorded as the user's, the others as the admin's.
    expect(rows[1]?.["user_id"]).toBe(userId);
    expect(rows[2]?.["user_id"]).toBe(api.users.admin.id);
    expect((await audit(`?user_id=${userId}`)).map((entry) => entry.id)).toEqual([rows[1]?.id]);

    // Neither the API's answer nor the stored rows hold a password or a hash.
    const stored = JSON.stringify(await api.running.store.adminAudit.list({ limit: 1000 }));
    for (const secret of [first, reset, own, firstHash, resetHash, ownHash]) {
      expect(secret.length).toBeGreaterThan(8);
      expect(JSON.stringify(rows)).not.toContain(secret);
      expect(stored).not.toContain(secret);
    }
    expect(stored).not.toContain("$2");
    for (const body of api.responses.filter((text) => text.includes('"audit"'))) {
      for (const secret of [first, reset, own, firstHash, resetHash, ownHash]) expect(body).not.toContain(secret);
    }
  });

  it("pages newest first by limit and marker, and filters by time", async () => {
    const all = await audit("?limit=1000");
    expect(all.length).toBeGreaterThan(3);
    const times = all.map((entry) => String(entry["created_at"]));
    expect([...times].sort().reverse()).toEqual(times);
    const firstPage = await audit("?limit=2");
    expect(firstPage.map((entry) => entry.id)).toEqual(all.slice(0, 2).map((entry) => entry.id));
    const next = await audit(`?limit=2&marker=${firstPage[1]?.id ?? ""}`);
    expect(next.map((entry) => entry.id)).toEqual(all.slice(2, 4).map((entry) => entry.id));
    const oldest = all.at(-1);
    const since = String(oldest?.["created_at"]);
    expect((await audit(`?until=${encodeURIComponent(since)}`)).map((entry) => entry.id)).toContain(oldest?.id);
    expect((await audit("?since=2999-01-01T00:00:00Z")).length).toBe(0);
    expect((await audit(`?since=${encodeURIComponent(since.replace("Z", "+00:00"))}`)).length).toBe(all.length);
  });

  it("is for admins only; bad filters are 400", async () => {
    expect((await api.call("GET", "/admin/v1/audit", { as: "member" })).status).toBe(403);
    expect((await api.call("GET", "/admin/v1/audit", { as: "reader" })).status).toBe(403);
    expect((await api.call("GET", "/admin/v1/audit", { as: "anonymous" })).status).toBe(401);
    for (const query of ["?limit=0", "?limit=1001", "?since=yesterday", "?resource_type=server", "?unknown=1"]) {
      expect((await api.call("GET", `/admin/v1/audit${query}`)).status, query).toBe(400);
    }
  });
});
