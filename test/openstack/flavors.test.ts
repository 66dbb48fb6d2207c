// Bare-metal flavors made with the REAL Debian `openstack` CLI (issue 18 #1),
// as an operator of Nova's Ironic driver makes them: `flavor create`, then
// `flavor set --property resources:CUSTOM_<CLASS>=1 …`, `flavor show` (its
// properties), `server create --flavor` reaching ACTIVE on a node of that
// class, `flavor unset --property`, and a class-less flavor refused at server
// create with the clear message. Deployment shape A of docs/openstack-compat.md
// (http_basic, one URL, 2.latest); results are read back through the API too.
import { describe, expect, it } from "vitest";
import { captureLog } from "../support/log-capture.js";
import { oscServiceForFile } from "../support/osc-service.js";

const log = captureLog("warn");
const osc = oscServiceForFile("osc-flavors", { nodes: 1, log: log.logger });

async function openstack(command: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const service = osc.running();
  return osc.run([
    "--os-auth-type", "http_basic", "--os-username", "admin", "--os-password", service.passwords.admin,
    "--os-endpoint", `${service.url}/v2.1`, "--os-compute-api-version", "2.latest", ...command,
  ], 300_000);
}

async function openstackJson(command: string[]): Promise<Record<string, unknown>> {
  const run = await openstack([...command, "-f", "json"]);
  expect(run.code, `openstack ${command.join(" ")}: ${run.stderr}`).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

async function ok(command: string[]): Promise<void> {
  const run = await openstack(command);
  expect(run.code, `openstack ${command.join(" ")}: ${run.stderr}`).toBe(0);
}

/** OSC prints properties as a dict with -f json (or, in some versions, as `k='v', …`). */
function properties(flavor: Record<string, unknown>): Record<string, string> {
  const value = flavor["properties"];
  if (typeof value === "object" && value !== null) return value as Record<string, string>;
  const text = typeof value === "string" ? value : "";
  return Object.fromEntries([...text.matchAll(/([^\s=,]+)='([^']*)'/g)].map((match) => [match[1] ?? "", match[2] ?? ""]));
}

describe("openstack flavor create / set --property / show / unset (issue 18 #1)", () => {
  it("a flavor made schedulable with --property resources:CUSTOM_<CLASS>=1 places a server; unset takes a property away", async () => {
    const service = osc.running();
    const klass = `CUSTOM_${service.resourceClass}`;
    const created = await openstackJson(["flavor", "create", "--ram", "16384", "--vcpus", "8", "--disk", "10", "osc-bm"]);
    const id = created["id"] as string;
    expect(created).toMatchObject({ name: "osc-bm", ram: 16384, vcpus: 8, disk: 10 });

    await ok([
      "flavor", "set",
      "--property", `resources:${klass}=1`,
      "--property", "resources:VCPU=0",
      "--property", "resources:MEMORY_MB=0",
      "--property", "resources:DISK_GB=0",
      "--property", "trait:CUSTOM_NEVER_ON_A_NODE=forbidden",
      "--property", "hw:note=osc",
      "osc-bm",
    ]);
    const shown = await openstackJson(["flavor", "show", "osc-bm"]);
    expect(properties(shown)).toEqual({
      [`resources:${klass}`]: "1",
      "resources:VCPU": "0",
      "resources:MEMORY_MB": "0",
      "resources:DISK_GB": "0",
      "trait:CUSTOM_NEVER_ON_A_NODE": "forbidden",
      "hw:note": "osc",
    });

    const server = await openstackJson(["server", "create", "--flavor", "osc-bm", "--image", service.imageId, "--nic", "none", "osc-flavor-1"]);
    const serverId = server["id"] as string;
    const active = await service.waitForStatus(serverId, "ACTIVE");
    expect(active["OS-EXT-SRV-ATTR:hypervisor_hostname"]).toBe(service.nodes[0]);

    await ok(["flavor", "unset", "--property", "hw:note", "--property", "trait:CUSTOM_NEVER_ON_A_NODE", "osc-bm"]);
    const specs = await service.call("GET", `/v2.1/flavors/${id}/os-extra_specs`);
    expect(specs.json["extra_specs"]).toEqual({
      [`resources:${klass}`]: "1",
      "resources:VCPU": "0",
      "resources:MEMORY_MB": "0",
      "resources:DISK_GB": "0",
    });
    expect((await service.call("DELETE", `/v2.1/servers/${serverId}`)).status).toBe(204);
  }, 300_000);

  it("server create with a flavor that names no resource class fails with the clear message, and nothing is created", async () => {
    const service = osc.running();
    await openstackJson(["flavor", "create", "--ram", "1", "--vcpus", "1", "--disk", "1", "--property", "trait:CUSTOM_RAID=required", "osc-classless"]);
    const run = await openstack(["server", "create", "--flavor", "osc-classless", "--image", service.imageId, "--nic", "none", "osc-classless-1"]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("has no bare-metal resource class: set its extra spec resources:CUSTOM_<CLASS>=1");
    expect(run.stderr).toContain("HTTP 400");
    const listed = (await service.call("GET", "/v2.1/servers?all_tenants=True")).json["servers"] as Array<{ name: string }>;
    expect(listed.map((one) => one.name)).not.toContain("osc-classless-1");
  }, 300_000);
});
