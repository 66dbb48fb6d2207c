// The reconciler on the real Ironic: it releases only what is provably ours (our
// marker on the claim AND the instance in our store), leaves every other claimed
// node alone however often it runs, hands releases to durable tasks instead of
// waiting for Ironic, and refuses its sweep on an empty store.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimVerdict } from "../../src/compute/reconciler.js";
import { ownershipOf } from "../../src/driver/ownership.js";
import { INSTANCE_KEY } from "../../src/driver/instance-info.js";
import type { ServerRecord } from "../../src/store/records.js";
import { captureLog } from "../support/log-capture.js";
import { waitUntil } from "../support/wait.js";
import { claimAsOurs, idle, plantedServer, startTestCompute, waitForServer, type TestCompute } from "./support.js";

function serverRecord(t: TestCompute, overrides: Partial<ServerRecord> = {}): ServerRecord {
  return plantedServer({ projectId: t.member.projectId, userId: t.member.userId, flavorId: t.flavorId, imageId: t.imageId }, overrides);
}

async function waitForProvisionState(t: TestCompute, node: string, state: string): Promise<void> {
  await waitUntil(`node ${node} ${state}`, async () => {
    const seen = await t.ironic.nodes.get(node, ["provision_state", "target_provision_state"]);
    return seen.provision_state === state && seen.target_provision_state === null ? true : undefined;
  });
}

describe("claim verdicts (pure)", () => {
  const base = { id: "i-1", nodeUuid: "n-1", deletedAt: null } as ServerRecord;
  it.each([
    ["no such instance in the store", "unknown_instance", undefined, false],
    ["no such instance, even while something is busy", "unknown_instance", undefined, true],
    ["a task runs for it", "busy", base, true],
    ["the live server's own node", "serving", base, false],
    ["a live server that holds another node", "leftover", { ...base, nodeUuid: "n-2" }, false],
    ["a live server that holds no node (a create that died after the claim)", "leftover", { ...base, nodeUuid: null }, false],
    ["a deleted server", "leftover", { ...base, deletedAt: "2026-01-01T00:00:00.000Z" }, false],
  ] as const)("%s → %s", (_what, kind, server, busy) => {
    expect(claimVerdict("n-1", server, busy).kind).toBe(kind);
  });

  it.each([
    ["node gone", "gone", null],
    ["claimed for another instance", "elsewhere", { instance_uuid: "other", instance_info: { [INSTANCE_KEY]: "i-1" } }],
    ["claimed for us, no marker", "unmarked", { instance_uuid: "i-1", instance_info: {} }],
    ["claimed for us, another instance's marker", "unmarked", { instance_uuid: "i-1", instance_info: { [INSTANCE_KEY]: "i-2" } }],
    ["claimed for us with our marker", "ours", { instance_uuid: "i-1", instance_info: { [INSTANCE_KEY]: "i-1" } }],
  ] as const)("ownership: %s → %s", (_what, kind, node) => {
    expect(ownershipOf(node, "i-1").kind).toBe(kind);
  });
});

