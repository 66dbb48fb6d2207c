// Registered volumes with the REAL Debian `openstack` CLI (python3-openstackclient
// 6.0.0, cinderclient 9.1.0) through Keystone password auth against
// /identity/v3: the token's catalog carries `volumev3` at
// <url>/volume/v3/<project id>, which cinderclient uses as it is (issue 13 #2).
// `volume create` by an admin carries the registration as --property
// ironic_compute:*; list, list --long, show by name, delete; a member cannot create.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { TestApi } from "../support/api-service.js";
import { cleanEnv, runClient, type ClientRun } from "../support/client-process.js";
import { captureLog } from "../support/log-capture.js";
import { oscServiceForFile } from "../support/osc-service.js";

const log = captureLog("debug");
const SECRET = "osc-chap-secret-4f1c2a";
const osc = oscServiceForFile("osc-volumes", { nodes: 1, log: log.logger, iscsiConnector: true, interfaces: { storage_interface: "external" } });
const running = (): TestApi => osc.running();

async function openstack(user: "admin" | "member", command: string[]): Promise<ClientRun> {
  const service = running();
  const args = [
    "--os-auth-type", "password", "--os-auth-url", `${service.url}/identity/v3`,
    "--os-username", service.users[user].name, "--os-password", service.passwords[user],
    "--os-user-domain-name", "Default", "--os-project-id", service.users[user].projectId, "--os-project-domain-name", "Default",
    ...(process.env["OSC_DEBUG"] === undefined ? [] : ["--debug"]),
    ...command,
  ];
  return osc.run(args, 120_000);
}

async function openstackJson(user: "admin" | "member", command: string[]): Promise<unknown> {
  const run = await openstack(user, [...command, "-f", "json"]);
  expect(run.code, `openstack ${command.join(" ")}: ${run.stderr}`).toBe(0);
  expect(run.stdout + run.stderr).not.toContain(SECRET);
  return JSON.parse(run.stdout) as unknown;
}

