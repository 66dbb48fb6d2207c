// The identity API (Keystone v3 shapes) of the real service on the run's real
// Ironic: discovery, password tokens and their catalog, X-Auth-Token on every
// API, validation and revocation, unscoped tokens and re-scoping, revocation by
// password change, role change and user deletion, application credentials.
import { createHash } from "node:crypto";
import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import { captureLog } from "../support/log-capture.js";
import { testApiForFile, type CallResult, type TestApi } from "../support/api-service.js";

const log = captureLog("warn");
const api: TestApi = testApiForFile("identity", { log: log.logger, nodes: 1 });

const DEFAULT = { name: "Default" };

function passwordAuth(user: Record<string, unknown>, password: string, scope?: unknown): unknown {
  return {
    auth: {
      identity: { methods: ["password"], password: { user: { ...user, password } } },
      ...(scope === undefined ? {} : { scope }),
    },
  };
}

async function issue(body: unknown): Promise<CallResult> {
  return api.call("POST", "/identity/v3/auth/tokens", { as: "anonymous", body });
}

/** A project-scoped token of a test user, by name. */
async function tokenOf(who: "admin" | "member" | "reader" | "other"): Promise<string> {
  const user = api.users[who];
  const project = who === "admin" ? { id: user.projectId } : { id: user.projectId };
  const result = await issue(passwordAuth({ name: user.name, domain: DEFAULT }, api.passwords[who], { project }));
  expect(result.status, result.text).toBe(201);
  return String(result.headers["x-subject-token"]);
}

function withToken(token: string, extra: Record<string, string> = {}): { as: "anonymous"; headers: Record<string, string> } {
  return { as: "anonymous", headers: { "x-auth-token": token, ...extra } };
}

function keystoneError(result: CallResult, code: number): void {
  expect(result.status, result.text).toBe(code);
  expect(result.json).toEqual({ error: { code, title: expect.any(String) as unknown, message: expect.any(String) as unknown } });
}

describe("identity discovery", () => {
  it("answers /identity with 300 and the v3 version list, /identity/v3 with the version", async () => {
    const root = await api.call("GET", "/identity", { as: "anonymous" });
    expect(root.status).toBe(300);
    const values = (root.json["versions"] as { values: Array<Record<string, unknown>> }).values;
    expect(values.map((version) => version["id"])).toEqual(["v3.14"]);
    expect(values[0]?.["links"]).toEqual([{ rel: "self", href: `${api.url}/identity/v3/` }]);
    const v3 = await api.call("GET", "/identity/v3", { as: "anonymous" });
    expect(v3.status).toBe(200);
    expect((v3.json["version"] as Record<string, unknown>)["status"]).toBe("stable");
  });
});

