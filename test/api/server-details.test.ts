// Server details on the real service and a real Ironic (issue 11): PUT
// /servers/{id}, metadata, tags (2.26) and their list filters, lock/unlock —
// with Nova's limits at their boundaries, microversion gates, roles and
// project isolation.
import { beforeAll, describe, expect, it } from "vitest";
import { testApiForFile, type CallOptions } from "../support/api-service.js";
import { openStore } from "../../src/store/open.js";
import { captureLog } from "../support/log-capture.js";
import { testSecrets } from "../support/secrets.js";

const log = captureLog("debug");
const api = testApiForFile("server-details", { nodes: 3, log: log.logger });

const V = (minor: number): Record<string, string> => ({ "openstack-api-version": `compute 2.${minor}` });
const LATEST = V(95);

async function createServer(name: string): Promise<string> {
  const result = await api.call("POST", "/v2.1/servers", {
    as: "member",
    body: { server: { name, imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } },
  });
  expect(result.status, result.text).toBe(202);
  return (result.json["server"] as { id: string }).id;
}

function show(id: string, options: CallOptions = {}) {
  return api.call("GET", `/v2.1/servers/${id}`, { as: "member", headers: LATEST, ...options }).then((r) => r.json["server"] as Record<string, unknown>);
}

const faultOf = (json: Record<string, unknown>): string => {
  const fault = Object.values(json)[0] as { message?: string } | undefined;
  return fault?.message ?? "";
};

let ids: string[] = [];
let id = "";

beforeAll(async () => {
  ids = [await createServer("detail-1"), await createServer("detail-2"), await createServer("detail-3")];
  id = ids[0] ?? "";
  for (const server of ids) await api.waitForStatus(server, "ACTIVE", "member");
}, 180_000);

describe("PUT /servers/{id}", () => {
  it("renames, sets and clears the description (2.19), sets the hostname (2.90)", async () => {
    const renamed = await api.call("PUT", `/v2.1/servers/${id}`, { as: "member", body: { server: { name: "  renamed  " } } });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.json["server"]).toMatchObject({ id, name: "renamed", status: "ACTIVE" });

    const described = await api.call("PUT", `/v2.1/servers/${id}`, { as: "member", headers: V(19), body: { server: { description: "d".repeat(255) } } });
    expect(described.status, described.text).toBe(200);
    expect((await show(id))["description"]).toBe("d".repeat(255));
    expect((await show(id, { headers: V(18) }))).not.toHaveProperty("description");
    const cleared = await api.call("PUT", `/v2.1/servers/${id}`, { as: "member", headers: V(19), body: { server: { description: null } } });
    expect((cleared.json["server"] as Record<string, unknown>)["description"]).toBeNull();

    const host = await api.call("PUT", `/v2.1/servers/${id}`, { as: "member", headers: V(90), body: { server: { hostname: "web-01" } } });
    expect(host.status, host.text).toBe(200);
    expect((await show(id))["OS-EXT-SRV-ATTR:hostname"]).toBe("web-01");
    const fqdn = await api.call("PUT", `/v2.1/servers/${id}`, { as: "member", headers: V(94), body: { server: { hostname: "web-01.example.org" } } });
    expect(fqdn.status, fqdn.text).toBe(200);
    expect((await show(id))["OS-EXT-SRV-ATTR:hostname"]).toBe("web-01.example.org");
  });

  it("refuses what Nova refuses: limits, gated fields, unknown fields", async () => {
    const put = (body: unknown, headers = LATEST) => api.call("PUT", `/v2.1/servers/${id}`, { as: "member", headers, body });
    expect((await put({ server: { name: "n".repeat(256) } })).status).toBe(400);
    expect((await put({ server: { name: "   " } })).status).toBe(400);
    expect((await put({ server: { description: "d".repeat(256) } })).status).toBe(400);
    expect((await put({ server: { description: "x" } }, V(18))).status).toBe(400);
    expect((await put({ server: { hostname: "web-02" } }, V(89))).status).toBe(400);
    // 2.90–2.93: Nova's hostname pattern (no dots, 2–63 characters).
    expect((await put({ server: { hostname: "web.example" } }, V(93))).status).toBe(400);
    expect((await put({ server: { hostname: "h".repeat(64) } }, V(93))).status).toBe(400);
    expect((await put({ server: { hostname: "h".repeat(63) } }, V(93))).status).toBe(200);
    expect((await put({ server: { hostname: "bad host" } })).status).toBe(400);
    // accessIPv4/6 are settable (issue 18 #2), but only as addresses.
    expect((await put({ server: { accessIPv4: "10.0.0.300" } })).status).toBe(400);
    expect((await put({ server: { accessIPv6: "not-an-address" } })).status).toBe(400);
  });

  it("reader 403, other project 404", async () => {
    expect((await api.call("PUT", `/v2.1/servers/${id}`, { as: "reader", body: { server: { name: "x" } } })).status).toBe(403);
    expect((await api.call("PUT", `/v2.1/servers/${id}`, { as: "other", body: { server: { name: "x" } } })).status).toBe(404);
  });
});

