// Flavors, images (both mounts), keypairs, hypervisors, projects, users and
// external events through the HTTP API on the real service.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { legacyHypervisorId } from "../../src/api/hypervisor-routes.js";
import { testApiForFile } from "../support/api-service.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("info");
const api = testApiForFile("resources", { nodes: 1, log: log.logger });


describe("flavors", () => {
  it("create (admin), list, detail, show, extra specs, delete", async () => {
    const created = await api.call("POST", "/v2.1/flavors", {
      body: {
        flavor: {
          name: "gold-resources",
          id: "gold-1",
          ram: 1024,
          vcpus: 2,
          disk: 20,
        },
      },
      headers: { "openstack-api-version": "compute 2.61" },
    });
    expect(created.status, created.text).toBe(200);
    expect(created.json["flavor"]).toMatchObject({ id: "gold-1", name: "gold-resources", "os-flavor-access:is_public": true, extra_specs: {} });
    const set = await api.call("POST", "/v2.1/flavors/gold-1/os-extra_specs", {
      body: { extra_specs: { "resources:CUSTOM_BAREMETAL_GOLD": "1", "trait:CUSTOM_GOLD": "required", "capabilities:boot_mode": "uefi" } },
    });
    expect(set.status, set.text).toBe(200);
    const summary = await api.call("GET", "/v2.1/flavors", { as: "reader" });
    expect(summary.json["flavors"]).toEqual(expect.arrayContaining([expect.objectContaining({ id: "gold-1", name: "gold-resources" })]));
    const detail = await api.call("GET", "/v2.1/flavors/detail?is_public=None", { as: "member" });
    expect(detail.json["flavors"]).toEqual(expect.arrayContaining([expect.objectContaining({ id: "gold-1", ram: 1024, swap: "" })]));
    expect((await api.call("GET", "/v2.1/flavors/gold-1", { as: "member" })).json["flavor"]).toMatchObject({ vcpus: 2, disk: 20 });
    expect((await api.call("GET", "/v2.1/flavors/gold-resources", { as: "member" })).status).toBe(404);
    const specs = await api.call("GET", "/v2.1/flavors/gold-1/os-extra_specs", { as: "member" });
    expect(specs.json["extra_specs"]).toHaveProperty("resources:CUSTOM_BAREMETAL_GOLD", "1");
    expect((await api.call("POST", "/v2.1/flavors", { as: "member", body: { flavor: { name: "x", ram: 1, vcpus: 1, disk: 1 } } })).status).toBe(403);
    expect((await api.call("DELETE", "/v2.1/flavors/gold-1")).status).toBe(202);
    expect((await api.call("GET", "/v2.1/flavors/gold-1")).status).toBe(404);
  });

  it("pages with limit and marker", async () => {
    const first = await api.call("GET", "/v2.1/flavors/detail?limit=1", { as: "member" });
    expect(first.json["flavors"]).toHaveLength(1);
    expect(first.json["flavors_links"]).toEqual([expect.objectContaining({ rel: "next" })]);
    const marker = (first.json["flavors"] as Array<{ id: string }>)[0]?.id ?? "";
    const rest = await api.call("GET", `/v2.1/flavors/detail?marker=${encodeURIComponent(marker)}`, { as: "member" });
    expect((rest.json["flavors"] as Array<{ id: string }>).map((flavor) => flavor.id)).not.toContain(marker);
    expect((await api.call("GET", "/v2.1/flavors/detail?marker=no-such-flavor", { as: "member" })).status).toBe(400);
  });
});

