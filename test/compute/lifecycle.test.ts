// A server's whole life through the compute service, on the real Ironic and a
// real SQLite store; plus who may do what, and one operation at a time.
import { randomUUID } from "node:crypto";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from "../../src/compute/contract.js";
import { captureLog } from "../support/log-capture.js";
import { waitUntil } from "../support/wait.js";
import { idle, plantedServer, startTestCompute, waitForServer, type TestCompute } from "./support.js";

let t: TestCompute;

/** The task rows of a server as the SQLite file holds them. */
function taskParamsAtRest(path: string, serverId: string): Array<{ kind: string; params: string }> {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return db.prepare("SELECT kind, params FROM tasks WHERE server_id = ?").all(serverId) as Array<{ kind: string; params: string }>;
  } finally {
    db.close();
  }
}
const log = captureLog("debug");
const USER_DATA_SECRET = `secret-user-data-${randomUUID()}`;

beforeAll(async () => {
  t = await startTestCompute("life", 2, log.logger);
});
afterAll(async () => {
  await t.stop();
});

describe("a server's life", () => {
  let id = "";

  it("create → ACTIVE on a claimed node, with an audit trail", async () => {
    const created = await t.service.servers.create(t.member, {
      name: "web-1",
      flavorRef: t.flavorId,
      imageRef: t.imageId,
      networks: "none",
      metadata: { role: "web" },
      userData: Buffer.from(`#!/bin/sh\necho ${USER_DATA_SECRET}\n`).toString("base64"),
    });
    id = created.id;
    expect(created.vmState).toBe("building");
    const server = await waitForServer(t, t.member, id, idle("active"));
    expect(server.powerState).toBe("running");
    expect(t.nodes).toContain(server.nodeUuid);
    const node = await t.ironic.nodes.get(server.nodeUuid ?? "", ["instance_uuid", "provision_state"]);
    // Powered on: fake hardware's deploy leaves the node off, the create task turns it on.
    expect(node).toMatchObject({ instance_uuid: id, provision_state: "active" });
    expect((await t.ironic.nodes.get(server.nodeUuid ?? "", ["power_state"])).power_state).toBe("power on");
    // The admin's node list shows the used node, with its server, at once.
    const listed = (await t.service.nodes.list(t.admin)).find((n) => n.uuid === server.nodeUuid);
    expect(listed).toMatchObject({ serverId: id, available: false, provisionState: "active" });
    const actions = await t.service.servers.actions(t.member, id);
    expect(actions.map((a) => [a.action, a.finishTime !== null, a.message])).toEqual([["create", true, null]]);
    const detail = await t.service.servers.action(t.member, id, actions[0]?.requestId ?? "");
    const events = detail.events.map((e) => [e.event, e.result]);
    expect(events.slice(0, 2)).toEqual([
      ["schedule_and_claim", "Success"],
      ["driver_spawn", "Success"],
    ]);
    expect(events.at(-1)).toEqual(["driver_power_on", "Success"]); // fake hardware only: a real deploy ends powered on
    // The deploy's phases (issue 11 #7), in order (the claim was the scheduler's,
    // and wrote the instance_info with it, so spawn has neither to make); the
    // waits in between depend on how fast Ironic is.
    const phases = events.map(([event]) => event).filter((event) => event?.startsWith("spawn_") === true);
    expect(phases.filter((event) => ["spawn_claim", "spawn_write_instance_info", "spawn_deploy_requested"].includes(event ?? ""))).toEqual([
      "spawn_deploy_requested",
    ]);
    expect(new Set(phases).size).toBe(phases.length);
    expect(server.progress).toBe(100);
  });

  it("stop → SHUTOFF, start → ACTIVE, reboot soft and hard", async () => {
    await t.service.servers.act(t.member, id, { type: "stop" });
    expect((await waitForServer(t, t.member, id, idle("stopped"))).powerState).toBe("shutdown");
    await t.service.servers.act(t.member, id, { type: "start" });
    expect((await waitForServer(t, t.member, id, idle("active"))).powerState).toBe("running");
    await t.service.servers.act(t.member, id, { type: "reboot", hard: false });
    await waitForServer(t, t.member, id, idle("active"));
    await t.service.servers.act(t.member, id, { type: "reboot", hard: true });
    await waitForServer(t, t.member, id, idle("active"));
  });

  it("rebuild, rescue (password returned once), unrescue", async () => {
    const rebuilt = await t.service.servers.act(t.member, id, { type: "rebuild", imageRef: t.imageId });
    expect(rebuilt.server?.taskState).toBe("rebuilding");
    expect((await waitForServer(t, t.member, id, idle("active"))).progress).toBe(100);
    // The rebuild's phases (issue 11 #7) as events of its action, in order.
    const rebuild = (await t.service.servers.actions(t.member, id)).find((action) => action.action === "rebuild");
    const rebuildEvents = (await t.service.servers.action(t.member, id, rebuild?.requestId ?? "")).events.map((e) => e.event);
    expect(rebuildEvents[0]).toBe("driver_rebuild");
    expect(rebuildEvents.filter((event) => ["rebuild_write_instance_info", "rebuild_deploy_requested"].includes(event))).toEqual([
      "rebuild_write_instance_info",
      "rebuild_deploy_requested",
    ]);
    expect(new Set(rebuildEvents).size).toBe(rebuildEvents.length);
    const { adminPass } = await t.service.servers.act(t.member, id, { type: "rescue" });
    expect(adminPass).toMatch(/^[2-9A-HJ-NP-Za-km-z]{12}$/);
    await waitForServer(t, t.member, id, idle("rescued"));
    await t.service.servers.act(t.member, id, { type: "unrescue" });
    await waitForServer(t, t.member, id, idle("active"));
    expect(log.text()).not.toContain(adminPass);
    // At rest: the finished rescue task no longer holds the password (issue 8 #9).
    const rows = taskParamsAtRest(t.storePath, id);
    expect(rows.map((row) => row.kind)).toContain("rescue");
    expect(JSON.stringify(rows)).not.toContain(adminPass);
    expect(JSON.stringify(rows)).not.toContain("rescue_password");
  });

  it("a second operation while one runs is refused with 409", async () => {
    await t.service.servers.act(t.member, id, { type: "reboot", hard: true });
    await expect(t.service.servers.act(t.member, id, { type: "stop" })).rejects.toBeInstanceOf(ConflictError);
    await waitForServer(t, t.member, id, idle("active"));
  });

  it("other projects get 404, readers get 403 (S3, S11)", async () => {
    await expect(t.service.servers.get(t.otherMember, id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.service.servers.delete(t.otherMember, id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.service.servers.act(t.otherMember, id, { type: "stop" })).rejects.toBeInstanceOf(NotFoundError);
    expect(await t.service.servers.list(t.otherMember, {})).toEqual([]);
    expect((await t.service.servers.get(t.reader, id)).id).toBe(id);
    await expect(t.service.servers.act(t.reader, id, { type: "stop" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(t.service.servers.create(t.reader, { name: "x", flavorRef: t.flavorId, imageRef: t.imageId, networks: "none" })).rejects.toBeInstanceOf(ForbiddenError);
    expect((await t.service.servers.list(t.admin, { allTenants: true })).map((s) => s.id)).toContain(id);
  });

  it("power turned off directly in Ironic shows SHUTOFF after a sync", async () => {
    const server = await t.service.servers.get(t.member, id);
    await t.ironic.nodes.setPowerState(server.nodeUuid ?? "", { target: "power off" });
    for (let i = 0; i < 50 && (await t.ironic.nodes.get(server.nodeUuid ?? "", ["power_state"])).power_state !== "power off"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const report = await t.service.reconcile();
    expect(report.powerSynced).toBe(1);
    const synced = await t.service.servers.get(t.member, id);
    expect([synced.vmState, synced.powerState]).toEqual(["stopped", "shutdown"]);
    await t.service.servers.act(t.member, id, { type: "start" });
    await waitForServer(t, t.member, id, idle("active"));
  });

  it("delete → gone (404), node available again, user data never logged", async () => {
    const nodeUuid = (await t.service.servers.get(t.member, id)).nodeUuid ?? "";
    await t.service.servers.delete(t.member, id);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const gone = await t.service.servers.get(t.member, id).then(() => false, (e: unknown) => e instanceof NotFoundError);
      if (gone) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await expect(t.service.servers.get(t.member, id)).rejects.toBeInstanceOf(NotFoundError);
    const node = await t.ironic.nodes.get(nodeUuid, ["instance_uuid", "provision_state"]);
    expect(node).toEqual({ uuid: nodeUuid, instance_uuid: null, provision_state: "available" });
    expect(log.text()).not.toContain(USER_DATA_SECRET);
    expect(log.text()).not.toContain(Buffer.from(`#!/bin/sh\necho ${USER_DATA_SECRET}\n`).toString("base64"));
  });
});

describe("validation", () => {
  it("refuses bad requests with clear errors and creates nothing", async () => {
    const base = { name: "v", flavorRef: t.flavorId, imageRef: t.imageId, networks: "none" as const };
    await expect(t.service.servers.create(t.member, { ...base, flavorRef: "no-such" })).rejects.toThrow(/Flavor no-such could not be found/);
    await expect(t.service.servers.create(t.member, { ...base, imageRef: randomUUID() })).rejects.toBeInstanceOf(BadRequestError);
    await expect(t.service.servers.create(t.member, { ...base, name: "" })).rejects.toBeInstanceOf(BadRequestError);
    await expect(t.service.servers.create(t.member, { ...base, keyName: "missing" })).rejects.toBeInstanceOf(BadRequestError);
    await expect(t.service.servers.create(t.member, { ...base, userData: Buffer.alloc(70_000).toString("base64") })).rejects.toThrow(/65535/);
    await expect(t.service.servers.create(t.member, { ...base, networks: [{ uuid: randomUUID() }] })).rejects.toBeInstanceOf(BadRequestError);
    expect(await t.service.servers.list(t.member, { name: "^v$" })).toEqual([]);
    await expect(t.service.servers.list(t.member, { marker: randomUUID() })).rejects.toThrow(/marker .* not found/);
  });
});

describe("servers without a task (issue 8 #4)", () => {
  it("a create that left no task can still be deleted; its admin password is sealed at rest while it runs and gone after", async () => {
    // What a create interrupted between its writes used to leave: BUILD, no task.
    const stuck = plantedServer(
      { projectId: t.member.projectId, userId: t.member.userId, flavorId: t.flavorId, imageId: t.imageId },
      { vmState: "building", taskState: "scheduling", deletedAt: null },
    );
    await t.store.servers.create(stuck);
    await t.service.servers.delete(t.member, stuck.id);
    await waitUntil("the stuck server is gone", async () => ((await t.store.servers.get(stuck.id)) === undefined ? true : undefined));

    const created = await t.service.servers.create(t.member, { name: "pw", flavorRef: t.flavorId, imageRef: t.imageId, networks: "none", adminPass: "Admin-Pass-At-Rest-1" });
    // Kept while it runs (a resumed task needs it), sealed: never in the clear in the file.
    const running = taskParamsAtRest(t.storePath, created.id);
    expect(JSON.stringify(running)).not.toContain("Admin-Pass-At-Rest-1");
    expect(running.map((task) => (JSON.parse(task.params) as Record<string, unknown>)["admin_password"])).toEqual([expect.stringMatching(/^sealed:v1:/)]);
    await waitForServer(t, t.member, created.id, idle("active"));
    expect(JSON.stringify(taskParamsAtRest(t.storePath, created.id))).not.toContain("Admin-Pass-At-Rest-1");
    await t.service.servers.delete(t.member, created.id);
    await waitUntil("pw deleted", async () => ((await t.store.servers.get(created.id)) === undefined ? true : undefined));
  });
});
