// Every node operation of the typed client against the run's real Ironic.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrolNodes } from "../../src/dev/enrol.js";
import type { IronicClient } from "../../src/ironic/client.js";
import {
  IronicBadRequestError,
  IronicConflictError,
  InvalidResponseError,
  NodeAssociatedError,
  IronicNotFoundError,
} from "../../src/ironic/errors.js";
import { formatMicroversion, MAX_MICROVERSION } from "../../src/ironic/microversion.js";
import { newClient, uniqueResourceClass } from "../support/ironic.js";
import { waitUntil } from "../support/wait.js";

let client: IronicClient;
const resourceClass = uniqueResourceClass("nodes");
let nodes: string[] = [];

async function provisionState(uuid: string): Promise<string> {
  const node = await client.nodes.get(uuid, ["provision_state", "target_provision_state"]);
  return node.target_provision_state === null ? node.provision_state : "busy";
}

beforeAll(async () => {
  client = newClient();
  nodes = await enrolNodes(client, {
    count: 5,
    resourceClass,
    namePrefix: resourceClass.toLowerCase(),
    traits: ["CUSTOM_GOLD"],
    owner: "project-a",
    lessee: "project-b",
    conductorGroup: "",
    portsPerNode: 2,
  });
});

afterAll(async () => {
  await client.close();
});

describe("version negotiation", () => {
  it("speaks the highest version both sides support", async () => {
    const version = await client.connect();
    expect(formatMicroversion(version)).toBe(formatMicroversion(MAX_MICROVERSION));
  });
});