describe("the reconciler on a shared Ironic", () => {
  let t: TestCompute;
  const log = captureLog("info");

  beforeAll(async () => {
    t = await startTestCompute("recon", 4, log.logger);
  });
  afterAll(async () => {
    await t.stop();
  });

  it("refuses its sweep while the store holds no server", async () => {
    const node = t.nodes[3] ?? "";
    const planted = serverRecord(t);
    // Ours by the marker, but the store is empty: it must stay.
    await claimAsOurs(t.ironic, node, planted.id);
    const report = await t.service.reconcile();
    expect(report.sweepSkipped).toMatch(/no server/);
    expect(report.leftAlone.unknown_instance).toBe(1);
    expect((await t.ironic.nodes.get(node, ["instance_uuid"])).instance_uuid).toBe(planted.id);
    await t.ironic.nodes.update(node, [{ op: "remove", path: "/instance_uuid" }, { op: "remove", path: "/instance_info" }]);
  });

  it("never touches a node another tool claimed and deployed, over several passes", async () => {
    // A server of ours exists, so the sweep runs.
    const ours = await t.service.servers.create(t.member, { name: "ours", flavorRef: t.flavorId, imageRef: t.imageId, networks: "none" });
    await waitForServer(t, t.member, ours.id, idle("active"));
    const free = (await t.service.nodes.list(t.admin)).filter((n) => n.available).map((n) => n.uuid);
    const foreign = free[0] ?? "";
    const foreignInstance = randomUUID();
    // "Nova" claims and deploys the node by hand: no marker of ours.
    await t.ironic.nodes.update(foreign, [
      { op: "add", path: "/instance_uuid", value: foreignInstance },
      { op: "add", path: "/instance_info", value: { image_source: "http://127.0.0.1:1/nova.qcow2", display_name: "nova-vm" } },
    ]);
    await t.ironic.nodes.setProvisionState(foreign, { target: "active" });
    await waitForProvisionState(t, foreign, "active");

    const warningsBefore = log.records().filter((r) => r["node"] === foreign).length;
    for (let pass = 0; pass < 3; pass++) {
      const report = await t.service.reconcile();
      expect(report.sweepSkipped).toBeNull();
      expect(report.releasesQueued).toBe(0);
      expect(report.leftAlone.unknown_instance).toBe(1);
    }
    expect(t.service.metrics.reconciler?.().leftAlone.unknown_instance).toBe(1);
    // Warned about once, not on every pass.
    expect(log.records().filter((r) => r["node"] === foreign && r["level"] === 40).length - warningsBefore).toBe(1);
    expect(await t.store.tasks.listActive()).toEqual([]);
    const after = await t.ironic.nodes.get(foreign, ["instance_uuid", "provision_state", "instance_info"]);
    expect(after).toMatchObject({ instance_uuid: foreignInstance, provision_state: "active" });
    expect(after.instance_info["display_name"]).toBe("nova-vm");
    // The same holds for a claim naming an instance our store has, but without our marker.
    const restored = serverRecord(t);
    await t.store.servers.create(restored);
    const unmarkedNode = free[1] ?? "";
    await t.ironic.nodes.update(unmarkedNode, [{ op: "add", path: "/instance_uuid", value: restored.id }]);
    const report = await t.service.reconcile();
    expect(report.releasesQueued).toBe(0);
    expect(report.leftAlone.unmarked).toBe(1);
    expect((await t.ironic.nodes.get(unmarkedNode, ["instance_uuid"])).instance_uuid).toBe(restored.id);
    // Clean up what we planted (the foreign deploy too) so later tests see free nodes.
    await t.ironic.nodes.update(unmarkedNode, [{ op: "remove", path: "/instance_uuid" }]);
    await t.ironic.nodes.setProvisionState(foreign, { target: "deleted" });
    await waitForProvisionState(t, foreign, "available");
    await t.service.servers.delete(t.member, ours.id);
    await waitUntil("ours deleted", async () => ((await t.store.servers.get(ours.id)) === undefined ? true : undefined));
  });

  it("hands a leftover claim of ours to a release task instead of waiting for it", async () => {
    const node = (await t.service.nodes.list(t.admin)).find((n) => n.available)?.uuid ?? "";
    const gone = serverRecord(t);
    await t.store.servers.create(gone);
    await claimAsOurs(t.ironic, node, gone.id);
    const report = await t.service.reconcile();
    expect(report.releasesQueued).toBe(1);
    // The pass queued the release and returned; a task does the work.
    const actions = await t.store.actions.listForServer(gone.id);
    expect(actions.map((a) => a.action)).toEqual(["release_node"]);
    await waitUntil("node released", async () => {
      const seen = await t.ironic.nodes.get(node, ["instance_uuid", "provision_state"]);
      return seen.instance_uuid === null && seen.provision_state === "available" ? true : undefined;
    });
    await waitUntil("release task done", async () => ((await t.store.tasks.listActive()).length === 0 ? true : undefined));
    const [release] = await t.store.actions.listForServer(gone.id);
    expect(release?.finishTime).not.toBeNull();
    expect(release?.message).toBeNull();
  });
});
