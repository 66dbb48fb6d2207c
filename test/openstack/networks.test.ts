// Networks with the REAL Debian `openstack` CLI (python3-openstackclient 6.0.0,
// openstacksdk 0.101.0), Keystone password auth against /identity/v3: the
// token's catalog names the `network` service at <url>/network, which OSC's
// network client discovers (GET /network → v2.0) and then uses unchanged:
// network create/list/show/delete, subnet create --subnet-range
// --allocation-pool, port create/list/delete, and a member's --share refused;
// then a server on a network (issue 12 #3): server create --network --wait,
// its address in server show, port list --server, and server delete giving
// the address back.
import { describe, expect, it } from "vitest";
import { runOpenstack } from "../../harness/openstack-cli.js";
import { cleanEnv, type ClientRun } from "../support/client-process.js";
import { captureLog } from "../support/log-capture.js";
import { oscServiceForFile } from "../support/osc-service.js";

const log = captureLog("warn");
const { running, home } = oscServiceForFile("osc-networks", { nodes: 1, portsPerNode: 1, log: log.logger });

async function openstack(user: "admin" | "member", command: string[]): Promise<ClientRun> {
  const service = running();
  const who = service.users[user];
  const args = [
    "--os-auth-type", "password", "--os-auth-url", `${service.url}/identity/v3`,
    "--os-username", who.name, "--os-password", service.passwords[user], "--os-user-domain-name", "Default",
    "--os-project-id", who.projectId, "--os-project-domain-name", "Default",
    ...(process.env["OSC_DEBUG"] === undefined ? [] : ["--debug"]),
    ...command,
  ];
  return runOpenstack(args, { env: cleanEnv(home()), cwd: home(), timeoutMs: 120_000 });
}

async function openstackJson(user: "admin" | "member", command: string[]): Promise<unknown> {
  const run = await openstack(user, [...command, "-f", "json"]);
  expect(run.code, `openstack ${command.join(" ")}: ${run.stderr}`).toBe(0);
  return JSON.parse(run.stdout) as unknown;
}

async function ok(user: "admin" | "member", command: string[]): Promise<void> {
  const run = await openstack(user, command);
  expect(run.code, `openstack ${command.join(" ")}: ${run.stderr}`).toBe(0);
}

type Row = Record<string, unknown>;

describe("openstack network commands (issue 12 #2)", () => {
  it("network, subnet and port lifecycle through the catalog's network endpoint", async () => {
    const network = (await openstackJson("member", ["network", "create", "demo2"])) as Row;
    expect(network).toMatchObject({ name: "demo2", status: "ACTIVE", shared: false, mtu: 1500, project_id: running().users.member.projectId });
    const listed = (await openstackJson("member", ["network", "list"])) as Row[];
    expect(listed.map((row) => row["Name"])).toContain("demo2");
    expect((await openstackJson("member", ["network", "show", "demo2"])) as Row).toMatchObject({ id: network["id"], name: "demo2" });

    const subnet = (await openstackJson("member", [
      "subnet", "create", "--network", "demo2", "--subnet-range", "192.0.2.0/24", "--allocation-pool", "start=192.0.2.10,end=192.0.2.20", "sub",
    ])) as Row;
    expect(subnet).toMatchObject({ name: "sub", cidr: "192.0.2.0/24", gateway_ip: "192.0.2.1", network_id: network["id"], ip_version: 4 });
    const shownSubnet = (await openstackJson("member", ["subnet", "show", "sub"])) as Row;
    expect(JSON.stringify(shownSubnet["allocation_pools"])).toContain("192.0.2.10");
    expect(JSON.stringify(shownSubnet["allocation_pools"])).toContain("192.0.2.20");

    const port = (await openstackJson("member", ["port", "create", "--network", "demo2", "p1"])) as Row;
    const fixed = JSON.stringify(port["fixed_ips"]);
    const address = /192\.0\.2\.(\d+)/.exec(fixed);
    expect(address, fixed).not.toBeNull();
    expect(Number(address?.[1])).toBeGreaterThanOrEqual(10);
    expect(Number(address?.[1])).toBeLessThanOrEqual(20);
    const ports = (await openstackJson("member", ["port", "list"])) as Row[];
    expect(ports.map((row) => row["Name"])).toContain("p1");
    const onNetwork = (await openstackJson("member", ["port", "list", "--network", "demo2"])) as Row[];
    expect(onNetwork.map((row) => row["ID"])).toEqual([port["id"]]);
    expect(JSON.stringify(onNetwork[0]?.["Fixed IP Addresses"])).toContain(address?.[0] ?? "none");

    // In use: Neutron's 409s come through as the CLI's errors.
    const busy = await openstack("member", ["network", "delete", "demo2"]);
    expect(busy.code).not.toBe(0);

    await ok("member", ["port", "delete", "p1"]);
    await ok("member", ["subnet", "delete", "sub"]);
    await ok("member", ["network", "delete", "demo2"]);
    expect(((await openstackJson("member", ["network", "list"])) as Row[]).map((row) => row["Name"])).not.toContain("demo2");
  }, 300_000);

  it("a member's network create --share is refused (403); an admin's is a shared network the member sees", async () => {
    const refused = await openstack("member", ["network", "create", "--share", "shared-by-member"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("disallowed by policy");
    const shared = (await openstackJson("admin", ["network", "create", "--share", "shared-by-admin"])) as Row;
    expect(shared).toMatchObject({ shared: true, "provider:network_type": "flat" });
    expect(((await openstackJson("member", ["network", "list"])) as Row[]).map((row) => row["Name"])).toContain("shared-by-admin");
    await ok("admin", ["network", "delete", "shared-by-admin"]);
  }, 300_000);

  it("server create --network … --wait shows its address; port list --server; delete releases it", async () => {
    const service = running();
    await ok("member", ["network", "create", "servers-net"]);
    await ok("member", ["subnet", "create", "--network", "servers-net", "--subnet-range", "198.51.100.0/24", "--allocation-pool", "start=198.51.100.50,end=198.51.100.60", "servers-sub"]);
    const server = (await openstackJson("member", [
      "server", "create", "--flavor", service.flavorId, "--image", service.imageId, "--network", "servers-net", "--wait", "on-net",
    ])) as Row;
    expect(server["status"]).toBe("ACTIVE");
    const shown = (await openstackJson("member", ["server", "show", "on-net"])) as Row;
    // OSC 6.0's -f json: {"servers-net": ["198.51.100.5x"]}.
    const address = /198\.51\.100\.\d+/.exec(JSON.stringify((shown["addresses"] as Record<string, unknown>)["servers-net"]))?.[0];
    expect(address, JSON.stringify(shown["addresses"])).toBeDefined();
    const ports = (await openstackJson("member", ["port", "list", "--server", "on-net"])) as Row[];
    expect(ports).toHaveLength(1);
    expect(JSON.stringify(ports[0]?.["Fixed IP Addresses"])).toContain(address);
    await ok("member", ["server", "delete", "--wait", "on-net"]);
    expect((await openstackJson("member", ["port", "list", "--network", "servers-net"])) as Row[]).toEqual([]);
    await ok("member", ["subnet", "delete", "servers-sub"]);
    await ok("member", ["network", "delete", "servers-net"]);
  }, 300_000);
});