describe("nodes: list and get", () => {
  it("lists only the requested fields, typed", async () => {
    const listed = await client.nodes.list(["provision_state", "power_state", "traits"], { resource_class: resourceClass });
    expect(listed.map((n) => n.uuid).sort()).toEqual([...nodes].sort());
    for (const node of listed) {
      expect(Object.keys(node).sort()).toEqual(["power_state", "provision_state", "traits", "uuid"]);
      expect(node.provision_state).toBe("available");
      expect(node.power_state).toBe("power off");
      expect(node.traits).toEqual(["CUSTOM_GOLD"]);
    }
  });

  it("follows pagination with a small page size without losing or repeating nodes", async () => {
    const paged = newClient({ pageSize: 2 });
    const listed = await paged.nodes.list(["name"], { resource_class: resourceClass });
    await paged.close();
    expect(listed).toHaveLength(5);
    expect(new Set(listed.map((n) => n.uuid)).size).toBe(5);
  });

  it("lists up to maxListItems nodes and refuses a listing larger than that (issue 8 #16)", async () => {
    const fits = newClient({ pageSize: 2, maxListItems: 5 });
    const tooSmall = newClient({ pageSize: 2, maxListItems: 4 });
    expect(await fits.nodes.list(["name"], { resource_class: resourceClass })).toHaveLength(5);
    await expect(tooSmall.nodes.list(["name"], { resource_class: resourceClass })).rejects.toBeInstanceOf(InvalidResponseError);
    expect(await tooSmall.nodes.list(["name"], { resource_class: resourceClass }, { limit: 4 })).toHaveLength(4);
    await fits.close();
    await tooSmall.close();
  });

  it("stops at a limit", async () => {
    const listed = await client.nodes.list(["name"], { resource_class: resourceClass }, { pageSize: 2, limit: 3 });
    expect(listed).toHaveLength(3);
  });

  it("filters by owner, lessee, conductor group, maintenance, association and provision state", async () => {
    const count = async (filters: Parameters<IronicClient["nodes"]["list"]>[1]) =>
      (await client.nodes.list(["name"], { resource_class: resourceClass, ...filters })).length;
    expect(await count({ owner: "project-a" })).toBe(5);
    expect(await count({ owner: "project-z" })).toBe(0);
    expect(await count({ lessee: "project-b" })).toBe(5);
    expect(await count({ conductor_group: "" })).toBe(5);
    expect(await count({ conductor_group: "other" })).toBe(0);
    expect(await count({ maintenance: false })).toBe(5);
    expect(await count({ maintenance: true })).toBe(0);
    expect(await count({ associated: false })).toBe(5);
    expect(await count({ provision_state: "available" })).toBe(5);
    expect(await count({ provision_state: "active" })).toBe(0);
  });

  it("gets a node by UUID and by name, with all fields or chosen ones", async () => {
    const uuid = nodes[0] ?? "";
    const full = await client.nodes.getFull(uuid);
    expect(full.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(full.conductor).toBe("localhost");
    expect(full.resource_class).toBe(resourceClass);
    expect(full.properties).toMatchObject({ cpus: 8, memory_mb: 16384 });
    expect(full.owner).toBe("project-a");
    expect(full.lessee).toBe("project-b");
    expect(full.maintenance).toBe(false);
    expect(full.fault).toBeNull();
    const byName = await client.nodes.get(full.name ?? "", ["uuid", "name"]);
    expect(byName.uuid).toBe(uuid);
  });

  it("answers IronicNotFoundError for a node that does not exist", async () => {
    await expect(client.nodes.getFull(randomUUID())).rejects.toBeInstanceOf(IronicNotFoundError);
  });
});

describe("nodes: update, maintenance and fault filters", () => {
  it("applies a JSON patch and filters by maintenance and instance_uuid", async () => {
    const uuid = nodes[1] ?? "";
    const instance = randomUUID();
    const patched = await client.nodes.update(uuid, [
      { op: "add", path: "/instance_uuid", value: instance },
      { op: "add", path: "/instance_info/display_name", value: "vm-1" },
      { op: "replace", path: "/maintenance", value: true },
    ]);
    expect(patched.instance_uuid).toBe(instance);
    expect(patched.instance_info).toEqual({ display_name: "vm-1" });
    const byInstance = await client.nodes.list(["instance_uuid"], { instance_uuid: instance });
    expect(byInstance.map((n) => n.uuid)).toEqual([uuid]);
    expect(await client.nodes.list(["name"], { resource_class: resourceClass, maintenance: true })).toHaveLength(1);
    expect(await client.nodes.list(["name"], { resource_class: resourceClass, associated: true })).toHaveLength(1);
    const cleared = await client.nodes.update(uuid, [
      { op: "remove", path: "/instance_uuid" },
      { op: "remove", path: "/instance_info" },
      { op: "replace", path: "/maintenance", value: false },
    ]);
    expect(cleared.instance_uuid).toBeNull();
    expect(cleared.instance_info).toEqual({});
  });

  it("filters by fault (none of ours has one)", async () => {
    expect(await client.nodes.list(["name"], { resource_class: resourceClass, fault: "power failure" })).toHaveLength(0);
  });
});

describe("claim by instance_uuid", () => {
  it("lets exactly one of two concurrent claimers win; the loser gets NodeAssociatedError", async () => {
    const uuid = nodes[2] ?? "";
    const claim = (instance: string) =>
      client.nodes.update(uuid, [{ op: "add", path: "/instance_uuid", value: instance }], { retry: "none" });
    const results = await Promise.allSettled([claim(randomUUID()), claim(randomUUID())]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toBeInstanceOf(NodeAssociatedError);
    await client.nodes.update(uuid, [{ op: "remove", path: "/instance_uuid" }]);
  });
});

describe("nodes: validate, deploy, rescue, power, NMI, console", () => {
  it("validates the node's interfaces", async () => {
    const result = await client.nodes.validate(nodes[3] ?? "");
    expect(result["deploy"]?.result).toBe(true);
    expect(result["power"]?.result).toBe(true);
  });

  it("deploys with a dict config drive, rescues with a password, unrescues and undeploys", async () => {
    const uuid = nodes[3] ?? "";
    await client.nodes.update(uuid, [
      { op: "add", path: "/instance_uuid", value: randomUUID() },
      { op: "add", path: "/instance_info/image_source", value: "http://127.0.0.1/image.qcow2" },
      { op: "add", path: "/instance_info/root_gb", value: 10 },
    ]);
    await client.nodes.setProvisionState(uuid, {
      target: "active",
      configdrive: { meta_data: { uuid: "x", hostname: "vm" }, user_data: "#!/bin/sh\necho hi\n" },
    });
    await waitUntil("active", async () => ((await provisionState(uuid)) === "active" ? true : undefined));
    const deployed = await client.nodes.get(uuid, ["instance_info"]);
    expect(deployed.instance_info).toHaveProperty("configdrive");

    await client.nodes.setProvisionState(uuid, { target: "rescue", rescue_password: "r3scue-pass" });
    await waitUntil("rescue", async () => ((await provisionState(uuid)) === "rescue" ? true : undefined));
    await client.nodes.setProvisionState(uuid, { target: "unrescue" });
    await waitUntil("active again", async () => ((await provisionState(uuid)) === "active" ? true : undefined));

    await client.nodes.setProvisionState(uuid, { target: "deleted" });
    await waitUntil("available", async () => ((await provisionState(uuid)) === "available" ? true : undefined));
    const cleaned = await client.nodes.get(uuid, ["instance_uuid", "instance_info"]);
    expect(cleaned.instance_uuid).toBeNull();
  });

  it("refuses an impossible transition with IronicBadRequestError", async () => {
    await expect(client.nodes.setProvisionState(nodes[4] ?? "", { target: "unrescue" })).rejects.toBeInstanceOf(
      IronicBadRequestError,
    );
  });

  it("powers on and off (with a soft timeout)", async () => {
    const uuid = nodes[4] ?? "";
    await client.nodes.setPowerState(uuid, { target: "power on" });
    await waitUntil("power on", async () => {
      const n = await client.nodes.get(uuid, ["power_state", "target_power_state"]);
      return n.power_state === "power on" && n.target_power_state === null ? n : undefined;
    });
    await client.nodes.setPowerState(uuid, { target: "soft power off", timeout: 5 });
    await waitUntil("power off", async () => {
      const n = await client.nodes.get(uuid, ["power_state", "target_power_state"]);
      return n.power_state === "power off" && n.target_power_state === null ? n : undefined;
    });
  });

  it("sends the NMI request; fake hardware refuses it with a typed IronicBadRequestError carrying Ironic's reason", async () => {
    const error = await client.nodes.injectNmi(nodes[4] ?? "").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IronicBadRequestError);
    expect((error as IronicBadRequestError).message).toMatch(/does not support inject_nmi/);
    expect((error as IronicBadRequestError).request).toMatch(/^PUT \/v1\/nodes\/.+\/management\/inject_nmi$/);
  });

  it("reads and switches the serial console", async () => {
    const uuid = nodes[4] ?? "";
    expect((await client.nodes.getConsole(uuid)).console_enabled).toBe(false);
    await client.nodes.setConsole(uuid, true);
    await waitUntil("console on", async () => ((await client.nodes.getConsole(uuid)).console_enabled ? true : undefined));
    await client.nodes.setConsole(uuid, false);
    await waitUntil("console off", async () => ((await client.nodes.getConsole(uuid)).console_enabled ? undefined : true));
  });
});

describe("VIFs, traits, ports and port groups", () => {
  it("attaches, lists and detaches a VIF", async () => {
    const uuid = nodes[0] ?? "";
    const vif = randomUUID();
    await client.nodes.attachVif(uuid, vif);
    // The noop network interface accepts VIFs but keeps none: listing is still valid.
    const listed = await client.nodes.listVifs(uuid);
    expect(Array.isArray(listed)).toBe(true);
    if (listed.includes(vif)) await client.nodes.detachVif(uuid, vif);
  });

  it("sets, adds and removes traits", async () => {
    const uuid = nodes[0] ?? "";
    await client.nodes.setTraits(uuid, ["CUSTOM_A", "CUSTOM_B"]);
    await client.nodes.addTrait(uuid, "CUSTOM_C");
    await client.nodes.removeTrait(uuid, "CUSTOM_A");
    expect((await client.nodes.getTraits(uuid)).sort()).toEqual(["CUSTOM_B", "CUSTOM_C"]);
    await client.nodes.setTraits(uuid, ["CUSTOM_GOLD"]);
  });

  it("lists a node's ports and port groups", async () => {
    const uuid = nodes[0] ?? "";
    const group = await client.portgroups.create({ node_uuid: uuid, name: `${uuid}-bond0`, mode: "802.3ad", address: "52:54:00:aa:bb:cc" });
    const ports = await client.ports.listByNode(uuid);
    expect(ports).toHaveLength(2);
    expect(ports.every((p) => p.node_uuid === uuid && /^[0-9a-f:]{17}$/.test(p.address))).toBe(true);
    const groups = await client.portgroups.listByNode(uuid);
    expect(groups.map((g) => g.uuid)).toEqual([group.uuid]);
    expect(groups[0]?.mode).toBe("802.3ad");
    await client.portgroups.delete(group.uuid);
    expect(await client.portgroups.listByNode(uuid)).toHaveLength(0);
  });
});

describe("volume connectors and targets", () => {
  it("creates, lists and deletes them", async () => {
    const uuid = nodes[0] ?? "";
    const connector = await client.volumes.createConnector({ node_uuid: uuid, type: "iqn", connector_id: `iqn.2026-11.org.test:${uuid}` });
    const target = await client.volumes.createTarget({ node_uuid: uuid, volume_type: "iscsi", boot_index: 0, volume_id: randomUUID(), properties: { target_lun: 0 } });
    expect((await client.volumes.listConnectors(uuid)).map((c) => c.uuid)).toEqual([connector.uuid]);
    expect((await client.volumes.listTargets(uuid)).map((t) => [t.uuid, t.boot_index])).toEqual([[target.uuid, 0]]);
    await expect(
      client.volumes.createConnector({ node_uuid: uuid, type: "iqn", connector_id: connector.connector_id }),
    ).rejects.toBeInstanceOf(IronicConflictError);
    await client.volumes.deleteTarget(target.uuid);
    await client.volumes.deleteConnector(connector.uuid);
    expect(await client.volumes.listConnectors(uuid)).toHaveLength(0);
    expect(await client.volumes.listTargets(uuid)).toHaveLength(0);
  });
});

describe("allocations", () => {
  it("creates an allocation that Ironic fills from candidates, reads it and deletes it", async () => {
    const candidate = nodes[4] ?? "";
    const created = await client.allocations.create({ resource_class: resourceClass, candidate_nodes: [candidate] });
    const done = await waitUntil("allocation settles", async () => {
      const allocation = await client.allocations.get(created.uuid);
      return allocation.state === "allocating" ? undefined : allocation;
    });
    expect(done.state).toBe("active");
    expect(done.node_uuid).toBe(candidate);
    await client.allocations.delete(created.uuid);
    await expect(client.allocations.get(created.uuid)).rejects.toBeInstanceOf(IronicNotFoundError);
    const node = await client.nodes.get(candidate, ["instance_uuid", "allocation_uuid"]);
    expect(node.allocation_uuid).toBeNull();
  });
});