describe("images", () => {
  it("are served in Glance's shape at /image/v2 and /v2.1", async () => {
    const created = await api.call("POST", "/image/v2/images", {
      body: { name: "cirros-resources", url: "https://images.example/cirros.qcow2", os_hash_algo: "sha256", os_hash_value: "a".repeat(64), os_distro: "cirros" },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.json["id"] as string;
    expect(created.json).toMatchObject({ name: "cirros-resources", status: "active", visibility: "public", os_distro: "cirros", self: `/v2/images/${id}` });
    for (const prefix of ["/image/v2", "/v2.1"]) {
      const shown = await api.call("GET", `${prefix}/images/${id}`, { as: "member" });
      expect(shown.status).toBe(200);
      expect(shown.json).toMatchObject({ id, name: "cirros-resources", disk_format: "qcow2" });
      expect(shown.json).not.toHaveProperty("direct_url");
      const byName = await api.call("GET", `${prefix}/images?name=cirros-resources`, { as: "member" });
      expect(byName.json).toMatchObject({ images: [{ id }], first: "/v2/images", schema: "/v2/schemas/images" });
      expect((await api.call("GET", `${prefix}/images/cirros-resources`, { as: "member" })).status).toBe(404);
    }
    expect((await api.call("GET", `/image/v2/images/${id}`)).json).toHaveProperty("direct_url", "https://images.example/cirros.qcow2");
    const page = await api.call("GET", "/image/v2/images?limit=1", { as: "member" });
    expect(page.json["images"]).toHaveLength(1);
    expect(page.json["next"]).toMatch(/^\/v2\/images\?marker=[0-9a-f-]+&limit=1$/);
    expect((await api.call("DELETE", `/image/v2/images/${id}`, { as: "member" })).status).toBe(403);
    expect((await api.call("DELETE", `/image/v2/images/${id}`)).status).toBe(204);
    expect((await api.call("GET", `/v2.1/images/${id}`, { as: "member" })).status).toBe(404);
  });

  it("refuse bad URLs and unknown shapes with 400", async () => {
    expect((await api.call("POST", "/image/v2/images", { body: { name: "bad", url: "file:///etc/passwd" } })).status).toBe(400);
    expect((await api.call("POST", "/image/v2/images", { body: { name: "bad", url: "http://x/y", size: "big" } })).status).toBe(400);
  });
});

describe("keypairs", () => {
  it("a generated private key is returned once; list items are wrapped; 200 at 2.1, 201 from 2.2", async () => {
    const created = await api.call("POST", "/v2.1/os-keypairs", { as: "member", body: { keypair: { name: "kp-generated" } } });
    expect(created.status).toBe(200);
    const keypair = created.json["keypair"] as Record<string, unknown>;
    expect(keypair["private_key"]).toMatch(/PRIVATE KEY/);
    expect(keypair).toMatchObject({ name: "kp-generated", user_id: api.users.member.id });
    expect(keypair).not.toHaveProperty("type");
    const privateKey = keypair["private_key"] as string;
    const modern = await api.call("POST", "/v2.1/os-keypairs", {
      as: "member",
      body: { keypair: { name: "kp-imported", public_key: keypair["public_key"] } },
      headers: { "openstack-api-version": "compute 2.10" },
    });
    expect(modern.status).toBe(201);
    expect(modern.json["keypair"]).toMatchObject({ name: "kp-imported", type: "ssh" });
    expect(modern.json["keypair"]).not.toHaveProperty("private_key");
    const list = await api.call("GET", "/v2.1/os-keypairs", { as: "member" });
    expect(list.json["keypairs"]).toEqual(
      expect.arrayContaining([{ keypair: expect.objectContaining({ name: "kp-generated", fingerprint: expect.any(String) as string }) as unknown }]),
    );
    const shown = await api.call("GET", "/v2.1/os-keypairs/kp-generated", { as: "member" });
    expect(shown.json["keypair"]).toMatchObject({ name: "kp-generated", deleted: false });
    expect((await api.call("GET", "/v2.1/os-keypairs/kp-generated", { as: "other" })).status).toBe(404);
    expect((await api.call("POST", "/v2.1/os-keypairs", { as: "member", body: { keypair: { name: "kp-generated" } } })).status).toBe(409);
    expect((await api.call("DELETE", "/v2.1/os-keypairs/kp-generated", { as: "member" })).status).toBe(202);
    expect((await api.call("DELETE", "/v2.1/os-keypairs/kp-imported", { as: "member", headers: { "x-openstack-nova-api-version": "2.2" } })).status).toBe(204);
    // One line of the key's body (JSON escapes the newlines between lines).
    const keyLine = privateKey.split("\n")[2] ?? "missing";
    expect(keyLine.length).toBeGreaterThan(40);
    expect(api.responses.filter((text) => text.includes(keyLine))).toHaveLength(1);
    expect(log.text()).not.toContain(keyLine);
  });
});

describe("keypair quota (issue 8 #8)", () => {
  // An ssh-ed25519 line: the type in the blob, 32 random bytes (never used to log in).
  const importable = (): string => {
    const field = (data: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, data.length]), data]);
    return `ssh-ed25519 ${Buffer.concat([field(Buffer.from("ssh-ed25519")), field(randomBytes(32))]).toString("base64")} quota`;
  };

  it("a user has at most 100 key pairs: the 101st is Nova's 403, whether imported or generated", async () => {
    const create = (name: string, publicKey?: string) =>
      api.call("POST", "/v2.1/os-keypairs", { as: "other", body: { keypair: { name, ...(publicKey === undefined ? {} : { public_key: publicKey }) } } });
    for (let index = 0; index < 100; index += 1) {
      const created = await create(`quota-${index}`, importable());
      expect(created.status, created.text).toBe(200);
    }
    const over = await create("quota-100", importable());
    expect(over.status).toBe(403);
    expect(over.json).toEqual({ forbidden: { code: 403, message: "Quota exceeded, too many key pairs." } });
    expect((await create("quota-generated")).status).toBe(403);
    // Another user's quota is their own; a freed slot can be used again.
    expect((await api.call("POST", "/v2.1/os-keypairs", { as: "member", body: { keypair: { name: "quota-member", public_key: importable() } } })).status).toBe(200);
    expect((await api.call("DELETE", "/v2.1/os-keypairs/quota-0", { as: "other" })).status).toBe(202);
    expect((await create("quota-again", importable())).status).toBe(200);
    for (const name of ["quota-again", ...Array.from({ length: 99 }, (_, index) => `quota-${index + 1}`)]) {
      expect((await api.call("DELETE", `/v2.1/os-keypairs/${name}`, { as: "other" })).status).toBe(202);
    }
    expect((await api.call("DELETE", "/v2.1/os-keypairs/quota-member", { as: "member" })).status).toBe(202);
  });
});