describe("metadata", () => {
  const path = () => `/v2.1/servers/${id}/metadata`;

  it("replace, merge, show, set and delete one key", async () => {
    const replaced = await api.call("PUT", path(), { as: "member", body: { metadata: { a: "1", b: "2" } } });
    expect(replaced.status, replaced.text).toBe(200);
    expect(replaced.json).toEqual({ metadata: { a: "1", b: "2" } });
    const merged = await api.call("POST", path(), { as: "member", body: { metadata: { b: "3", c: "4" } } });
    expect(merged.json).toEqual({ metadata: { a: "1", b: "3", c: "4" } });
    expect((await api.call("GET", path(), { as: "reader" })).json).toEqual({ metadata: { a: "1", b: "3", c: "4" } });
    expect((await api.call("GET", `${path()}/b`, { as: "reader" })).json).toEqual({ meta: { b: "3" } });
    const one = await api.call("PUT", `${path()}/d`, { as: "member", body: { meta: { d: "5" } } });
    expect(one.status, one.text).toBe(200);
    expect(one.json).toEqual({ meta: { d: "5" } });
    expect((await api.call("DELETE", `${path()}/a`, { as: "member" })).status).toBe(204);
    expect((await show(id))["metadata"]).toEqual({ b: "3", c: "4", d: "5" });
    const missing = await api.call("GET", `${path()}/a`, { as: "member" });
    expect(missing.status).toBe(404);
    expect(faultOf(missing.json)).toBe("Metadata item was not found");
    expect((await api.call("DELETE", `${path()}/a`, { as: "member" })).status).toBe(404);
  });

  it("one key per PUT, matching the path", async () => {
    const mismatch = await api.call("PUT", `${path()}/x`, { as: "member", body: { meta: { y: "1" } } });
    expect(mismatch.status).toBe(400);
    expect(faultOf(mismatch.json)).toBe("Request body and URI mismatch");
    expect((await api.call("PUT", `${path()}/x`, { as: "member", body: { meta: { x: "1", z: "2" } } })).status).toBe(400);
    expect((await api.call("PUT", `${path()}/x`, { as: "member", body: { meta: {} } })).status).toBe(400);
  });

  it("limits: keys 1-255, values up to 255, 128 items (403 over)", async () => {
    const put = (metadata: Record<string, string>) => api.call("PUT", path(), { as: "member", body: { metadata } });
    expect((await put({ ["k".repeat(255)]: "v".repeat(255) })).status).toBe(200);
    expect((await put({ ["k".repeat(256)]: "v" })).status).toBe(400);
    expect((await put({ "": "v" })).status).toBe(400);
    expect((await put({ k: "v".repeat(256) })).status).toBe(400);
    const items = (n: number, prefix = "m") => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, "v"]));
    expect((await put(items(128))).status).toBe(200);
    const over = await put(items(129));
    expect(over.status).toBe(403);
    expect(faultOf(over.json)).toBe("Maximum number of metadata items exceeds 128");
    // Merging past the quota is refused too, and changes nothing.
    const merged = await api.call("POST", path(), { as: "member", body: { metadata: { extra: "1" } } });
    expect(merged.status).toBe(403);
    expect(Object.keys((await api.call("GET", path(), { as: "member" })).json["metadata"] as object)).toHaveLength(128);
    expect((await put({})).json).toEqual({ metadata: {} });
  });

  it("reader 403, other project 404", async () => {
    expect((await api.call("PUT", path(), { as: "reader", body: { metadata: {} } })).status).toBe(403);
    expect((await api.call("DELETE", `${path()}/b`, { as: "reader" })).status).toBe(403);
    expect((await api.call("GET", path(), { as: "other" })).status).toBe(404);
    expect((await api.call("POST", path(), { as: "other", body: { metadata: { a: "1" } } })).status).toBe(404);
  });
});

