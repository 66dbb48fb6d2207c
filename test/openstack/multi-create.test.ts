// Multi-create and os-server-password with the REAL Debian `openstack` CLI
// (python3-openstackclient 6.0, novaclient) in deployment shape A of
// docs/openstack-compat.md (http_basic, one URL, 2.latest): `server create
// --min 2 --max 2`, `server list --reservation-id`, `server set --no-password`
// (DELETE os-server-password). OSC 6.0 has no --access-ipv4 and no `server
// password show`; those are tested over HTTP (test/api/create-options.test.ts).
import { describe, expect, it } from "vitest";
import { captureLog } from "../support/log-capture.js";
import { oscServiceForFile } from "../support/osc-service.js";

const log = captureLog("warn");
const osc = oscServiceForFile("osc-multi", { nodes: 2, log: log.logger });

async function openstackJson(command: string[]): Promise<unknown> {
  const service = osc.running();
  const run = await osc.run([
    "--os-auth-type", "http_basic", "--os-username", "admin", "--os-password", service.passwords.admin,
    "--os-endpoint", `${service.url}/v2.1`, "--os-compute-api-version", "2.latest", ...command,
  ], 300_000);
  expect(run.code, `openstack ${command.join(" ")}: ${run.stderr}`).toBe(0);
  return run.stdout.trim() === "" ? {} : JSON.parse(run.stdout);
}

describe("openstack server create --min/--max (issue 18 #2)", () => {
  it("two servers named name-1/name-2 in one reservation, listed by --reservation-id; server set --no-password", async () => {
    const service = osc.running();
    const created = (await openstackJson(["server", "create", "--flavor", service.flavorId, "--image", service.imageId, "--nic", "none", "--min", "2", "--max", "2", "duo", "-f", "json"])) as Record<string, unknown>;
    expect(String(created["adminPass"])).toMatch(/^[2-9A-HJ-NP-Za-km-z]{12}$/);
    const reservation = created["OS-EXT-SRV-ATTR:reservation_id"] as string;
    expect(reservation).toMatch(/^r-[0-9a-z]{8}$/);
    const listed = (await openstackJson(["server", "list", "--reservation-id", reservation, "-f", "json"])) as Array<Record<string, unknown>>;
    expect(listed.map((server) => server["Name"]).sort()).toEqual(["duo-1", "duo-2"]);
    const ids = listed.map((server) => server["ID"] as string);
    for (const id of ids) await service.waitForStatus(id, "ACTIVE");
    await openstackJson(["server", "set", "--no-password", ids[0] ?? ""]);
    for (const id of ids) expect((await service.call("DELETE", `/v2.1/servers/${id}`)).status).toBe(204);
  }, 300_000);
});