describe("hypervisors", () => {
  it("nodes as hypervisors: integer ids below 2.53, UUIDs from 2.53 (admin only)", async () => {
    const node = api.nodes[0] ?? "";
    const legacy = await api.call("GET", "/v2.1/os-hypervisors/detail");
    const mine = (legacy.json["hypervisors"] as Array<Record<string, unknown>>).find((item) => item["hypervisor_hostname"] === node);
    expect(mine).toMatchObject({ id: legacyHypervisorId(node), hypervisor_type: "ironic", state: "up", status: "enabled", vcpus: 8, memory_mb: 16_384 });
    const byInt = await api.call("GET", `/v2.1/os-hypervisors/${legacyHypervisorId(node)}`);
    expect(byInt.json["hypervisor"]).toMatchObject({ hypervisor_hostname: node });
    const modern = await api.call("GET", "/v2.1/os-hypervisors", { headers: { "openstack-api-version": "compute 2.88" } });
    expect(modern.json["hypervisors"]).toEqual(expect.arrayContaining([expect.objectContaining({ id: node, hypervisor_hostname: node })]));
    const byUuid = await api.call("GET", `/v2.1/os-hypervisors/${node}`, { headers: { "openstack-api-version": "compute 2.53" } });
    expect(byUuid.status).toBe(200);
    expect((await api.call("GET", "/v2.1/os-hypervisors", { as: "member" })).status).toBe(403);
  });

  it("the admin node API shows the node and its state", async () => {
    const node = api.nodes[0] ?? "";
    const list = await api.call("GET", "/admin/v1/nodes");
    expect(list.json["nodes"]).toEqual(expect.arrayContaining([expect.objectContaining({ uuid: node, resource_class: api.resourceClass, provision_state: "available" })]));
    expect((await api.call("GET", `/admin/v1/nodes/${node}`)).json["node"]).toMatchObject({ uuid: node, available: true });
    expect((await api.call("GET", "/admin/v1/nodes/not-a-node")).status).toBe(404);
  });
});

describe("projects and users", () => {
  it("round trip; passwords never come back", async () => {
    const project = await api.call("POST", "/admin/v1/projects", { body: { name: "extra-resources", description: "for the test" } });
    expect(project.status).toBe(201);
    const projectId = (project.json["project"] as { id: string }).id;
    const password = "user-password-4d1e9";
    const user = await api.call("POST", "/admin/v1/users", { body: { name: "extra-user-resources", password, project_id: projectId, role: "reader" } });
    expect(user.status, user.text).toBe(201);
    expect(user.json["user"]).toMatchObject({ name: "extra-user-resources", project_id: projectId, role: "reader" });
    const userId = (user.json["user"] as { id: string }).id;
    const users = await api.call("GET", "/admin/v1/users");
    expect(users.json["users"]).toEqual(expect.arrayContaining([expect.objectContaining({ id: userId })]));
    const basic = `Basic ${Buffer.from(`extra-user-resources:${password}`).toString("base64")}`;
    expect((await api.call("GET", "/v2.1/servers", { as: "anonymous", headers: { authorization: basic } })).status).toBe(200);
    expect((await api.call("DELETE", `/admin/v1/projects/${projectId}`)).status).toBe(409);
    expect((await api.call("DELETE", `/admin/v1/users/${userId}`)).status).toBe(204);
    expect((await api.call("DELETE", `/admin/v1/projects/${projectId}`)).status).toBe(204);
    expect((await api.call("GET", "/admin/v1/projects")).json["projects"]).not.toEqual(expect.arrayContaining([expect.objectContaining({ id: projectId })]));
    expect((await api.call("GET", "/admin/v1/users", { as: "member" })).status).toBe(403);
    expect(api.responses.some((text) => text.includes(password))).toBe(false);
    expect(api.responses.some((text) => text.includes("passwordHash") || text.includes("$2"))).toBe(false);
    expect(log.text()).not.toContain(password);
  });
});

