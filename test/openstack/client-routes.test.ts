// The REAL `openstack` CLI (Debian's python3-openstackclient) on the routes of
// issue 18 #4, in deployment shape A of docs/openstack-compat.md (one URL,
// http_basic): `server dump create` (trigger_crash_dump, 2.17), `server set
// --state` (os-resetState, admin), `keypair create --type x509 --public-key`
// and `keypair show`, and `image list` — which openstacksdk sends to
// /v2.1/images without a compute microversion, so it keeps Glance's format
// beside Nova's image proxy at every --os-compute-api-version. Each result is
// read back through the API.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { oscServiceForFile } from "../support/osc-service.js";
import { captureLog } from "../support/log-capture.js";
import { TEST_CERTIFICATE, TEST_CERTIFICATE_FINGERPRINT } from "../support/test-certificate.js";

type Json = Record<string, unknown>;
const log = captureLog("warn");
const osc = oscServiceForFile("osc-client-routes", { nodes: 1, log: log.logger });
let id = "";

async function openstack(as: "admin" | "member", version: string, ...command: string[]): Promise<string> {
  const api = osc.running();
  const run = await osc.run(
    [
      "--os-auth-type", "http_basic",
      "--os-username", as === "admin" ? "admin" : api.users.member.name,
      "--os-password", api.passwords[as],
      "--os-endpoint", `${api.url}/v2.1`,
      "--os-compute-api-version", version,
      ...command,
    ],
    120_000,
  );
  expect(run.code, `openstack ${command.join(" ")}: ${run.stderr}`).toBe(0);
  return run.stdout;
}

async function shown(): Promise<Json> {
  return (await osc.running().call("GET", `/v2.1/servers/${id}`, { as: "admin" })).json["server"] as Json;
}

async function actionsNamed(name: string): Promise<Json[]> {
  const api = osc.running();
  const list = (await api.call("GET", `/v2.1/servers/${id}/os-instance-actions`, { as: "member" })).json["instanceActions"] as Json[];
  return list.filter((entry) => entry["action"] === name);
}

beforeAll(async () => {
  const api = osc.running();
  id = await api.createServer("osc-routes");
}, 120_000);

describe("openstack CLI on the routes clients call (issue 18 #4)", () => {
  it("image list (openstacksdk, Glance's format under /v2.1) works at 2.1 and at 2.latest", async () => {
    for (const version of ["2.1", "2.latest"]) {
      const images = JSON.parse(await openstack("member", version, "image", "list", "-f", "json")) as Json[];
      expect(images.map((image) => image["ID"]), version).toContain(osc.running().imageId);
    }
  }, 120_000);

  it("server dump create sends trigger_crash_dump; fake hardware's refusal is the action's failed event", async () => {
    await openstack("member", "2.latest", "server", "dump", "create", id);
    const [dump] = await actionsNamed("trigger_crash_dump");
    expect(dump).toMatchObject({ action: "trigger_crash_dump", message: "Error" });
    expect((await shown())["status"]).toBe("ACTIVE");
  }, 120_000);

  it("server set --state error / active is os-resetState (admin)", async () => {
    await openstack("admin", "2.latest", "server", "set", "--state", "error", id);
    expect(await shown()).toMatchObject({ status: "ERROR", "OS-EXT-STS:task_state": null });
    await openstack("admin", "2.latest", "server", "set", "--state", "active", id);
    expect((await shown())["status"]).toBe("ACTIVE");
    expect(await actionsNamed("resetState")).toHaveLength(2);
  }, 120_000);

  it("keypair create --type x509 is dropped by OSC 6.0 (no type reaches the server); keypair show shows an x509 key pair", async () => {
    const api = osc.running();
    const file = join(osc.home(), "cert.pem");
    writeFileSync(file, `${TEST_CERTIFICATE}\n`);
    // OSC 6.0.0 passes `key_type` to openstacksdk 0.101, whose Keypair has `type`:
    // the body carries no type, so the certificate is read as an ssh key and
    // refused — as Nova refuses it. (Later OSC releases send the type.)
    const refused = await osc.run(
      ["--os-auth-type", "http_basic", "--os-username", api.users.member.name, "--os-password", api.passwords.member, "--os-endpoint", `${api.url}/v2.1`,
        "--os-compute-api-version", "2.latest", "keypair", "create", "--type", "x509", "--public-key", file, "osc-cert"],
      120_000,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Keypair data is invalid");

    // The same certificate with its type (as the API reference sends it), then the CLI's show.
    const created = await api.call("POST", "/v2.1/os-keypairs", {
      as: "member",
      headers: { "openstack-api-version": "compute 2.2" },
      body: { keypair: { name: "osc-cert", type: "x509", public_key: TEST_CERTIFICATE } },
    });
    expect(created.status, created.text).toBe(201);
    const shownKey = JSON.parse(await openstack("member", "2.latest", "keypair", "show", "osc-cert", "-f", "json")) as Json;
    expect(shownKey).toMatchObject({ name: "osc-cert", type: "x509", fingerprint: TEST_CERTIFICATE_FINGERPRINT, user_id: api.users.member.id, is_deleted: false });
    expect(String(shownKey["created_at"])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // openstacksdk shows the name as `id`; Nova's integer id is on the wire.
    const wire = (await api.call("GET", "/v2.1/os-keypairs/osc-cert", { as: "member", headers: { "openstack-api-version": "compute 2.10" } })).json["keypair"] as Json;
    expect(wire).toMatchObject({ type: "x509", public_key: TEST_CERTIFICATE });
    expect(Number.isSafeInteger(wire["id"])).toBe(true);
  }, 120_000);
});
