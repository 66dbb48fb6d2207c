// Nova's list filters with the REAL Debian `openstack` CLI (python3-openstackclient
// 6.0, novaclient) in deployment shape A of docs/openstack-compat.md (http_basic,
// one URL, 2.latest) (issue 18 #5): `server list --name REGEX` (a search, in
// Nova's default order, newest first), an invalid pattern's 400 as the CLI
// prints it, `--all-projects --host` (admin), and `--changes-since` listing a
// deleted server. OSC 6.0 has no --sort (its --sort-column sorts in the client):
// sort_key/sort_dir are tested over HTTP (test/api/server-list-filters.test.ts).
import { describe, expect, it } from "vitest";
import { captureLog } from "../support/log-capture.js";
import { oscServiceForFile } from "../support/osc-service.js";

const log = captureLog("warn");
const osc = oscServiceForFile("osc-filters", { nodes: 2, log: log.logger });

async function openstack(who: "admin" | "member", command: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const service = osc.running();
  const user = who === "admin" ? "admin" : service.users.member.name;
  return osc.run([
    "--os-auth-type", "http_basic", "--os-username", user, "--os-password", service.passwords[who],
    "--os-endpoint", `${service.url}/v2.1`, "--os-compute-api-version", "2.latest", ...command,
  ], 120_000);
}

async function listed(who: "admin" | "member", options: string[]): Promise<Array<Record<string, string>>> {
  const run = await openstack(who, ["server", "list", ...options, "-f", "json"]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Array<Record<string, string>>;
}

describe("openstack server list filters (issue 18 #5)", () => {
  it("--name is a regular expression; an invalid one is Nova's 400; --host for admins; --changes-since shows a deleted server", async () => {
    const service = osc.running();
    const ids: Record<string, string> = {};
    const create = async (name: string) => {
      const result = await service.call("POST", "/v2.1/servers", { as: "member", body: { server: { name, imageRef: service.imageId, flavorRef: service.flavorId, networks: "none" } } });
      expect(result.status, result.text).toBe(202);
      ids[name] = (result.json["server"] as { id: string }).id;
    };
    await create("osc-web-1");
    await create("osc-db-1");
    await service.waitForStatus(ids["osc-web-1"] ?? "", "ACTIVE", "member");
    await service.waitForStatus(ids["osc-db-1"] ?? "", "ACTIVE", "member");
    // Two nodes, both taken: this one gets none (No valid host).
    await create("osc-web-2");

    const web = await listed("member", ["--name", "^osc-web"]);
    expect(web.map((server) => server["Name"])).toEqual(["osc-web-2", "osc-web-1"]);
    expect((await listed("member", ["--name", "db"])).map((server) => server["Name"])).toEqual(["osc-db-1"]);

    const invalid = await openstack("member", ["server", "list", "--name", "osc-(web"]);
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toMatch(/Invalid filter field: name\..*\(HTTP 400\)/s);

    // The one host has the two servers on nodes.
    const hosted = await listed("admin", ["--all-projects", "--host", "ironic-compute", "--name", "^osc-"]);
    expect(hosted.map((server) => server["Name"]).sort()).toEqual(["osc-db-1", "osc-web-1"]);
    expect(await listed("admin", ["--all-projects", "--host", "elsewhere", "--name", "^osc-"])).toEqual([]);

    const before = new Date().toISOString();
    expect((await service.call("DELETE", `/v2.1/servers/${ids["osc-db-1"] ?? ""}`, { as: "member" })).status).toBe(204);
    await expect.poll(async () => (await service.call("GET", `/v2.1/servers/${ids["osc-db-1"] ?? ""}`, { as: "member" })).status, { timeout: 60_000, interval: 500 }).toBe(404);
    const changed = await listed("member", ["--changes-since", before, "--name", "^osc-db"]);
    expect(changed).toEqual([expect.objectContaining({ ID: ids["osc-db-1"], Name: "osc-db-1", Status: "DELETED" })]);
    expect(await listed("member", ["--name", "^osc-db"])).toEqual([]);
  }, 300_000);
});