describe("logins (issue 8 #7)", () => {
  it("a deleted user's cached login stops working at once", async () => {
    const project = await api.call("POST", "/admin/v1/projects", { body: { name: "gone-resources" } });
    const projectId = (project.json["project"] as { id: string }).id;
    const password = "gone-user-password-1";
    const user = await api.call("POST", "/admin/v1/users", { body: { name: "gone-user", password, project_id: projectId, role: "reader" } });
    const basic = { authorization: `Basic ${Buffer.from(`gone-user:${password}`).toString("base64")}` };
    expect((await api.call("GET", "/v2.1/servers", { as: "anonymous", headers: basic })).status).toBe(200);
    expect((await api.call("DELETE", `/admin/v1/users/${(user.json["user"] as { id: string }).id}`)).status).toBe(204);
    expect((await api.call("GET", "/v2.1/servers", { as: "anonymous", headers: basic })).status).toBe(401);
  });

  it("unknown users and wrong passwords get the same 401, and the failures are logged at warn without the password", async () => {
    const unknown = await api.call("GET", "/v2.1/servers", { as: "anonymous", headers: { authorization: `Basic ${Buffer.from("nobody-here:guess-one-1").toString("base64")}` } });
    const wrong = await api.call("GET", "/v2.1/servers", { as: "anonymous", headers: { authorization: `Basic ${Buffer.from(`member-resources:guess-two-2`).toString("base64")}` } });
    expect([unknown.status, wrong.status]).toEqual([401, 401]);
    expect(unknown.text).toBe(wrong.text);
    expect(log.text()).toMatch(/"level":40[^\n]*"user":"nobody-here"[^\n]*"msg":"failed login"/);
    expect(log.text()).not.toMatch(/guess-one-1|guess-two-2/);
  });
});

describe("passwords and bcrypt's 72-byte limit (issue 8 #13)", () => {
  it("two passwords sharing their first 72 bytes are different passwords", async () => {
    const project = await api.call("POST", "/admin/v1/projects", { body: { name: "long-pw-resources" } });
    const projectId = (project.json["project"] as { id: string }).id;
    const create = (name: string, password: string) =>
      api.call("POST", "/admin/v1/users", { body: { name, password, project_id: projectId, role: "reader" } });
    const login = (name: string, password: string) =>
      api.call("GET", "/v2.1/servers", { as: "anonymous", headers: { authorization: `Basic ${Buffer.from(`${name}:${password}`).toString("base64")}` } });
    const shared = "p".repeat(72);
    // Over 72 bytes is refused with a clear 400, counted in bytes (é is two).
    const tooLong = await create("long-pw-a", `${shared}-one`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.json).toHaveProperty("badRequest.message", expect.stringContaining("72 bytes") as unknown);
    expect((await create("long-pw-b", `${"é".repeat(36)}x`)).status).toBe(400);
    // Exactly 72 bytes works; a longer password that starts with it does not log in.
    const user = await create("long-pw-c", shared);
    expect(user.status, user.text).toBe(201);
    expect((await login("long-pw-c", shared)).status).toBe(200);
    expect((await login("long-pw-c", `${shared}-two`)).status).toBe(401);
    expect((await api.call("DELETE", `/admin/v1/users/${(user.json["user"] as { id: string }).id}`)).status).toBe(204);
  });
});

describe("external events", () => {
  it("unknown servers give 404; the event shape is validated", async () => {
    const unknown = await api.call("POST", "/v2.1/os-server-external-events", {
      body: { events: [{ name: "power-update", server_uuid: "00000000-0000-4000-8000-000000000000", tag: "POWER_OFF" }] },
    });
    expect(unknown.status).toBe(404);
    expect((await api.call("POST", "/v2.1/os-server-external-events", { body: { events: [] } })).status).toBe(400);
    expect((await api.call("POST", "/v2.1/os-server-external-events", { as: "member", body: { events: [{ name: "x", server_uuid: "y" }] } })).status).toBe(403);
  });
});