describe("password tokens", () => {
  it("issues a project-scoped token with Keystone's body and a catalog of this service's APIs", async () => {
    const member = api.users.member;
    const before = Date.now();
    const result = await issue(passwordAuth({ name: member.name, domain: DEFAULT }, api.passwords.member, { project: { name: `a-identity`, domain: DEFAULT } }));
    expect(result.status, result.text).toBe(201);
    const token = String(result.headers["x-subject-token"]);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const body = result.json["token"] as Record<string, unknown>;
    expect(body["methods"]).toEqual(["password"]);
    expect(body["user"]).toEqual({ id: member.id, name: member.name, domain: { id: "default", name: "Default" }, password_expires_at: null });
    expect(body["project"]).toEqual({ id: member.projectId, name: "a-identity", domain: { id: "default", name: "Default" } });
    expect((body["roles"] as Array<{ name: string }>).map((role) => role.name)).toEqual(["member", "reader"]);
    expect(String(body["expires_at"])).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    const lifetime = Date.parse(String(body["expires_at"])) - before;
    expect(lifetime).toBeGreaterThan(3_590_000);
    expect(lifetime).toBeLessThanOrEqual(3_600_000 + 60_000);
    const catalog = body["catalog"] as Array<{ type: string; endpoints: Array<{ interface: string; url: string; region: string }> }>;
    const urls = Object.fromEntries(catalog.map((service) => [service.type, service.endpoints.map((endpoint) => `${endpoint.interface} ${endpoint.region} ${endpoint.url}`)]));
    for (const [type, path] of [["compute", "/v2.1"], ["image", "/image"], ["identity", "/identity"], ["network", "/network"]] as const) {
      expect(urls[type]).toEqual(["public", "internal", "admin"].map((face) => `${face} RegionOne ${api.url}${path}`));
    }
    const volume = `${api.url}/volume/v3/${member.projectId}`;
    for (const type of ["volumev3", "block-storage"]) {
      expect(urls[type]).toEqual(["public", "internal", "admin"].map((face) => `${face} RegionOne ${volume}`));
    }
    expect(catalog.map((service) => service.type).sort()).toEqual(["block-storage", "compute", "identity", "image", "network", "volumev3"]);
  });

  it("takes the user and project by id, domains by id, and the user's own project when no scope is given", async () => {
    const member = api.users.member;
    const byId = await issue(passwordAuth({ id: member.id }, api.passwords.member, { project: { id: member.projectId } }));
    expect(byId.status, byId.text).toBe(201);
    const domainById = await issue(passwordAuth({ name: member.name, domain: { id: "default" } }, api.passwords.member, { project: { name: "a-identity", domain: { id: "default" } } }));
    expect(domainById.status, domainById.text).toBe(201);
    const unnamed = await issue(passwordAuth({ name: member.name, domain: DEFAULT }, api.passwords.member));
    expect(unnamed.status, unnamed.text).toBe(201);
    expect(((unnamed.json["token"] as Record<string, unknown>)["project"] as { id: string }).id).toBe(member.projectId);
  });

  it("refuses a wrong password, another project, an unknown one, another domain and other methods with Keystone's 401", async () => {
    const member = api.users.member;
    const user = { name: member.name, domain: DEFAULT };
    keystoneError(await issue(passwordAuth(user, "not-the-password")), 401);
    const theirs = await issue(passwordAuth(user, api.passwords.member, { project: { id: api.users.other.projectId } }));
    const unknown = await issue(passwordAuth(user, api.passwords.member, { project: { id: "f".repeat(32) } }));
    keystoneError(theirs, 401);
    keystoneError(unknown, 401);
    expect(theirs.json).toEqual(unknown.json);
    keystoneError(await issue(passwordAuth({ name: member.name, domain: { name: "Elsewhere" } }, api.passwords.member)), 401);
    keystoneError(await issue(passwordAuth({ name: member.name }, api.passwords.member)), 401);
    keystoneError(await issue({ auth: { identity: { methods: ["totp"], totp: {} } } }), 401);
    keystoneError(await issue(passwordAuth(user, api.passwords.member, { domain: { id: "default" } })), 401);
    keystoneError(await issue({ auth: {} }), 400);
  });

  it("the admin may scope to any project (the admin role is cloud-wide here)", async () => {
    const result = await issue(passwordAuth({ name: "admin", domain: DEFAULT }, api.passwords.admin, { project: { id: api.users.other.projectId } }));
    expect(result.status, result.text).toBe(201);
  });

  it("keeps only the token's SHA-256", async () => {
    const token = await tokenOf("member");
    expect(await api.running.store.tokens.get(token)).toBeUndefined();
    const record = await api.running.store.tokens.get(createHash("sha256").update(token).digest("hex"));
    expect(record?.userId).toBe(api.users.member.id);
    expect(JSON.stringify(record)).not.toContain(token);
  });
});

