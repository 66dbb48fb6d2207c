// GET /servers list filters and order as Nova (issue 18 #5), through HTTP on the
// real service and a real Ironic: `name` as a bounded regular expression
// (search, RE2: no catastrophic backtracking, 400 when too long or invalid),
// `host`/`node` for admins only (ignored for others), changes-since /
// changes-before (ISO 8601, deleted servers included), `ip` (a text in a fixed
// IP, as Nova through Neutron), sort_key/sort_dir as
// Nova's schema (ignored keys below 2.75, 400 from 2.75, host/node sort 403 for
// non-admins) with marker paging in any order.
import { describe, expect, it } from "vitest";
import { testApiForFile } from "../support/api-service.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("warn");
// Five nodes: three servers, the pattern test's one, and one on a network (each node has a NIC).
const api = testApiForFile("list-filters", { nodes: 5, portsPerNode: 1, log: log.logger });
const at = (version: string) => ({ "openstack-api-version": `compute ${version}` });

/** Names in answer order (GET as `who`), with the status on failure. */
async function names(query: string, who: "member" | "admin" | "other" = "member", headers: Record<string, string> = {}): Promise<string[]> {
  const result = await api.call("GET", `/v2.1/servers/detail?${query}`, { as: who, headers });
  expect(result.status, result.text).toBe(200);
  return (result.json["servers"] as Array<{ name: string }>).map((server) => server.name);
}

async function status(query: string, who: "member" | "admin" = "member", headers: Record<string, string> = {}): Promise<{ status: number; message: string }> {
  const result = await api.call("GET", `/v2.1/servers?${query}`, { as: who, headers });
  const fault = Object.values(result.json)[0] as { message?: string } | undefined;
  return { status: result.status, message: fault?.message ?? "" };
}

const created: Record<string, string> = {};
// Created in this order, each one a few milliseconds after the one before.
const NAMES = ["flt-web-1", "flt-db-1", "flt-web-2"];

