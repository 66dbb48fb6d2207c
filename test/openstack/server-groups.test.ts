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
const osc = oscServiceForFile("osc-groups", { nodes: 1, log: log.logger });
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
  it("create, list, show; a server with --hint group= joins it, the next member finds no host; delete", async () => {
    const service = running();
    const group = await openstackJson(["server", "group", "create", "--policy", "anti-affinity", "spread"]);
    expect(group).toMatchObject({ name: "spread", policy: "anti-affinity" });
    const id = group["id"] as string;

    const listed = (await openstackJson(["server", "group", "list"])) as unknown as Array<Record<string, unknown>>;
    expect(listed.map((g) => g["ID"])).toContain(id);
    expect(await openstackJson(["server", "group", "show", "spread"])).toMatchObject({ id, policy: "anti-affinity" });

    // One node: the member created with --hint holds it, so the group's next member finds no host.
    const server = await openstackJson(["server", "create", "--flavor", service.flavorId, "--image", service.imageId, "--nic", "none", "--hint", `group=${id}`, "--wait", "g-1"]);
    expect(server["status"]).toBe("ACTIVE");
    const second = await service.call("POST", "/v2.1/servers", {
      as: "member",
      body: { server: { name: "g-2", flavorRef: service.flavorId, imageRef: service.imageId, networks: "none" }, "os:scheduler_hints": { group: id } },
    });
    expect(second.status).toBe(202);
    const failed = await service.waitForStatus((second.json["server"] as { id: string }).id, "ERROR");
    expect(JSON.stringify(failed["fault"])).toContain("No valid host was found");
    const members = String((await openstackJson(["server", "group", "show", id]))["members"]);
    expect(members).toContain(server["id"]);
    expect(members).toContain((second.json["server"] as { id: string }).id);

    const deleted = await openstack(["server", "delete", "--wait", "g-1", "g-2"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    const removed = await openstack(["server", "group", "delete", "spread"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await service.call("GET", `/v2.1/os-server-groups/${id}`, { as: "member" })).status).toBe(404);
  }, 300_000);
});
