// The driver's whole lifecycle against the real Ironic: claim, spawn with
// volumes, power, rebuild, rescue, console, interfaces, destroy.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrolNodes } from "../../src/dev/enrol.js";
import type { IronicDriver } from "../../src/driver/driver.js";
import {
  ConsoleUnavailableError,
  NodeAlreadyClaimedError,
  NodeBindingError,
  NodeNotAvailableError,
} from "../../src/driver/errors.js";
import { DIGEST_KEY } from "../../src/driver/instance-info.js";
import { TARGET_OWNER_KEY } from "../../src/driver/volumes.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { IronicBadRequestError } from "../../src/ironic/errors.js";
import { captureLog } from "../support/log-capture.js";
import { newClient, uniqueResourceClass } from "../support/ironic.js";
import { CLEAN, fastDriver, instanceSpec, leftovers } from "./support.js";

let client: IronicClient;
let driver: IronicDriver;
let nodes: string[] = [];
const log = captureLog("debug");
const resourceClass = uniqueResourceClass("lifecycle");
const PROJECT = "project-a";
const connectorIp = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;

beforeAll(async () => {
  client = newClient({}, log.logger);
  driver = fastDriver(client, log.logger);
  nodes = await enrolNodes(client, { count: 4, resourceClass, traits: ["CUSTOM_GOLD"], portsPerNode: 1 });
  await client.volumes.createConnector({ node_uuid: nodes[0] ?? "", type: "iqn", connector_id: `iqn.2026-11.test:${nodes[0] ?? ""}` });
  await client.volumes.createConnector({ node_uuid: nodes[0] ?? "", type: "ip", connector_id: connectorIp });
});

afterAll(async () => {
  await client.close();
});

describe("claim", () => {
  it("lets exactly one of two concurrent claims of one node win", async () => {
    const node = nodes[3] ?? "";
    const [a, b] = [randomUUID(), randomUUID()];
    const results = await Promise.allSettled([driver.claim({ instanceUuid: a, nodeUuid: node }, PROJECT), driver.claim({ instanceUuid: b, nodeUuid: node }, PROJECT)]);
    const losers = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0]?.reason).toBeInstanceOf(NodeAlreadyClaimedError);
    const owner = (await client.nodes.get(node, ["instance_uuid"])).instance_uuid;
    expect([a, b]).toContain(owner);
    await driver.destroy({ instanceUuid: owner ?? "", nodeUuid: node });
    expect(await leftovers(client, node)).toEqual(CLEAN);
  });

  it("refuses a node in maintenance before claiming it", async () => {
    const node = nodes[3] ?? "";
    await client.nodes.update(node, [{ op: "replace", path: "/maintenance", value: true }]);
    await expect(driver.claim({ instanceUuid: randomUUID(), nodeUuid: node }, PROJECT)).rejects.toBeInstanceOf(NodeNotAvailableError);
    expect((await client.nodes.get(node, ["instance_uuid"])).instance_uuid).toBeNull();
    await client.nodes.update(node, [{ op: "replace", path: "/maintenance", value: false }]);
  });

  it("re-checks lessee and partition on Ironic's current node, not the cache (issue 8 #15)", async () => {
    const node = nodes[3] ?? "";
    const [shardA, shardB] = [`claim-a-${randomUUID().slice(0, 8)}`, `claim-b-${randomUUID().slice(0, 8)}`];
    const partitioned = fastDriver(client, undefined, { cache: { maxAgeMs: 60_000, shard: shardA } });
    await client.nodes.update(node, [{ op: "add", path: "/shard", value: shardA }]);
    expect((await partitioned.cache.all()).map((n) => [n.uuid, n.lessee])).toEqual([[node, null]]); // cached: unleased, ours
    await client.nodes.update(node, [{ op: "add", path: "/lessee", value: "project-x" }]);
    const refused = await partitioned.claim({ instanceUuid: randomUUID(), nodeUuid: node }, "project-y").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NodeNotAvailableError);
    expect((refused as Error).message).toMatch(/another project/);
    await client.nodes.update(node, [{ op: "add", path: "/shard", value: shardB }]);
    const moved = await partitioned.claim({ instanceUuid: randomUUID(), nodeUuid: node }, "project-x").catch((e: unknown) => e);
    expect(moved).toBeInstanceOf(NodeNotAvailableError);
    expect((moved as Error).message).toMatch(/partition/);
    expect((await client.nodes.get(node, ["instance_uuid"])).instance_uuid).toBeNull();
    await client.nodes.update(node, [{ op: "add", path: "/shard", value: shardA }]);
    const instance = randomUUID();
    await partitioned.claim({ instanceUuid: instance, nodeUuid: node }, "project-x");
    expect((await client.nodes.get(node, ["instance_uuid"])).instance_uuid).toBe(instance);
    await driver.destroy({ instanceUuid: instance, nodeUuid: node });
    await client.nodes.update(node, [
      { op: "remove", path: "/lessee" },
      { op: "remove", path: "/shard" },
    ]);
  });
});