describe("X-Auth-Token on every API", () => {
  it("is accepted by compute, image and admin routes with the token's role and project", async () => {
    const member = await tokenOf("member");
    expect((await api.call("GET", "/v2.1/servers", withToken(member))).status).toBe(200);
    expect((await api.call("GET", "/image/v2/images", withToken(member))).status).toBe(200);
    expect((await api.call("GET", "/v2.1/flavors", withToken(member))).status).toBe(200);
    expect((await api.call("GET", "/admin/v1/users", withToken(member))).status).toBe(403);
    const admin = await tokenOf("admin");
    expect((await api.call("GET", "/admin/v1/users", withToken(admin))).status).toBe(200);
  });

  it("answers an unknown, malformed or missing-from-the-store token with keystonemiddleware's 401, never falling back to Basic", async () => {
    for (const token of ["x".repeat(43), "not a token", "y".repeat(2_000)]) {
      const result = await api.call("GET", "/v2.1/servers", withToken(token));
      keystoneError(result, 401);
      expect(result.headers["www-authenticate"]).toBe(`Keystone uri="${api.url}/identity"`);
    }
    const mixed = await api.call("GET", "/v2.1/servers", { as: "member", headers: { "x-auth-token": "z".repeat(43) } });
    expect(mixed.status).toBe(401);
  });

  it("an expired token is refused", async () => {
    const token = "e".repeat(43);
    await api.running.store.tokens.create({
      id: createHash("sha256").update(token).digest("hex"),
      userId: api.users.member.id,
      projectId: api.users.member.projectId,
      role: "member",
      methods: ["password"],
      auditId: "expired",
      applicationCredentialId: null,
      issuedAt: new Date(Date.now() - 7_200_000).toISOString(),
      expiresAt: new Date(Date.now() - 1_000).toISOString(),
    });
    keystoneError(await api.call("GET", "/v2.1/servers", withToken(token)), 401);
  });
});

describe("validate and revoke", () => {
  it("GET/HEAD validate the caller's own token and an admin any; others' tokens are 404; DELETE revokes", async () => {
    const member = await tokenOf("member");
    const other = await tokenOf("other");
    const admin = await tokenOf("admin");
    const own = await api.call("GET", "/identity/v3/auth/tokens", withToken(member, { "x-subject-token": member }));
    expect(own.status, own.text).toBe(200);
    expect(own.headers["x-subject-token"]).toBe(member);
    expect(((own.json["token"] as Record<string, unknown>)["user"] as { id: string }).id).toBe(api.users.member.id);
    keystoneError(await api.call("GET", "/identity/v3/auth/tokens", withToken(other, { "x-subject-token": member })), 404);
    expect((await api.call("GET", "/identity/v3/auth/tokens", withToken(admin, { "x-subject-token": member }))).status).toBe(200);
    expect((await api.call("HEAD", "/identity/v3/auth/tokens", withToken(member, { "x-subject-token": member }))).status).toBe(200);
    expect((await api.call("HEAD", "/identity/v3/auth/tokens", withToken(member, { "x-subject-token": "q".repeat(43) }))).status).toBe(404);

    keystoneError(await api.call("DELETE", "/identity/v3/auth/tokens", withToken(other, { "x-subject-token": member })), 404);
    expect((await api.call("DELETE", "/identity/v3/auth/tokens", withToken(member, { "x-subject-token": member }))).status).toBe(204);
    keystoneError(await api.call("GET", "/v2.1/servers", withToken(member)), 401);
    expect((await api.call("GET", "/v2.1/servers", withToken(other))).status).toBe(200);
  });
});