describe("tags (2.26)", () => {
  const path = (server = id) => `/v2.1/servers/${server}/tags`;

  it("404 below 2.26; tags shown in views from 2.26", async () => {
    for (const [method, url] of [["GET", path()], ["PUT", `${path()}/x`], ["DELETE", path()]] as const) {
      expect((await api.call(method, url, { as: "member", headers: V(25) })).status).toBe(404);
    }
    expect(await show(id, { headers: V(25) })).not.toHaveProperty("tags");
    expect((await show(id, { headers: V(26) }))["tags"]).toEqual([]);
  });

  it("add (201 then 204), check, list, remove, replace, delete all", async () => {
    const added = await api.call("PUT", `${path()}/web`, { as: "member", headers: V(26) });
    expect(added.status, added.text).toBe(201);
    expect(added.headers["location"]).toBe(`${api.url}/v2.1/servers/${id}/tags/web`);
    expect((await api.call("PUT", `${path()}/web`, { as: "member", headers: V(26) })).status).toBe(204);
    expect((await api.call("GET", `${path()}/web`, { as: "reader", headers: V(26) })).status).toBe(204);
    expect((await api.call("GET", `${path()}/nope`, { as: "reader", headers: V(26) })).status).toBe(404);
    const replaced = await api.call("PUT", path(), { as: "member", headers: V(26), body: { tags: ["b", "a", "b"] } });
    expect(replaced.status, replaced.text).toBe(200);
    expect(replaced.json).toEqual({ tags: ["a", "b"] });
    expect((await api.call("GET", path(), { as: "reader", headers: V(26) })).json).toEqual({ tags: ["a", "b"] });
    expect((await show(id))["tags"]).toEqual(["a", "b"]);
    expect((await api.call("DELETE", `${path()}/a`, { as: "member", headers: V(26) })).status).toBe(204);
    expect((await api.call("DELETE", `${path()}/a`, { as: "member", headers: V(26) })).status).toBe(404);
    expect((await api.call("DELETE", path(), { as: "member", headers: V(26) })).status).toBe(204);
    expect((await api.call("GET", path(), { as: "member", headers: V(26) })).json).toEqual({ tags: [] });
  });

  it("limits: 1-60 characters, no '/' or ',', at most 50", async () => {
    const add = (tag: string) => api.call("PUT", `${path()}/${encodeURIComponent(tag)}`, { as: "member", headers: V(26) });
    expect((await add("t".repeat(60))).status).toBe(201);
    expect((await add("t".repeat(61))).status).toBe(400);
    const comma = await add("a,b");
    expect(comma.status).toBe(400);
    expect(faultOf(comma.json)).toMatch(/^Tag 'a,b' is invalid/);
    const replace = (tags: string[]) => api.call("PUT", path(), { as: "member", headers: V(26), body: { tags } });
    expect((await replace(["ok", "a/b"])).status).toBe(400);
    expect((await replace([""])).status).toBe(400);
    const fifty = Array.from({ length: 50 }, (_, i) => `t${String(i).padStart(2, "0")}`);
    expect((await replace([...fifty, "extra"])).status).toBe(400);
    expect((await replace(fifty)).status).toBe(200);
    const full = await add("one-more");
    expect(full.status).toBe(400);
    expect(faultOf(full.json)).toBe("The number of tags exceeded the per-server limit 50");
    expect((await add("t00")).status).toBe(204);
    expect((await replace([])).status).toBe(200);
  });

  it("reader 403, other project 404", async () => {
    expect((await api.call("PUT", `${path()}/x`, { as: "reader", headers: V(26) })).status).toBe(403);
    expect((await api.call("DELETE", path(), { as: "reader", headers: V(26) })).status).toBe(403);
    expect((await api.call("GET", path(), { as: "other", headers: V(26) })).status).toBe(404);
    expect((await api.call("PUT", `${path()}/x`, { as: "other", headers: V(26) })).status).toBe(404);
  });

  it("list filters tags, tags-any, not-tags, not-tags-any, with paging", async () => {
    const [s1, s2, s3] = ids as [string, string, string];
    for (const [server, tags] of [[s1, ["a", "b"]], [s2, ["a"]], [s3, ["b", "c"]]] as const) {
      expect((await api.call("PUT", path(server), { as: "member", headers: V(26), body: { tags } })).status).toBe(200);
    }
    const list = async (query: string, headers = V(26)) => {
      const result = await api.call("GET", `/v2.1/servers?${query}`, { as: "member", headers });
      expect(result.status, result.text).toBe(200);
      return (result.json["servers"] as Array<{ id: string }>).map((server) => server.id);
    };
    expect(await list("tags=a,b")).toEqual([s1]);
    // Nova's default order: newest first.
    expect(await list("tags-any=a,c")).toEqual([s3, s2, s1]);
    expect(await list("not-tags=a,b")).toEqual([s3, s2]);
    expect(await list("not-tags-any=c")).toEqual([s2, s1]);
    expect(await list("tags=b&not-tags-any=c")).toEqual([s1]);
    // Below 2.26 the filters are ignored, as in Nova.
    expect(await list("tags=zzz", V(25))).toEqual([s3, s2, s1]);
    const page = await api.call("GET", "/v2.1/servers/detail?tags-any=a&limit=1", { as: "member", headers: V(26) });
    expect((page.json["servers"] as Array<{ id: string }>).map((server) => server.id)).toEqual([s2]);
    const next = (page.json["servers_links"] as Array<{ href: string }>)[0]?.href ?? "";
    expect(next).toContain("tags-any=a");
    const second = await api.call("GET", next.slice(api.url.length), { as: "member", headers: V(26) });
    expect((second.json["servers"] as Array<{ id: string }>).map((server) => server.id)).toEqual([s1]);
    for (const server of ids) await api.call("DELETE", path(server), { as: "member", headers: V(26) });
  });
});