describe("a server's life on one node", () => {
  const spec = instanceSpec({
    volumes: [{ volumeId: randomUUID(), bootIndex: null, volumeType: "iscsi", properties: { target_lun: 1 } }],
  });
  const node = () => nodes[0] ?? "";

  it("spawns: instance_info, tagged volume target, config drive, active", async () => {
    const steps: string[] = [];
    await driver.spawn({ instanceUuid: spec.uuid, nodeUuid: node() }, spec, (p) => steps.push(p.step));
    // The claim's PATCH carries the instance_info: no step of its own.
    expect(steps.filter((s) => s !== "wait")).toEqual(["claim", "create-volume-targets", "deploy"]);
    const n = await client.nodes.get(node(), ["instance_uuid", "instance_info", "provision_state"]);
    expect(n.provision_state).toBe("active");
    expect(n.instance_uuid).toBe(spec.uuid);
    expect(n.instance_info).toMatchObject({
      image_source: spec.image?.source,
      image_checksum: spec.image?.checksum,
      root_gb: 10,
      capabilities: { boot_mode: "uefi" },
      traits: ["CUSTOM_GOLD"],
      display_name: "test server",
    });
    expect(n.instance_info[DIGEST_KEY]).toMatch(/^[0-9a-f]{32}$/);
    expect(n.instance_info).toHaveProperty("configdrive");
    const targets = await client.volumes.listTargets(node());
    expect(targets.map((t) => [t.volume_id, t.boot_index, t.extra[TARGET_OWNER_KEY]])).toEqual([
      [spec.volumes[0]?.volumeId, 1, spec.uuid],
    ]);
  });

  it("reports power and powers off and on", async () => {
    await driver.powerOff({ instanceUuid: spec.uuid, nodeUuid: node() });
    expect(await driver.power({ instanceUuid: spec.uuid, nodeUuid: node() })).toBe("shutdown");
    await driver.powerOn({ instanceUuid: spec.uuid, nodeUuid: node() });
    expect(await driver.power({ instanceUuid: spec.uuid, nodeUuid: node() })).toBe("running");
  });

  it("reboots soft and hard", async () => {
    await driver.reboot({ instanceUuid: spec.uuid, nodeUuid: node() }, "soft");
    await driver.reboot({ instanceUuid: spec.uuid, nodeUuid: node() }, "hard");
    expect(await driver.power({ instanceUuid: spec.uuid, nodeUuid: node() })).toBe("running");
  });

  it("rebuilds with a new image and preserve_ephemeral", async () => {
    const rebuilt = { ...spec, image: { ...(spec.image ?? { id: "", properties: {} }), source: "http://127.0.0.1:1/images/v2.qcow2" } };
    const before = (await client.nodes.get(node(), ["provision_updated_at"])).provision_updated_at;
    await driver.rebuild({ instanceUuid: rebuilt.uuid, nodeUuid: node() }, rebuilt, { preserveEphemeral: true, requestId: randomUUID() });
    const n = await client.nodes.get(node(), ["instance_info", "provision_state", "provision_updated_at"]);
    expect(n.provision_state).toBe("active");
    expect(n.instance_info).toMatchObject({ image_source: "http://127.0.0.1:1/images/v2.qcow2", preserve_ephemeral: true });
    expect(n.provision_updated_at).not.toBe(before);
  });

  it("rebuilds again with the same image: a new rebuild is not mistaken for the finished one", async () => {
    const same = { ...spec, image: { ...(spec.image ?? { id: "", properties: {} }), source: "http://127.0.0.1:1/images/v2.qcow2" } };
    const before = (await client.nodes.get(node(), ["provision_updated_at"])).provision_updated_at;
    await driver.rebuild({ instanceUuid: same.uuid, nodeUuid: node() }, same, { preserveEphemeral: true, requestId: randomUUID() });
    const n = await client.nodes.get(node(), ["provision_state", "provision_updated_at"]);
    expect(n.provision_state).toBe("active");
    expect(n.provision_updated_at).not.toBe(before); // Ironic went through a rebuild
  });

  it("rescues with a password that never reaches the log, and unrescues", async () => {
    const password = `rescue-${randomUUID()}`;
    await driver.rescue({ instanceUuid: spec.uuid, nodeUuid: node() }, password);
    expect((await client.nodes.get(node(), ["provision_state"])).provision_state).toBe("rescue");
    await driver.unrescue({ instanceUuid: spec.uuid, nodeUuid: node() });
    expect((await client.nodes.get(node(), ["provision_state"])).provision_state).toBe("active");
    expect(log.text()).not.toContain(password);
  });

  it("logs every record of an operation with its operation, instance and node ids (S14)", async () => {
    const from = log.lines.length;
    await driver.rescue({ instanceUuid: spec.uuid, nodeUuid: node() }, `rescue-${randomUUID()}`);
    await driver.unrescue({ instanceUuid: spec.uuid, nodeUuid: node() });
    const records = log.records().slice(from).filter((r) => r["operation"] === "rescue" || r["operation"] === "unrescue");
    expect(new Set(records.map((r) => r["operation"]))).toEqual(new Set(["rescue", "unrescue"]));
    for (const record of records) {
      expect(record).toMatchObject({ instance: spec.uuid, node: node() });
    }
  });

  it("enables the console when disabled; fake hardware offers no socat URL, so it is refused", async () => {
    await expect(driver.serialConsole({ instanceUuid: spec.uuid, nodeUuid: node() })).rejects.toBeInstanceOf(ConsoleUnavailableError);
    expect((await client.nodes.getConsole(node())).console_enabled).toBe(true);
    await client.nodes.setConsole(node(), false);
  });

  it("hot-plugs and unplugs an interface", async () => {
    const vif = randomUUID();
    await driver.attachInterface({ instanceUuid: spec.uuid, nodeUuid: node() }, vif);
    await driver.detachInterface({ instanceUuid: spec.uuid, nodeUuid: node() }, vif);
  });

  it("describes the node's volume connector", async () => {
    const connector = await driver.volumeConnector({ instanceUuid: spec.uuid, nodeUuid: node() }, "test-server");
    expect(connector).toEqual({
      initiator: `iqn.2026-11.test:${node()}`,
      ip: connectorIp,
      host: connectorIp,
      platform: "x86_64",
      os_type: "baremetal",
      multipath: false,
    });
  });

  it("sends the crash-dump NMI (fake hardware refuses it with Ironic's reason)", async () => {
    await expect(driver.crashDump({ instanceUuid: spec.uuid, nodeUuid: node() })).rejects.toBeInstanceOf(IronicBadRequestError);
  });

  it("refuses every node operation for an instance the node does not belong to (S1, S3)", async () => {
    const stranger = randomUUID();
    await expect(driver.reboot({ instanceUuid: stranger, nodeUuid: node() }, "hard")).rejects.toBeInstanceOf(NodeBindingError);
    await expect(driver.powerOff({ instanceUuid: stranger, nodeUuid: node() })).rejects.toBeInstanceOf(NodeBindingError);
    await expect(driver.serialConsole({ instanceUuid: stranger, nodeUuid: node() })).rejects.toBeInstanceOf(NodeBindingError);
    await expect(driver.rescue({ instanceUuid: stranger, nodeUuid: node() }, "pw-123456")).rejects.toBeInstanceOf(NodeBindingError);
    await expect(driver.attachInterface({ instanceUuid: stranger, nodeUuid: node() }, randomUUID())).rejects.toBeInstanceOf(NodeBindingError);
    await expect(driver.crashDump({ instanceUuid: stranger, nodeUuid: node() })).rejects.toBeInstanceOf(NodeBindingError);
    expect((await client.nodes.get(node(), ["provision_state"])).provision_state).toBe("active");
  });

  it("destroys: node back to available with nothing of ours left; destroying again is fine", async () => {
    await driver.destroy({ instanceUuid: spec.uuid, nodeUuid: node() });
    expect(await leftovers(client, node())).toEqual(CLEAN);
    await driver.destroy({ instanceUuid: spec.uuid, nodeUuid: node() });
    await driver.destroy({ instanceUuid: spec.uuid, nodeUuid: null });
    expect(await leftovers(client, node())).toEqual(CLEAN);
  });
});

describe("boot from volume", () => {
  it("deploys without image_source when the instance boots from a volume", async () => {
    const node = nodes[1] ?? "";
    const spec = instanceSpec({
      image: null,
      volumes: [{ volumeId: randomUUID(), bootIndex: 0, volumeType: "iscsi", properties: { target_iqn: "iqn.x", target_lun: 0 } }],
    });
    await driver.spawn({ instanceUuid: spec.uuid, nodeUuid: node }, spec);
    const n = await client.nodes.get(node, ["instance_info", "provision_state"]);
    expect(n.provision_state).toBe("active");
    expect(n.instance_info).not.toHaveProperty("image_source");
    expect((await client.volumes.listTargets(node)).map((t) => t.boot_index)).toEqual([0]);
    await driver.destroy({ instanceUuid: spec.uuid, nodeUuid: node });
    expect(await leftovers(client, node)).toEqual(CLEAN);
  });
});