describe("server list filters and order (issue 18 #5)", () => {
  it("creates three servers on three nodes", async () => {
    for (const name of NAMES) {
      const result = await api.call("POST", "/v2.1/servers", { as: "member", body: { server: { name, imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } } });
      expect(result.status, result.text).toBe(202);
      created[name] = (result.json["server"] as { id: string }).id;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    for (const id of Object.values(created)) await api.waitForStatus(id, "ACTIVE", "member");
  }, 180_000);

  it("name is a regular expression searched in the name, case-sensitive, in Nova's default order (newest first)", async () => {
    expect(await names("name=^flt-")).toEqual(["flt-web-2", "flt-db-1", "flt-web-1"]);
    expect(await names("name=web")).toEqual(["flt-web-2", "flt-web-1"]);
    expect(await names(`name=${encodeURIComponent("-[0-9]$")}`)).toHaveLength(3);
    expect(await names(`name=${encodeURIComponent("^flt-(db|web)-1$")}`)).toEqual(["flt-db-1", "flt-web-1"]);
    expect(await names("name=WEB")).toEqual([]);
    // The filter applies before the limit: a page is full even when most servers do not match.
    expect(await names("name=web&limit=1")).toEqual(["flt-web-2"]);
  });

  it("an invalid or too long name pattern is a clear 400; a pattern that backtracks exponentially elsewhere answers at once", async () => {
    const invalid = await status(`name=${encodeURIComponent("flt-(web")}`);
    expect(invalid.status).toBe(400);
    expect(invalid.message).toMatch(/Invalid filter field: name\. .*missing closing \)/);
    const long = await status(`name=${"a".repeat(256)}`);
    expect(long).toEqual({ status: 400, message: "Invalid filter field: name. A regular expression of at most 255 characters is expected." });
    expect((await status(`name=${"a".repeat(255)}`)).status).toBe(200);
    // Backreferences and lookaround are not RE2: 400, not a slow match.
    expect((await status(`name=${encodeURIComponent("(a)\\1")}`)).status).toBe(400);
    // (a+)+$ on "aaaa…a!" is 2^n steps for a backtracking engine; RE2 is linear.
    const victim = await api.call("POST", "/v2.1/servers", { as: "other", body: { server: { name: `${"a".repeat(200)}!`, imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } } });
    expect(victim.status, victim.text).toBe(202);
    const started = performance.now();
    expect(await names(`name=${encodeURIComponent("(a+)+$")}`, "other")).toEqual([]);
    expect(await names(`name=${encodeURIComponent("^(a|aa)+!$")}`, "other")).toEqual([`${"a".repeat(200)}!`]);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect((await api.call("DELETE", `/v2.1/servers/${(victim.json["server"] as { id: string }).id}`, { as: "other" })).status).toBe(204);
  });

  it("host and node filter for admins; others' host/node filters are ignored, as Nova", async () => {
    const all = "all_tenants=1&name=^flt-";
    const web1 = created["flt-web-1"] ?? "";
    const shown = await api.call("GET", `/v2.1/servers/${web1}`, { as: "admin" });
    const node = (shown.json["server"] as Record<string, string>)["OS-EXT-SRV-ATTR:hypervisor_hostname"] ?? "";
    expect(api.nodes).toContain(node);
    expect(await names(`${all}&host=ironic-compute`, "admin")).toHaveLength(3);
    expect(await names(`${all}&host=elsewhere`, "admin")).toEqual([]);
    expect(await names(`${all}&node=${node}`, "admin")).toEqual(["flt-web-1"]);
    // Nova's node filter is a regular expression too.
    expect(await names(`${all}&node=^${node.slice(0, 13)}`, "admin")).toEqual(["flt-web-1"]);
    expect(await names("name=^flt-&host=elsewhere&node=nothing")).toHaveLength(3);
  });

  it("sort_key/sort_dir: Nova's keys, repeatable, with marker paging in that order and next links keeping the sort", async () => {
    expect(await names("name=^flt-&sort_key=display_name&sort_dir=asc")).toEqual(["flt-db-1", "flt-web-1", "flt-web-2"]);
    expect(await names("name=^flt-&sort_key=display_name&sort_dir=desc")).toEqual(["flt-web-2", "flt-web-1", "flt-db-1"]);
    // No direction: desc (Nova's default); a second key with no direction takes the first one's.
    expect(await names("name=^flt-&sort_key=display_name")).toEqual(["flt-web-2", "flt-web-1", "flt-db-1"]);
    expect(await names("name=^flt-&sort_key=image_ref&sort_key=display_name&sort_dir=asc")).toEqual(["flt-db-1", "flt-web-1", "flt-web-2"]);
    expect(await names("name=^flt-&sort_key=created_at&sort_dir=asc")).toEqual(NAMES);
    // Paging: follow the next links, each keeps name, sort_key and sort_dir.
    const seen: string[] = [];
    let path = "/v2.1/servers?name=%5Eflt-&sort_key=display_name&sort_dir=asc&limit=2";
    for (let pages = 0; pages < 5; pages += 1) {
      const page = await api.call("GET", path, { as: "member" });
      expect(page.status, page.text).toBe(200);
      seen.push(...(page.json["servers"] as Array<{ name: string }>).map((server) => server.name));
      const next = (page.json["servers_links"] as Array<{ href: string }> | undefined)?.[0]?.href;
      if (next === undefined) break;
      expect(next).toContain("sort_key=display_name");
      path = next.slice(api.url.length);
    }
    expect(seen).toEqual(["flt-db-1", "flt-web-1", "flt-web-2"]);
  });

  it("sort errors as Nova: unknown key 400, ignored keys ignored below 2.75 and 400 from 2.75, host/node 403 for non-admins, bad directions 400", async () => {
    expect((await status("sort_key=bogus")).status).toBe(400);
    expect(await names("name=^flt-&sort_key=deleted_at&sort_dir=asc", "member", at("2.74"))).toEqual(["flt-web-2", "flt-db-1", "flt-web-1"]);
    expect((await status("sort_key=deleted_at", "member", at("2.75"))).status).toBe(400);
    // locked: ignored below 2.73, a sort key from 2.73.
    expect((await status("sort_key=locked", "member", at("2.72"))).status).toBe(200);
    expect((await status("sort_key=locked", "member", at("2.75"))).status).toBe(200);
    expect(await status("sort_key=host")).toEqual({ status: 403, message: "Only administrators can sort servers by host" });
    expect((await status("sort_key=node", "admin")).status).toBe(200);
    expect(await status("sort_key=display_name&sort_dir=up")).toEqual({ status: 400, message: "Invalid input received: Unknown sort direction, must be 'desc' or 'asc'" });
    expect((await status("sort_key=display_name&sort_dir=asc&sort_dir=desc")).message).toMatch(/Sort direction size exceeds sort key size/);
  });

  it("changes-since / changes-before (2.66): ISO 8601, inclusive, deleted servers listed with them; anything else 400", async () => {
    const detail = await api.call("GET", `/v2.1/servers/${created["flt-db-1"] ?? ""}`, { as: "member" });
    const updated = (detail.json["server"] as { updated: string }).updated;
    expect(await names("name=^flt-&changes-since=2000-01-01")).toHaveLength(3);
    expect(await names("name=^flt-&changes-since=2999-01-01T00:00:00Z")).toEqual([]);
    // The same instant written with an offset.
    const plusOne = new Date(Date.parse(updated) + 3_600_000).toISOString().replace(/\.\d+Z$/, "+01:00");
    expect(await names(`name=^flt-db&changes-since=${encodeURIComponent(plusOne)}`)).toEqual(["flt-db-1"]);
    expect(await names(`name=^flt-&changes-before=${encodeURIComponent("2000-01-01T00:00Z")}`, "member", at("2.66"))).toEqual([]);
    // changes-before is 2.66: ignored below.
    expect(await names(`name=^flt-&changes-before=2000-01-01`, "member", at("2.65"))).toHaveLength(3);
    for (const bad of ["yesterday", "2026-02-31", "2026-01-01T25:00:00Z"]) {
      const answer = await status(`changes-since=${bad}`);
      expect(answer.status, bad).toBe(400);
      expect(answer.message).toContain("changes-since");
    }
    expect(await status("changes-since=2026-01-02&changes-before=2026-01-01", "member", at("2.66"))).toEqual({ status: 400, message: "The value of changes-since must be less than or equal to changes-before." });

    const before = new Date().toISOString();
    const gone = created["flt-web-1"] ?? "";
    expect((await api.call("DELETE", `/v2.1/servers/${gone}`, { as: "member" })).status).toBe(204);
    const deleted = async () => (await api.call("GET", `/v2.1/servers/detail?name=^flt-web-1&changes-since=${before}`, { as: "member" })).json["servers"] as Array<{ id: string; status: string }>;
    await expect.poll(async () => (await deleted()).map((server) => server.status), { timeout: 60_000, interval: 500 }).toEqual(["DELETED"]);
    expect((await deleted())[0]?.id).toBe(gone);
    // Without changes-since a deleted server is not listed.
    expect(await names("name=^flt-web-1")).toEqual([]);
  }, 120_000);

  it("ip: a text in one of the server's fixed IPs (Nova through Neutron's ip_address_substr)", async () => {
    const post = async (path: string, body: unknown) => {
      const result = await api.call("POST", path, { as: "member", body });
      expect(result.status, result.text).toBe(201);
      return result.json;
    };
    const network = (await post("/network/v2.0/networks", { network: { name: "flt-net" } }))["network"] as { id: string };
    await post("/network/v2.0/subnets", { subnet: { network_id: network.id, ip_version: 4, cidr: "198.51.100.0/24", allocation_pools: [{ start: "198.51.100.10", end: "198.51.100.20" }], gateway_ip: "198.51.100.1" } });
    const result = await api.call("POST", "/v2.1/servers", { as: "member", body: { server: { name: "flt-net-1", imageRef: api.imageId, flavorRef: api.flavorId, networks: [{ uuid: network.id, fixed_ip: "198.51.100.15" }] } } });
    expect(result.status, result.text).toBe(202);
    const id = (result.json["server"] as { id: string }).id;
    await api.waitForStatus(id, "ACTIVE", "member");
    expect(await names("ip=198.51.100.15")).toEqual(["flt-net-1"]);
    expect(await names("ip=100.1")).toEqual(["flt-net-1"]);
    expect(await names("ip=198.51.100.16")).toEqual([]);
    // A dot is a dot, not "any character".
    expect(await names("ip=198x51")).toEqual([]);
    // Below 2.5 a member's ip6 is ignored: every live server of the project.
    expect(await names("ip6=198.51.100.15", "member", at("2.4"))).toHaveLength(3);
    expect(await names("ip6=198.51.100.15", "member", at("2.5"))).toEqual(["flt-net-1"]);
  }, 180_000);
});
