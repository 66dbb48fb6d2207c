// Server groups with the REAL Debian `openstack` CLI (python3-openstackclient,
// novaclient) in deployment shape A of docs/openstack-compat.md (http_basic,
// one URL, 2.latest): `server group create --policy`, `list`, `show`,
// `server create --hint group=…` (anti-affinity over the nodes), `delete`.
import { describe, expect, it } from "vitest";
import type { TestApi } from "../support/api-service.js";
import type { ClientRun } from "../support/client-process.js";
import { captureLog } from "../support/log-capture.js";
import { oscServiceForFile } from "../support/osc-service.js";

const log = captureLog("warn");
const osc = oscServiceForFile("osc-groups", { nodes: 2, log: log.logger });
const running = (): TestApi => osc.running();

async function openstack(command: string[]): Promise<ClientRun> {
  const service = running();
  const args = [
    "--os-auth-type", "http_basic", "--os-username", service.users.member.name, "--os-password", service.passwords.member,
    "--os-endpoint", `${service.url}/v2.1`, "--os-compute-api-version", "2.latest",
    ...(process.env["OSC_DEBUG"] === undefined ? [] : ["--debug"]), ...command,
  ];
  return osc.run(args, 300_000);
}

async function openstackJson(command: string[]): Promise<Record<string, unknown>> {
  const run = await openstack([...command, "-f", "json"]);
  expect(run.code, `openstack ${command.join(" ")}: ${run.stderr}`).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe("openstack server group commands (issue 11 #4)", () => {
  it("create, list, show; servers with --hint group= go to different nodes; a third finds none; delete", async () => {
    const service = running();
    const group = await openstackJson(["server", "group", "create", "--policy", "anti-affinity", "spread"]);
    expect(group).toMatchObject({ name: "spread", policy: "anti-affinity" });
    const id = group["id"] as string;

    const listed = (await openstackJson(["server", "group", "list"])) as unknown as Array<Record<string, unknown>>;
    expect(listed.map((g) => g["ID"])).toContain(id);
    expect(await openstackJson(["server", "group", "show", "spread"])).toMatchObject({ id, policy: "anti-affinity" });

    const servers: string[] = [];
    for (const name of ["g-1", "g-2"]) {
      const server = await openstackJson(["server", "create", "--flavor", service.flavorId, "--image", service.imageId, "--nic", "none", "--hint", `group=${id}`, "--wait", name]);
      expect(server["status"]).toBe("ACTIVE");
      servers.push(server["id"] as string);
    }
    const nodes = await Promise.all(servers.map(async (server) => {
      const shown = await service.call("GET", `/v2.1/servers/${server}`, { as: "admin" });
      return (shown.json["server"] as Record<string, unknown>)["OS-EXT-SRV-ATTR:hypervisor_hostname"];
    }));
    expect(new Set(nodes).size).toBe(2);
    const members = (await openstackJson(["server", "group", "show", id]))["members"];
    expect(String(members)).toContain(servers[0]);
    expect(String(members)).toContain(servers[1]);

    // Both nodes hold a member: a third server of the group finds no host.
    const third = await openstack(["server", "create", "--flavor", service.flavorId, "--image", service.imageId, "--nic", "none", "--hint", `group=${id}`, "--wait", "g-3"]);
    // OSC 6.0 logs the failure and ends with a bare SystemExit (exit code 0).
    expect(third.stderr).toContain("Error creating server: g-3");
    const failed = await openstackJson(["server", "show", "g-3"]);
    expect(failed["status"]).toBe("ERROR");
    expect(JSON.stringify(failed["fault"])).toContain("No valid host was found");

    const deleted = await openstack(["server", "delete", "--wait", ...servers, "g-3"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    const removed = await openstack(["server", "group", "delete", "spread"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await service.call("GET", `/v2.1/os-server-groups/${id}`, { as: "member" })).status).toBe(404);
  }, 300_000);
});