describe("lock / unlock", () => {
  const act = (body: unknown, as: CallOptions["as"] = "member", headers = LATEST) =>
    api.call("POST", `/v2.1/servers/${id}/action`, { as, headers, body });

  it("a member's lock: shown from 2.9 (reason from 2.73), refuses the member's actions, not the admin's", async () => {
    expect((await api.call("PUT", `/v2.1/servers/${id}/metadata`, { as: "member", body: { metadata: { b: "kept" } } })).status).toBe(200);
    expect((await act({ lock: { locked_reason: "r".repeat(256) } })).status).toBe(400);
    const locked = await act({ lock: { locked_reason: "maintenance" } });
    expect(locked.status, locked.text).toBe(202);
    expect(await show(id)).toMatchObject({ locked: true, locked_reason: "maintenance" });
    expect(await show(id, { headers: V(72) })).not.toHaveProperty("locked_reason");
    expect(await show(id, { headers: V(8) })).not.toHaveProperty("locked");

    const message = `Instance ${id} is locked`;
    for (const [method, url, body] of [
      ["POST", `/v2.1/servers/${id}/action`, { reboot: { type: "SOFT" } }],
      ["POST", `/v2.1/servers/${id}/action`, { "os-stop": null }],
      ["DELETE", `/v2.1/servers/${id}`, undefined],
      ["POST", `/v2.1/servers/${id}/metadata`, { metadata: { a: "1" } }],
      ["DELETE", `/v2.1/servers/${id}/metadata/b`, undefined],
    ] as const) {
      const refused = await api.call(method, url, { as: "member", ...(body === undefined ? {} : { body }) });
      expect(refused.status, `${method} ${url}`).toBe(409);
      expect(faultOf(refused.json)).toBe(message);
    }
    // As in Nova: PUT and tags are not guarded by the lock.
    expect((await api.call("PUT", `/v2.1/servers/${id}`, { as: "member", body: { server: { name: "still-renamable" } } })).status).toBe(200);
    expect((await api.call("PUT", `/v2.1/servers/${id}/tags/while-locked`, { as: "member", headers: V(26) })).status).toBe(201);
    // An admin acts on a locked server.
    expect((await api.call("POST", `/v2.1/servers/${id}/metadata`, { as: "admin", body: { metadata: { by: "admin" } } })).status).toBe(200);
    expect((await act({ reboot: { type: "SOFT" } }, "admin")).status).toBe(202);
    await api.waitForStatus(id, "ACTIVE", "member");

    // The owner unlocks its own lock.
    expect((await act({ unlock: null })).status).toBe(202);
    expect(await show(id)).toMatchObject({ locked: false, locked_reason: null });
  });

  it("an admin's lock (another project): the member may not unlock it, the admin may", async () => {
    expect((await act({ lock: null }, "admin")).status).toBe(202);
    const actions = await api.call("GET", `/v2.1/servers/${id}/os-instance-actions`, { as: "member" });
    expect((actions.json["instanceActions"] as Array<{ action: string }>).map((action) => action.action)).toEqual(
      expect.arrayContaining(["lock", "unlock"]),
    );
    const refused = await act({ unlock: null });
    expect(refused.status).toBe(403);
    expect(faultOf(refused.json)).toBe("Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be performed.");
    // The member locking it again changes nothing (Nova: the owner's lock is a no-op only when it is the owner's).
    expect((await act({ lock: null })).status).toBe(202);
    expect((await act({ unlock: null })).status).toBe(403);
    expect((await act({ unlock: null }, "admin")).status).toBe(202);
    expect((await show(id))["locked"]).toBe(false);
  });

  it("reader 403, other project 404; the locked filter (2.73)", async () => {
    expect((await act({ lock: null }, "reader")).status).toBe(403);
    expect((await act({ lock: null }, "other")).status).toBe(404);
    expect((await act({ lock: null })).status).toBe(202);
    const list = async (query: string, headers = LATEST) =>
      ((await api.call("GET", `/v2.1/servers?${query}`, { as: "member", headers })).json["servers"] as Array<{ id: string }>).map((server) => server.id);
    expect(await list("locked=true")).toEqual([id]);
    // Nova's default order: newest first.
    expect(await list("locked=false")).toEqual(ids.slice(1).reverse());
    expect(await list("locked=true", V(72))).toEqual([...ids].reverse());
    expect((await api.call("GET", "/v2.1/servers?locked=maybe", { as: "member", headers: LATEST })).status).toBe(400);
    expect((await act({ unlock: null })).status).toBe(202);
  });
});