describe("unscoped tokens and re-scoping", () => {
  it("an unscoped token lists its projects, is refused by compute, and re-scopes (keeping its expiry)", async () => {
    const member = api.users.member;
    const unscoped = await issue(passwordAuth({ id: member.id }, api.passwords.member, "unscoped"));
    expect(unscoped.status, unscoped.text).toBe(201);
    const body = unscoped.json["token"] as Record<string, unknown>;
    expect(body["project"]).toBeUndefined();
    expect(body["catalog"]).toBeUndefined();
    const token = String(unscoped.headers["x-subject-token"]);
    keystoneError(await api.call("GET", "/v2.1/servers", withToken(token)), 403);
    const projects = await api.call("GET", "/identity/v3/auth/projects", withToken(token));
    expect((projects.json["projects"] as Array<{ id: string }>).map((project) => project.id)).toEqual([member.projectId]);
    const mine = await api.call("GET", `/identity/v3/users/${member.id}/projects`, withToken(token));
    expect((mine.json["projects"] as Array<{ id: string }>).map((project) => project.id)).toEqual([member.projectId]);
    keystoneError(await api.call("GET", `/identity/v3/users/${api.users.other.id}/projects`, withToken(token)), 403);

    const rescoped = await issue({ auth: { identity: { methods: ["token"], token: { id: token } }, scope: { project: { id: member.projectId } } } });
    expect(rescoped.status, rescoped.text).toBe(201);
    const scopedBody = rescoped.json["token"] as Record<string, unknown>;
    expect(scopedBody["expires_at"]).toBe(body["expires_at"]);
    expect(scopedBody["methods"]).toEqual(["password", "token"]);
    expect((await api.call("GET", "/v2.1/servers", withToken(String(rescoped.headers["x-subject-token"])))).status).toBe(200);
  });

  it("GET /v3/projects: the caller's own project, every project for an admin", async () => {
    const member = await api.call("GET", "/identity/v3/projects", withToken(await tokenOf("member")));
    expect((member.json["projects"] as Array<{ id: string }>).map((project) => project.id)).toEqual([api.users.member.projectId]);
    const admin = await api.call("GET", "/identity/v3/projects", withToken(await tokenOf("admin")));
    const ids = (admin.json["projects"] as Array<{ id: string }>).map((project) => project.id);
    expect(ids).toEqual(expect.arrayContaining([api.users.member.projectId, api.users.other.projectId, api.users.admin.projectId]));
    keystoneError(await api.call("GET", `/identity/v3/projects/${api.users.other.projectId}`, withToken(await tokenOf("member"))), 404);
  });
});

describe("revocation by the user's changes", () => {
  async function freshUser(role: string): Promise<{ id: string; name: string; password: string }> {
    const name = `changing-${role}-${Date.now()}`;
    const password = `pw-${name}`;
    const created = await api.call("POST", "/admin/v1/users", { body: { name, password, project_id: api.users.member.projectId, role } });
    expect(created.status, created.text).toBe(201);
    return { id: (created.json["user"] as { id: string }).id, name, password };
  }

  async function tokenFor(user: { name: string; password: string }): Promise<string> {
    const result = await issue(passwordAuth({ name: user.name, domain: DEFAULT }, user.password));
    expect(result.status, result.text).toBe(201);
    return String(result.headers["x-subject-token"]);
  }

  it("changing one's own password revokes every token; the new password works, the old does not", async () => {
    const user = await freshUser("member");
    const first = await tokenFor(user);
    const second = await tokenFor(user);
    const changed = await api.call("POST", `/identity/v3/users/${user.id}/password`, {
      ...withToken(first),
      body: { user: { original_password: user.password, password: `${user.password}-new` } },
    });
    expect(changed.status, changed.text).toBe(204);
    for (const token of [first, second]) keystoneError(await api.call("GET", "/v2.1/servers", withToken(token)), 401);
    keystoneError(await issue(passwordAuth({ name: user.name, domain: DEFAULT }, user.password)), 401);
    await tokenFor({ name: user.name, password: `${user.password}-new` });
  });

  it("a wrong original password changes nothing", async () => {
    const user = await freshUser("member");
    const token = await tokenFor(user);
    const refused = await api.call("POST", `/identity/v3/users/${user.id}/password`, {
      ...withToken(token),
      body: { user: { original_password: "wrong-password", password: "another-password" } },
    });
    keystoneError(refused, 401);
    expect((await api.call("GET", "/v2.1/servers", withToken(token))).status).toBe(200);
  });

  it("an admin's password reset or role change revokes; deleting the user does too", async () => {
    const user = await freshUser("reader");
    const token = await tokenFor(user);
    const promoted = await api.call("PATCH", `/admin/v1/users/${user.id}`, { body: { role: "member" } });
    expect(promoted.status, promoted.text).toBe(200);
    keystoneError(await api.call("GET", "/v2.1/servers", withToken(token)), 401);
    const again = await tokenFor(user);
    expect((await api.call("PATCH", `/admin/v1/users/${user.id}`, { body: { password: "a-new-password" } })).status).toBe(200);
    keystoneError(await api.call("GET", "/v2.1/servers", withToken(again)), 401);
    const last = await tokenFor({ name: user.name, password: "a-new-password" });
    expect((await api.call("DELETE", `/admin/v1/users/${user.id}`)).status).toBe(204);
    keystoneError(await api.call("GET", "/v2.1/servers", withToken(last)), 401);
  });
});