describe("openstack volume commands (issue 13 #2)", () => {
  it("volume create (admin, --property ironic_compute:*), list, list --long, show by name, delete", async () => {
    const project = running().users.member.projectId;
    const created = (await openstackJson("admin", [
      "volume", "create", "--size", "40", "--description", "boot disk",
      "--property", "ironic_compute:protocol=iscsi",
      "--property", "ironic_compute:target_portals=192.0.2.10:3260",
      "--property", "ironic_compute:target_iqn=iqn.2004-04.com.example:osc1",
      "--property", "ironic_compute:target_lun=1",
      "--property", "ironic_compute:auth_username=chap-user",
      "--property", `ironic_compute:auth_password=${SECRET}`,
      "--property", `ironic_compute:project_id=${project}`,
      "--property", "ironic_compute:bootable=true",
      "--property", "rack=r1",
      "osc-boot",
    ])) as Record<string, unknown>;
    expect(created).toMatchObject({ name: "osc-boot", size: 40, status: "available", bootable: "true", description: "boot disk", properties: { rack: "r1" } });

    const listed = (await openstackJson("member", ["volume", "list"])) as Array<Record<string, unknown>>;
    expect(listed).toEqual([expect.objectContaining({ ID: created["id"], Name: "osc-boot", Status: "available", Size: 40, "Attached to": [] })]);

    const long = (await openstackJson("member", ["volume", "list", "--long"])) as Array<Record<string, unknown>>;
    expect(long).toEqual([expect.objectContaining({ Name: "osc-boot", Bootable: "true", Properties: { rack: "r1" } })]);

    const shown = (await openstackJson("member", ["volume", "show", "osc-boot"])) as Record<string, unknown>;
    expect(shown).toMatchObject({ id: created["id"], name: "osc-boot", size: 40, status: "available", "os-vol-tenant-attr:tenant_id": project });

    // A member cannot register: Cinder's 403 comes through as the CLI's error.
    const refused = await openstack("member", ["volume", "create", "--size", "1", "--property", "ironic_compute:protocol=iscsi", "nope"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("Policy doesn't allow volume:create to be performed. (HTTP 403)");

    const deleted = await openstack("admin", ["volume", "delete", "osc-boot"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await openstackJson("member", ["volume", "list"])).toEqual([]);
  }, 300_000);

  it("volume delete of an attached volume fails with Cinder's message; the secret is in no log line", async () => {
    const service = running();
    const created = await service.call("POST", "/volume/v3/volumes", {
      as: "admin",
      body: { volume: { name: "osc-attached", size: 10, project_id: null, connection: { protocol: "fibre_channel", target_wwns: ["500a09838dc33f12"], target_lun: 0 } } },
    });
    expect(created.status, created.text).toBe(202);
    const id = (created.json["volume"] as { id: string }).id;
    const server = randomUUID();
    expect(await service.running.store.volumes.attach(id, { id: randomUUID(), serverId: server, attachedAt: new Date().toISOString() })).toBe("attached");
    const shown = (await openstackJson("member", ["volume", "show", "osc-attached"])) as Record<string, unknown>;
    expect(shown["status"]).toBe("in-use");
    const listed = (await openstackJson("member", ["volume", "list", "--long"])) as Array<Record<string, unknown>>;
    // OSC 6's JSON output gives "Attached to" as the raw attachments.
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ Name: "osc-attached", Status: "in-use", "Attached to": [{ server_id: server, volume_id: id }] });
    const refused = await openstack("admin", ["volume", "delete", id]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("Invalid volume: Volume status must be available or error");
    expect(log.text()).not.toContain(SECRET);
  }, 300_000);

  it("openstacksdk finds block-storage in the catalog and lists and gets volumes", async () => {
    const service = running();
    const script = [
      "import json, sys, openstack",
      "c = json.loads(sys.argv[1])",
      "conn = openstack.connect(load_yaml_config=False, load_envvars=False, auth_type='password', auth=dict(auth_url=c['auth_url'], username=c['username'], password=c['password'], project_id=c['project_id'], user_domain_name='Default', project_domain_name='Default'))",
      "volumes = [dict(id=v.id, name=v.name, status=v.status, size=v.size) for v in conn.block_storage.volumes()]",
      "shown = conn.block_storage.get_volume(volumes[0]['id'])",
      "print(json.dumps(dict(volumes=volumes, shown=dict(name=shown.name, is_bootable=shown.is_bootable, attachments=shown.attachments))))",
    ].join("\n");
    const member = service.users.member;
    const config = { auth_url: `${service.url}/identity/v3`, username: member.name, password: service.passwords.member, project_id: member.projectId };
    const run = await runClient("/usr/bin/python3", ["-c", script, JSON.stringify(config)], { env: cleanEnv(osc.home()), cwd: osc.home(), timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { volumes: Array<Record<string, unknown>>; shown: Record<string, unknown> };
    expect(out.volumes).toEqual([expect.objectContaining({ name: "osc-attached", status: "in-use", size: 10 })]);
    expect(out.shown).toMatchObject({ name: "osc-attached", is_bootable: false });
  }, 300_000);

  it("server create --volume V --wait boots from it; server show lists it in volumes_attached; delete frees it (issue 13 #3-4)", async () => {
    const service = running();
    const registered = await service.call("POST", `/volume/v3/${service.users.admin.projectId}/volumes`, {
      as: "admin",
      body: { volume: { name: "osc-boot", size: 20, project_id: service.users.member.projectId, bootable: true, connection: { protocol: "iscsi", target_portals: ["192.0.2.10:3260"], target_iqn: "iqn.2004-04.com.example:osc-boot", target_lun: 0, auth_username: "chap-user", auth_password: SECRET } } },
    });
    expect(registered.status).toBe(202);
    const server = (await openstackJson("member", ["server", "create", "--flavor", service.flavorId, "--volume", "osc-boot", "--wait", "osc-bfv"])) as Record<string, unknown>;
    expect(server["status"]).toBe("ACTIVE");
    const shown = (await openstackJson("member", ["server", "show", "osc-bfv"])) as Record<string, unknown>;
    expect(JSON.stringify(shown["volumes_attached"])).toContain((registered.json["volume"] as { id: string }).id);
    expect(((await openstackJson("member", ["volume", "show", "osc-boot"])) as Record<string, unknown>)["status"]).toBe("in-use");
    const deleted = await openstack("member", ["server", "delete", "--wait", "osc-bfv"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(((await openstackJson("member", ["volume", "show", "osc-boot"])) as Record<string, unknown>)["status"]).toBe("available");
    expect(log.text()).not.toContain(SECRET);
  }, 300_000);
});
