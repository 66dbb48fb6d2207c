// Nova's create options through the real service on the real Ironic (issue 18
// items 2 and 3): multi-create (min_count/max_count, names, one reservation,
// all-or-none placement, the quota's fallback), return_reservation_id and the
// reservation_id filter, accessIPv4/v6, OS-DCF:diskConfig, security_groups,
// config_drive, and the admin password: generated, in each machine's
// meta_data.json (read from the deploy requests the fault proxy — a HAND-MADE
// FAKE that here only records — saw, since Ironic masks the config drive when
// read back), returned once, at rest nowhere once the task ended, never logged.
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { newClient, sharedIronicUrl } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";
import { waitUntil } from "../support/wait.js";

const log = captureLog("debug");
let proxy: FaultProxy;
let api: TestApi;
let ironic: IronicClient;

beforeAll(async () => {
  proxy = await startFaultProxy(sharedIronicUrl());
  api = await startTestApi("create-options", { nodes: 4, log: log.logger, ironicUrl: proxy.url });
  ironic = newClient({ url: sharedIronicUrl() });
}, 180_000);
afterAll(async () => {
  await api.stop();
  await ironic.close();
  await proxy.stop();
});

type Json = Record<string, unknown>;
/** Nova's generate_password alphabet (no 0, 1, I, O, l), 12 long. */
const NOVA_PASSWORD = /^[2-9A-HJ-NP-Za-km-z]{12}$/;
const ADMIN_VIEW = { "openstack-api-version": "compute 2.95" };

function create(server: Json, extra: Json = {}) {
  return api.call("POST", "/v2.1/servers", { as: "member", body: { server: { flavorRef: api.flavorId, imageRef: api.imageId, networks: "none", ...server }, ...extra } });
}

const faultText = (body: Json): string => (Object.values(body)[0] as { message: string }).message;

async function listed(query = ""): Promise<Json[]> {
  return (await api.call("GET", `/v2.1/servers/detail${query}`, { as: "member" })).json["servers"] as Json[];
}

async function adminView(id: string): Promise<Json> {
  return (await api.call("GET", `/v2.1/servers/${id}`, { as: "admin", headers: ADMIN_VIEW })).json["server"] as Json;
}

async function settled(id: string): Promise<Json> {
  return waitUntil(`server ${id} to settle`, async () => {
    const server = await adminView(id);
    return (server["status"] === "ACTIVE" || server["status"] === "ERROR") && server["OS-EXT-STS:task_state"] === null ? server : undefined;
  }, { timeoutMs: 60_000, intervalMs: 100 });
}

async function deleteAll(ids: readonly string[]): Promise<void> {
  for (const id of ids) expect((await api.call("DELETE", `/v2.1/servers/${id}`, { as: "member" })).status).toBe(204);
  for (const id of ids) {
    await waitUntil(`server ${id} gone`, async () => ((await api.call("GET", `/v2.1/servers/${id}`, { as: "member" })).status === 404 ? true : undefined), { timeoutMs: 60_000, intervalMs: 100 });
  }
}

/** meta_data.json of the last deploy (or rebuild) request the proxy saw for `node`. */
function sentMetaData(node: string): Json {
  const deploys = proxy.requests.filter((r) => r.method === "PUT" && r.path === `/v1/nodes/${node}/states/provision` && /"(active|rebuild)"/.test(r.body));
  const body = JSON.parse(deploys.at(-1)?.body ?? "{}") as { configdrive?: { meta_data?: Json } };
  return body.configdrive?.meta_data ?? {};
}

/** Every row of every table of the service's SQLite file, as text. */
function everythingAtRest(): string {
  const db = new BetterSqlite3(api.storePath, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
    return tables.map(({ name }) => JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all())).join("\n");
  } finally {
    db.close();
  }
}