describe("application credentials", () => {
  const credentialsOf = (userId: string) => `/identity/v3/users/${userId}/application_credentials`;

  it("created with the secret shown once, listed without it; its token is scoped to the project; deleted, it and its tokens stop working", async () => {
    const member = api.users.member;
    const token = await tokenOf("member");
    const created = await api.call("POST", credentialsOf(member.id), { ...withToken(token), body: { application_credential: { name: "ci" } } });
    expect(created.status, created.text).toBe(201);
    const credential = created.json["application_credential"] as Record<string, unknown>;
    const secret = String(credential["secret"]);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect((credential["roles"] as Array<{ name: string }>).map((role) => role.name)).toEqual(["member", "reader"]);
    expect(credential["project_id"]).toBe(member.projectId);

    const listed = await api.call("GET", credentialsOf(member.id), withToken(token));
    expect(listed.text).not.toContain(secret);
    expect((listed.json["application_credentials"] as Array<{ id: string }>).map((entry) => entry.id)).toEqual([credential["id"]]);
    const shown = await api.call("GET", `${credentialsOf(member.id)}/${String(credential["id"])}`, withToken(token));
    expect(shown.status).toBe(200);
    expect(shown.text).not.toContain(secret);
    expect(JSON.stringify(await api.running.store.applicationCredentials.get(String(credential["id"])))).not.toContain(secret);

    const byId = await issue({ auth: { identity: { methods: ["application_credential"], application_credential: { id: credential["id"], secret } } } });
    expect(byId.status, byId.text).toBe(201);
    const body = byId.json["token"] as Record<string, unknown>;
    expect(body["methods"]).toEqual(["application_credential"]);
    expect((body["project"] as { id: string }).id).toBe(member.projectId);
    expect(body["application_credential"]).toEqual({ id: credential["id"], name: "ci", restricted: true });
    const credentialToken = String(byId.headers["x-subject-token"]);
    expect((await api.call("GET", "/v2.1/servers", withToken(credentialToken))).status).toBe(200);

    const byName = await issue({
      auth: { identity: { methods: ["application_credential"], application_credential: { name: "ci", secret, user: { name: member.name, domain: DEFAULT } } } },
    });
    expect(byName.status, byName.text).toBe(201);
    keystoneError(await issue({ auth: { identity: { methods: ["application_credential"], application_credential: { id: credential["id"], secret: "wrong" } } } }), 401);
    keystoneError(
      await issue({ auth: { identity: { methods: ["application_credential"], application_credential: { id: credential["id"], secret } }, scope: { project: { id: member.projectId } } } }),
      401,
    );

    // A restricted credential's token cannot make or remove credentials.
    keystoneError(await api.call("POST", credentialsOf(member.id), { ...withToken(credentialToken), body: { application_credential: { name: "more" } } }), 403);
    keystoneError(await api.call("DELETE", `${credentialsOf(member.id)}/${String(credential["id"])}`, withToken(credentialToken)), 403);
    // Another user sees nothing of it.
    keystoneError(await api.call("GET", `${credentialsOf(member.id)}/${String(credential["id"])}`, withToken(await tokenOf("other"))), 404);

    expect((await api.call("DELETE", `${credentialsOf(member.id)}/${String(credential["id"])}`, withToken(token))).status).toBe(204);
    keystoneError(await api.call("GET", "/v2.1/servers", withToken(credentialToken)), 401);
    keystoneError(await issue({ auth: { identity: { methods: ["application_credential"], application_credential: { id: credential["id"], secret } } } }), 401);
  });

  it("grants only the roles asked for, refuses roles the token lacks, a past expiry and a taken name", async () => {
    const member = api.users.member;
    const token = await tokenOf("member");
    const readOnly = await api.call("POST", credentialsOf(member.id), {
      ...withToken(token),
      body: { application_credential: { name: "read-only", secret: "a-chosen-secret", roles: [{ name: "reader" }] } },
    });
    expect(readOnly.status, readOnly.text).toBe(201);
    expect((readOnly.json["application_credential"] as Record<string, unknown>)["secret"]).toBe("a-chosen-secret");
    const issued = await issue({
      auth: { identity: { methods: ["application_credential"], application_credential: { id: (readOnly.json["application_credential"] as { id: string }).id, secret: "a-chosen-secret" } } },
    });
    expect(issued.status, issued.text).toBe(201);
    const readerToken = String(issued.headers["x-subject-token"]);
    expect(((issued.json["token"] as Record<string, unknown>)["roles"] as Array<{ name: string }>).map((role) => role.name)).toEqual(["reader"]);
    expect((await api.call("GET", "/v2.1/servers", withToken(readerToken))).status).toBe(200);
    const create = await api.call("POST", "/v2.1/servers", {
      ...withToken(readerToken),
      body: { server: { name: "nope", flavorRef: api.flavorId, imageRef: api.imageId, networks: "none" } },
      headers: { "x-auth-token": readerToken, "openstack-api-version": "compute 2.37" },
    });
    expect(create.status).toBe(403);

    keystoneError(await api.call("POST", credentialsOf(member.id), { ...withToken(token), body: { application_credential: { name: "too-much", roles: [{ name: "admin" }] } } }), 403);
    keystoneError(await api.call("POST", credentialsOf(member.id), { ...withToken(token), body: { application_credential: { name: "old", expires_at: "2020-01-01T00:00:00" } } }), 400);
    keystoneError(await api.call("POST", credentialsOf(member.id), { ...withToken(token), body: { application_credential: { name: "read-only" } } }), 409);
    keystoneError(await api.call("POST", credentialsOf(api.users.other.id), { ...withToken(token), body: { application_credential: { name: "theirs" } } }), 403);
  });

  it("an expired credential issues nothing", async () => {
    const member = api.users.member;
    const id = `expired${Date.now()}`;
    await api.running.store.applicationCredentials.create({
      id,
      userId: member.id,
      projectId: member.projectId,
      name: id,
      description: "",
      secretHash: bcrypt.hashSync("expired-secret", 4),
      roles: ["member", "reader"],
      unrestricted: false,
      expiresAt: new Date(Date.now() - 1_000).toISOString(),
      createdAt: new Date(Date.now() - 60_000).toISOString(),
    });
    keystoneError(await issue({ auth: { identity: { methods: ["application_credential"], application_credential: { id, secret: "expired-secret" } } } }), 401);
  });
});

describe("secrets", () => {
  it("no answer carried a password; failed token requests are logged without them", () => {
    for (const text of api.responses) for (const password of Object.values(api.passwords)) expect(text).not.toContain(password);
    const lines = log.text();
    expect(lines).toContain("failed token request");
    for (const password of Object.values(api.passwords)) expect(lines).not.toContain(password);
    expect(lines).not.toContain("not-the-password");
  });
});