describe("kept list answers (api/answer-cache.ts) follow every change", () => {
  /** The first server's name and tags, as the list shows them. */
  const listed = async (): Promise<string> => {
    const servers = (await api.call("GET", "/v2.1/servers/detail", { as: "member", headers: LATEST })).json["servers"] as Array<{ id: string; name: string; tags: string[] }>;
    const server = servers.find((candidate) => candidate.id === id);
    return `${server?.name ?? "(missing)"}:${server?.tags.join("+") ?? ""}`;
  };

  it("an edit through the API, and a write to the database by another process, show in the next list", async () => {
    await api.call("DELETE", `/v2.1/servers/${id}/tags`, { as: "member", headers: LATEST });
    const { name } = await show(id);
    expect(await listed()).toBe(`${String(name)}:`);
    expect(await listed()).toBe(`${String(name)}:`); // kept, unchanged
    expect((await api.call("PUT", `/v2.1/servers/${id}`, { as: "member", headers: LATEST, body: { server: { name: "kept-1" } } })).status).toBe(200);
    expect(await listed()).toBe("kept-1:");
    expect((await api.call("PUT", `/v2.1/servers/${id}/tags/fresh`, { as: "member", headers: LATEST })).status).toBe(201);
    expect(await listed()).toBe("kept-1:fresh");
    // Another process on the same SQLite file (a CLI, a second service): no message reaches this one.
    const other = await openStore({ kind: "sqlite", path: api.storePath }, testSecrets());
    try {
      await other.servers.update(id, { name: "kept-2" });
    } finally {
      await other.close();
    }
    expect(await listed()).toBe("kept-2:fresh");
    await api.call("DELETE", `/v2.1/servers/${id}/tags/fresh`, { as: "member", headers: LATEST });
    expect(await listed()).toBe("kept-2:");
  });
});