describe("create options (issue 18 #2, #3)", () => {
  it("bad counts, networks, security groups, addresses and config_drive are 400 with Nova's text; nothing is persisted", async () => {
    const cases: Array<[Json, RegExp]> = [
      [{ min_count: 0 }, /min_count/],
      [{ max_count: 0 }, /max_count/],
      [{ max_count: "two" }, /max_count/],
      [{ min_count: 3, max_count: 2 }, /^min_count must be <= max_count$/],
      [{ min_count: 101 }, /min_count may be at most 100/],
      [{ max_count: 2, networks: [{ uuid: "00000000-0000-4000-8000-000000000001", fixed_ip: "192.0.2.5" }] }, /max_count cannot be greater than 1 if an fixed_ip is specified/],
      [{ max_count: 2, networks: [{ port: "00000000-0000-4000-8000-000000000002" }] }, /Unable to launch multiple instances with a single configured port ID/],
      [{ min_count: 2, imageRef: "", block_device_mapping_v2: [{ source_type: "volume", destination_type: "volume", uuid: "00000000-0000-4000-8000-000000000003", boot_index: 0 }] }, /^Cannot attach one or more volumes to multiple instances$/],
      [{ security_groups: [{ name: "web" }] }, /^Unable to find security_group with name or id 'web'$/],
      [{ accessIPv4: "192.0.2.300" }, /accessIPv4: '192\.0\.2\.300' is not a 'ipv4'/],
      [{ accessIPv6: "192.0.2.1" }, /accessIPv6: '192\.0\.2\.1' is not a 'ipv6'/],
      [{ config_drive: "maybe" }, /config_drive/],
      [{ "OS-DCF:diskConfig": "SOMETIMES" }, /diskConfig/],
    ];
    for (const [options, message] of cases) {
      const result = await create({ name: "refused", ...options });
      expect(result.status, JSON.stringify(options)).toBe(400);
      expect(faultText(result.json), JSON.stringify(options)).toMatch(message);
    }
    expect(await listed()).toEqual([]);
    expect((await api.call("GET", `/v2.1/os-quota-sets/${api.users.member.projectId}/detail`, { as: "member" })).json).toMatchObject({ quota_set: { instances: { in_use: 0 } } });
  });

  let trio: string[] = [];
  let adminPass = "";

  it("min_count=max_count=3: three servers name-1..3, one reservation, each on its own node with the request's admin password in its meta_data.json; the password is nowhere at rest and never logged", async () => {
    const result = await create({
      name: "trio", min_count: 3, max_count: "3", accessIPv4: "192.0.2.10", accessIPv6: "2001:db8::10",
      "OS-DCF:diskConfig": "AUTO", security_groups: [{ name: "default" }], config_drive: "true",
    });
    expect(result.status, result.text).toBe(202);
    const answer = result.json["server"] as Json;
    adminPass = answer["adminPass"] as string;
    expect(adminPass).toMatch(NOVA_PASSWORD);
    expect(answer).toMatchObject({ "OS-DCF:diskConfig": "AUTO", security_groups: [{ name: "default" }] });
    expect(result.headers["location"]).toBe(`${api.url}/v2.1/servers/${answer["id"] as string}`);

    const first = await adminView(answer["id"] as string);
    const reservation = first["OS-EXT-SRV-ATTR:reservation_id"] as string;
    expect(reservation).toMatch(/^r-[0-9a-z]{8}$/);
    const members = await listed(`?reservation_id=${reservation}`);
    expect(members.map((server) => server["name"]).sort()).toEqual(["trio-1", "trio-2", "trio-3"]);
    expect(members.find((server) => server["id"] === answer["id"])?.["name"]).toBe("trio-1");
    trio = members.map((server) => server["id"] as string);

    const servers = await Promise.all(trio.map((id) => settled(id)));
    expect(servers.map((server) => server["status"])).toEqual(["ACTIVE", "ACTIVE", "ACTIVE"]);
    const nodes = servers.map((server) => server["OS-EXT-SRV-ATTR:hypervisor_hostname"] as string);
    expect(new Set(nodes).size).toBe(3);
    for (const server of servers) {
      expect(server).toMatchObject({
        "OS-EXT-SRV-ATTR:reservation_id": reservation, accessIPv4: "192.0.2.10", accessIPv6: "2001:db8::10",
        "OS-DCF:diskConfig": "AUTO", security_groups: [{ name: "default" }], config_drive: "True",
      });
      const meta = sentMetaData(server["OS-EXT-SRV-ATTR:hypervisor_hostname"] as string);
      expect(meta).toMatchObject({ admin_pass: adminPass, name: server["name"], uuid: server["id"], launch_index: server["OS-EXT-SRV-ATTR:launch_index"] });
    }
    expect(servers.map((server) => server["OS-EXT-SRV-ATTR:launch_index"]).sort()).toEqual([0, 1, 2]);
    // Another project does not see them through the filter.
    expect((await api.call("GET", `/v2.1/servers?reservation_id=${reservation}`, { as: "other" })).json["servers"]).toEqual([]);

    // Returned once (the create's answer), kept nowhere once the tasks ended, never logged.
    expect(api.responses.filter((text) => text.includes(adminPass))).toHaveLength(1);
    expect(everythingAtRest()).not.toContain(adminPass);
    expect(everythingAtRest()).not.toContain("admin_password");
    expect(log.text()).not.toContain(adminPass);
  });

  it("accessIPv4/v6 and OS-DCF:diskConfig change with PUT; a bad address is 400", async () => {
    const id = trio[0] ?? "";
    const put = await api.call("PUT", `/v2.1/servers/${id}`, { as: "member", body: { server: { accessIPv4: "198.51.100.7", accessIPv6: "2001:db8::7", "OS-DCF:diskConfig": "MANUAL" } } });
    expect(put.status, put.text).toBe(200);
    expect(put.json["server"]).toMatchObject({ accessIPv4: "198.51.100.7", accessIPv6: "2001:db8::7", "OS-DCF:diskConfig": "MANUAL" });
    expect((await api.call("GET", `/v2.1/servers/${id}`, { as: "reader" })).json["server"]).toMatchObject({ accessIPv4: "198.51.100.7", accessIPv6: "2001:db8::7" });
    const bad = await api.call("PUT", `/v2.1/servers/${id}`, { as: "member", body: { server: { accessIPv4: "not-an-ip" } } });
    expect(bad.status).toBe(400);
    expect(faultText(bad.json)).toContain("'not-an-ip' is not a 'ipv4'");
  });

  it("min_count above the free nodes: every server of the request ends ERROR \"No valid host\", no node stays claimed", async () => {
    // One node is left; the request needs two.
    const result = await create({ name: "pair", min_count: 2 });
    expect(result.status, result.text).toBe(202);
    const reservation = (await adminView((result.json["server"] as Json)["id"] as string))["OS-EXT-SRV-ATTR:reservation_id"] as string;
    const pair = (await listed(`?reservation_id=${reservation}`)).map((server) => server["id"] as string);
    expect(pair).toHaveLength(2);
    const servers = await Promise.all(pair.map((id) => settled(id)));
    for (const server of servers) {
      expect(server["status"]).toBe("ERROR");
      expect((server["fault"] as Json)["message"]).toBe("No valid host was found. There are not enough hosts available.");
      expect(server["OS-EXT-SRV-ATTR:hypervisor_hostname"]).toBeNull();
    }
    const claimed = await Promise.all(api.nodes.map(async (node) => (await ironic.nodes.getFull(node)).instance_uuid));
    expect(claimed.filter((uuid) => uuid !== null).sort()).toEqual([...trio].sort());
    await deleteAll(pair);
  });

  it("quota: min_count above what is left is 403 (nothing made); max_count above it makes what is left; return_reservation_id answers the reservation alone", async () => {
    const project = api.users.member.projectId;
    expect((await api.call("PUT", `/v2.1/os-quota-sets/${project}`, { as: "admin", body: { quota_set: { instances: 4 } } })).status).toBe(200);
    try {
      const refused = await create({ name: "over", min_count: 2, max_count: 3 });
      expect(refused.status).toBe(403);
      expect(faultText(refused.json)).toBe("Quota exceeded for instances: Requested 2-3, but already used 3 of 4 instances");
      expect(await listed()).toHaveLength(3);

      const result = await create({ name: "fits", min_count: 1, max_count: 3, return_reservation_id: "True" });
      expect(result.status, result.text).toBe(202);
      expect(Object.keys(result.json)).toEqual(["reservation_id"]);
      const reservation = result.json["reservation_id"] as string;
      expect(reservation).toMatch(/^r-[0-9a-z]{8}$/);
      const made = await listed(`?reservation_id=${reservation}`);
      // One is what the quota allows: a single server keeps the name as given.
      expect(made.map((server) => server["name"])).toEqual(["fits"]);
      expect((await settled(made[0]?.["id"] as string))["status"]).toBe("ACTIVE");
      trio.push(made[0]?.["id"] as string);
    } finally {
      await api.call("DELETE", `/v2.1/os-quota-sets/${project}`, { as: "admin" });
    }
  });

  it("rebuild answers a new admin password and writes it into the new config drive; given passwords are used as given", async () => {
    const id = trio[1] ?? "";
    const node = (await adminView(id))["OS-EXT-SRV-ATTR:hypervisor_hostname"] as string;
    const rebuilt = await api.call("POST", `/v2.1/servers/${id}/action`, { as: "member", body: { rebuild: { imageRef: api.imageId, "OS-DCF:diskConfig": "AUTO" } } });
    expect(rebuilt.status, rebuilt.text).toBe(202);
    const fresh = (rebuilt.json["server"] as Json)["adminPass"] as string;
    expect(fresh).toMatch(NOVA_PASSWORD);
    expect(fresh).not.toBe(adminPass);
    expect(await settled(id)).toMatchObject({ status: "ACTIVE", "OS-DCF:diskConfig": "AUTO" });
    expect(sentMetaData(node)["admin_pass"]).toBe(fresh);

    const given = await api.call("POST", `/v2.1/servers/${id}/action`, { as: "member", body: { rebuild: { imageRef: api.imageId, adminPass: "Given-Rebuild-Pass-1" } } });
    expect((given.json["server"] as Json)["adminPass"]).toBe("Given-Rebuild-Pass-1");
    await settled(id);
    expect(sentMetaData(node)["admin_pass"]).toBe("Given-Rebuild-Pass-1");
    expect(everythingAtRest()).not.toContain(fresh);
    expect(everythingAtRest()).not.toContain("Given-Rebuild-Pass-1");
    expect(log.text()).not.toContain(fresh);
  });

  it("os-server-password: \"\" to readers, DELETE 204 for members; 404 for another project's or an unknown server", async () => {
    const id = trio[0] ?? "";
    const shown = await api.call("GET", `/v2.1/servers/${id}/os-server-password`, { as: "reader" });
    expect(shown.status).toBe(200);
    expect(shown.json).toEqual({ password: "" });
    expect((await api.call("DELETE", `/v2.1/servers/${id}/os-server-password`, { as: "reader" })).status).toBe(403);
    expect((await api.call("DELETE", `/v2.1/servers/${id}/os-server-password`, { as: "member" })).status).toBe(204);
    expect((await api.call("GET", `/v2.1/servers/${id}/os-server-password`, { as: "other" })).status).toBe(404);
    expect((await api.call("DELETE", `/v2.1/servers/${id}/os-server-password`, { as: "other" })).status).toBe(404);
    expect((await api.call("GET", "/v2.1/servers/00000000-0000-4000-8000-00000000abcd/os-server-password", { as: "member" })).status).toBe(404);
    await deleteAll(trio);
  });
});
