// What each durable task does. Handlers are written to be run again after a
// crash (a lease that expired hands the task to another worker, or to this one
// after a restart): they re-read the server, and the driver's operations decide
// from Ironic's state what is left to do.
import type { InstanceOnNode, IronicDriver, OnProgress } from "../driver/driver.js";
import { DriverError } from "../driver/errors.js";
import type { Logger } from "../log/logger.js";
import type { ServiceObserver } from "../log/telemetry.js";
import type { FlavorRecord, PortRecord, ServerRecord, TaskKind, TaskRecord } from "../store/records.js";
import { StaleStateError, type ServerExpectation, type ServerPatch, type Store } from "../store/store.js";
import type { TaskParams } from "../store/task-params.js";
import { Audit, faultMessage, publicFaultMessage } from "./audit.js";
import { nowIso } from "./clock.js";
import { deployPhase, POWERING_ON_PERCENT, type DeployOperation } from "./deploy-progress.js";
import { instanceSpecFor } from "./instance-spec.js";
import { FlavorSpecError, schedulingRequest, type SchedulingRequest } from "./flavor-scheduling.js";
import { NoValidHostError, type GroupPlacement, type Scheduler } from "./scheduler.js";
import { NotEnoughNicsError, type ServerNetworks } from "./server-networks.js";
import type { Volumes } from "./volumes.js";
import { ComputeError, ConflictError } from "./contract.js";

export interface HandlerContext {
  store: Store;
  driver: IronicDriver;
  scheduler: Scheduler;
  networks: ServerNetworks;
  volumes: Volumes;
  log: Logger;
  /** Task metrics and spans (src/log/telemetry.ts). */
  observer: ServiceObserver;
}

/** The node cannot carry what the server asks for (NICs, volume connectors): found after the claim. */
class NodeUnfitError extends ConflictError {}

/** Each of the server's volumes needs a connector of its kind on the node (Ironic's boot from volume). */
async function requireConnectors(ctx: HandlerContext, server: ServerRecord, node: string): Promise<void> {
  if (server.blockDevices.length === 0) return;
  const connector = await ctx.driver.volumeConnector({ instanceUuid: server.id, nodeUuid: node }, server.hostname);
  for (const device of server.blockDevices) {
    const volume = await ctx.store.volumes.get(device.volumeId);
    if (volume?.target.protocol === "iscsi" && connector.initiator === undefined) {
      throw new NodeUnfitError(`the node has no iSCSI volume connector (iqn) for volume ${device.volumeId}`);
    }
    if (volume?.target.protocol === "fibre_channel" && connector.wwpns === undefined) {
      throw new NodeUnfitError(`the node has no Fibre Channel volume connector (wwpn) for volume ${device.volumeId}`);
    }
  }
}

/** What a server holds besides its node — ports and volumes — given back (delete, a failed create). */
async function giveBack(ctx: HandlerContext, server: ServerRecord): Promise<void> {
  await ctx.networks.release(server);
  await ctx.volumes.detachAll(server.id);
}

/** What one execution of one task works with. */
interface TaskRun {
  ctx: HandlerContext;
  task: TaskRecord;
  audit: Audit;
  /**
   * Writes the task's server, fenced by the task's lease (LeaseLostError once
   * another worker holds it): every server write of a handler goes through here.
   */
  save: (patch: ServerPatch, expect?: Omit<ServerExpectation, "lease">) => Promise<ServerRecord>;
}

function taskRun(ctx: HandlerContext, task: TaskRecord): TaskRun {
  const owner = task.leaseOwner;
  if (owner === null) throw new Error(`task ${task.id} runs without a lease`);
  return {
    ctx,
    task,
    audit: new Audit(ctx.store, ctx.observer.tracer),
    save: (patch, expect = {}) => ctx.store.servers.update(task.serverId, patch, { ...expect, lease: { taskId: task.id, owner } }),
  };
}

/** A server's fault: the public message for everyone, the detail for admins (server-view.ts). */
function fault(error: unknown, operation: TaskRecord["kind"], code = 500) {
  return { code, message: publicFaultMessage(error, operation), details: faultMessage(error), created: nowIso() };
}

/** `keyUserId`: whose keypair the server's key_name names (its owner's unless a rebuild set another user's). */
async function specOf(ctx: HandlerContext, server: ServerRecord, adminPass?: string, keyUserId = server.userId) {
  const flavor = await ctx.store.flavors.get(server.flavorId);
  if (flavor === undefined) throw new Error(`flavor ${server.flavorId} of server ${server.id} no longer exists`);
  const image = server.imageId === null ? null : ((await ctx.store.images.get(server.imageId)) ?? null);
  const keypair = server.keyName === null ? undefined : await ctx.store.keypairs.get(keyUserId, server.keyName);
  const volumes = await Promise.all(server.blockDevices.map((device) => ctx.volumes.blockDevice(device.volumeId, server.id, device.bootIndex)));
  return instanceSpecFor(server, flavor, image, keypair, adminPass, await ctx.networks.vifSpecs(server), volumes);
}

/**
 * Records a deploy's phases as the driver reports them (deploy-progress.ts):
 * each new phase becomes the server's progress and a finished event of the
 * task's action, in order, one after the other (a later phase never shows
 * before an earlier one). A failed write is logged, never fails the deploy.
 */
function progressRecorder({ ctx, task, audit, save }: TaskRun, operation: DeployOperation): { report: OnProgress; recorded: () => Promise<void> } {
  let lastPhase = "";
  let recording: Promise<void> = Promise.resolve();
  return {
    report: (progress) => {
      const phase = deployPhase(progress, operation);
      if (phase === undefined || phase.event === lastPhase) return;
      lastPhase = phase.event;
      recording = recording
        .then(async () => {
          await save({ progress: phase.percent });
          await audit.mark(task.actionId, phase.event, phase.detail);
        })
        .catch((error: unknown) => {
          ctx.log.warn({ instance: task.serverId, err: error }, "could not record deploy progress");
        });
    },
    recorded: () => recording,
  };
}

/** The server's group, bound to it for the scheduler; undefined when it is in none (or the group is gone). */
async function groupPlacement(store: Store, serverId: string): Promise<GroupPlacement | undefined> {
  const groupId = (await store.serverGroups.ofServers([serverId])).get(serverId);
  const group = groupId === undefined ? undefined : await store.serverGroups.get(groupId);
  if (group === undefined) return undefined;
  return {
    group,
    held: () => store.serverGroups.domains(group.id, serverId),
    reserve: (domain, admits) => store.serverGroups.reserveDomain(group.id, serverId, domain, admits),
    release: () => store.serverGroups.releaseDomain(serverId),
  };
}

/** The other live servers of the server's create request (a multi-create), oldest first. */
async function siblingsOf(store: Store, server: ServerRecord): Promise<ServerRecord[]> {
  if (server.reservationId === null) return [];
  return (await store.servers.list({ projectId: server.projectId, reservationId: server.reservationId })).filter((other) => other.id !== server.id);
}

/**
 * A multi-create placed as Nova's scheduler places one: the first server's
 * task claims a node for every server of the request, or for none — when one
 * cannot be placed every claim made is given back and all the request's
 * servers end ERROR ("No valid host was found. There are not enough hosts
 * available."). The others' tasks, held until then, find their node claimed.
 * Resumable: a claim an earlier attempt made is adopted (the node names its instance).
 * Returns this server's node, or null when the request failed.
 */
/**
 * What the server's flavor asks the scheduler for. The create checked it; an
 * admin may have changed the flavor's extra specs since, and then no node fits.
 */
function requestOf(flavor: FlavorRecord): SchedulingRequest {
  try {
    return schedulingRequest(flavor);
  } catch (error) {
    if (error instanceof FlavorSpecError) throw new NoValidHostError(error.message);
    throw error;
  }
}

async function placeRequest(run: TaskRun, server: ServerRecord, own: string | null, siblings: readonly ServerRecord[]): Promise<string | null> {
  const { ctx, task, audit, save } = run;
  const flavor = await ctx.store.flavors.get(server.flavorId);
  if (flavor === undefined) throw new Error(`flavor ${server.flavorId} no longer exists`);
  const waiting = siblings.filter((other) => other.vmState === "building" && other.taskState === "scheduling");
  const placed: Array<{ id: string; node: string }> = [];
  try {
    await audit.event(task.actionId, "schedule_and_claim", async () => {
      for (const member of [server, ...waiting]) {
        const held = member.id === server.id ? own : (member.nodeUuid ?? (await ctx.driver.nodeOf(member.id)));
        const node = held ?? (await ctx.scheduler.place(requestOf(flavor), member.projectId, member.id, ctx.driver, await groupPlacement(ctx.store, member.id)));
        placed.push({ id: member.id, node });
      }
    });
  } catch (error) {
    if (!(error instanceof NoValidHostError)) throw error;
    const failure = fault(new NoValidHostError("There are not enough hosts available."), "create");
    for (const { id, node } of placed) await ctx.driver.destroy({ instanceUuid: id, nodeUuid: node });
    for (const member of waiting) {
      await giveBack(ctx, member);
      // Only a server still waiting: one being deleted is its delete's.
      await ctx.store.servers
        .update(member.id, { vmState: "error", taskState: null, nodeUuid: null, fault: failure }, { vmState: "building", taskState: "scheduling" })
        .catch((inner: unknown) => {
          if (!(inner instanceof StaleStateError)) throw inner;
        });
    }
    await giveBack(ctx, server);
    await save({ vmState: "error", taskState: null, nodeUuid: null, fault: failure });
    return null;
  }
  for (const { id, node } of placed) {
    if (id === server.id) continue;
    try {
      await ctx.store.servers.update(id, { nodeUuid: node }, { vmState: "building", taskState: "scheduling" });
    } catch (error) {
      // Deleted meanwhile: its node goes back (its delete saw no node to give back).
      if (!(error instanceof StaleStateError)) throw error;
      await ctx.driver.destroy({ instanceUuid: id, nodeUuid: node });
    }
  }
  return placed[0]?.node ?? null;
}

async function create(run: TaskRun, server: ServerRecord, { admin_password: adminPass }: TaskParams<"create">): Promise<void> {
  const { ctx, task, audit, save } = run;
  // A server its request's first task failed (multi-create) has nothing left to build.
  if (server.vmState !== "building") return;
  // The ports first: a pool with no address left claims no node.
  let ports: PortRecord[];
  try {
    ports = server.networks.kind === "list" ? await audit.event(task.actionId, "allocate_network", () => ctx.networks.ensurePorts(server, task.id)) : [];
  } catch (error) {
    if (!(error instanceof ComputeError)) throw error;
    // A node placed for it by its request's first task goes back too.
    const placedFor = server.nodeUuid ?? (await ctx.driver.nodeOf(server.id));
    if (placedFor !== null) await ctx.driver.destroy({ instanceUuid: server.id, nodeUuid: placedFor });
    await giveBack(ctx, server);
    await save({ vmState: "error", taskState: null, nodeUuid: null, fault: fault(error, "create") });
    return;
  }
  const siblings = server.launchIndex === 0 ? await siblingsOf(ctx.store, server) : [];
  // A single create asks Ironic which node carries it only when the scheduler
  // finds none to claim (below): a claim an earlier attempt made is found by the
  // claim itself (the node names the instance, or Ironic refuses a second node).
  const single = siblings.length === 0 && server.launchIndex === 0;
  let nodeUuid = server.nodeUuid ?? (single ? null : await ctx.driver.nodeOf(server.id));
  if (siblings.length > 0) {
    try {
      nodeUuid = await placeRequest(run, server, nodeUuid, siblings);
    } finally {
      // Placed, failed or not: the other servers' tasks may run now.
      await ctx.store.tasks.releaseHeld(siblings.map((other) => other.id));
    }
    if (nodeUuid === null) return;
  }
  if (nodeUuid === null) {
    const flavor = await ctx.store.flavors.get(server.flavorId);
    if (flavor === undefined) throw new Error(`flavor ${server.flavorId} no longer exists`);
    const group = await groupPlacement(ctx.store, server.id);
    // Its instance_info goes in the claim's PATCH (it does not depend on the node's NICs).
    const early = ports.length === 0 && server.blockDevices.length === 0 ? await specOf(ctx, server, adminPass) : undefined;
    try {
      nodeUuid = await audit.event(task.actionId, "schedule_and_claim", () =>
        ctx.scheduler.place(requestOf(flavor), server.projectId, server.id, ctx.driver, group, early),
      );
    } catch (error) {
      if (!(error instanceof NoValidHostError)) throw error;
      // No node left to claim — unless an earlier attempt of this task claimed one.
      nodeUuid = await ctx.driver.nodeOf(server.id);
      if (nodeUuid === null) {
        await giveBack(ctx, server);
        await save({ vmState: "error", taskState: null, fault: fault(error, "create") });
        return;
      }
    }
  }
  await save({ nodeUuid, taskState: "spawning", progress: 10 });
  const node = nodeUuid;
  if (ports.length > 0 || server.blockDevices.length > 0) {
    try {
      if (ports.length > 0) await ctx.networks.plug(ports, node, await ctx.driver.nics(node));
      await requireConnectors(ctx, server, node);
    } catch (error) {
      if (!(error instanceof NodeUnfitError || error instanceof NotEnoughNicsError)) throw error;
      // Nothing is on the node yet but the claim: give it back with the ports and volumes.
      await ctx.driver.destroy({ instanceUuid: server.id, nodeUuid: node });
      await giveBack(ctx, server);
      await save({ vmState: "error", taskState: null, nodeUuid: null, progress: 0, fault: fault(error, "create") });
      return;
    }
  }
  const progress = progressRecorder(run, "spawn");
  let power: Awaited<ReturnType<IronicDriver["spawn"]>>;
  try {
    const spec = await specOf(ctx, server, adminPass);
    power = await audit.event(task.actionId, "driver_spawn", () => ctx.driver.spawn({ instanceUuid: spec.uuid, nodeUuid: node }, spec, progress.report));
  } catch (error) {
    // The driver unwound the node; the server keeps a fault and no node.
    if (!(error instanceof DriverError)) throw error;
    await progress.recorded();
    await giveBack(ctx, server);
    await save({ vmState: "error", taskState: null, nodeUuid: null, progress: 0, fault: fault(error, "create") });
    return;
  }
  await progress.recorded();
  await save({ progress: POWERING_ON_PERCENT });
  // A deploy on real hardware ends with the node powered on; fake hardware's
  // deploy interface leaves it off. The server is recorded as running, so make
  // it so; otherwise the next power sync (or Ironic's power notification) would
  // turn a server SHUTOFF seconds after it became ACTIVE. The deploy's last
  // observation of the node tells its power: no request when it is on.
  try {
    if (power !== "running") {
      await audit.event(task.actionId, "driver_power_on", () => ctx.driver.powerOn({ instanceUuid: server.id, nodeUuid: node }));
    }
  } catch (error) {
    if (!(error instanceof DriverError)) throw error;
    ctx.log.warn({ instance: server.id, node, err: error }, "the deployed node could not be powered on; the power sync will show it");
  }
  await save({ vmState: "active", taskState: null, powerState: "running", progress: 100, launchedAt: nowIso() });
}

async function destroy({ ctx, task, audit, save }: TaskRun, server: ServerRecord): Promise<void> {
  // Volume targets are only ever created for the server's block devices.
  const target = { instanceUuid: server.id, nodeUuid: server.nodeUuid, volumes: server.blockDevices.length > 0 };
  await audit.event(task.actionId, "driver_destroy", () => ctx.driver.destroy(target));
  await giveBack(ctx, server);
  await save({ vmState: "deleted", taskState: null, nodeUuid: null, deletedAt: nowIso() });
}

/**
 * Gives back a node still claimed for a server that no longer holds it (the
 * reconciler found it). Checked again here, since the node may have changed
 * hands since: only a claim that carries our marker for this server is undone.
 */
async function release({ ctx, task, audit, save }: TaskRun, server: ServerRecord, { node_uuid: node }: TaskParams<"release">): Promise<void> {
  const ownership = await ctx.driver.ownership({ instanceUuid: server.id, nodeUuid: node });
  if (ownership.kind !== "ours") {
    ctx.log.warn({ instance: server.id, node, ownership: ownership.kind }, "not releasing a node that is no longer ours");
    return;
  }
  await audit.event(task.actionId, "driver_destroy", () => ctx.driver.destroy({ instanceUuid: server.id, nodeUuid: node }));
  if (server.nodeUuid === node) await save({ nodeUuid: null });
}

function nodeOf(server: ServerRecord): string {
  if (server.nodeUuid === null) throw new Error(`server ${server.id} has no node`);
  return server.nodeUuid;
}

/** The kinds that are one driver call on the server's node, then one end state. */
type NodeTaskKind = Exclude<TaskKind, "create" | "delete" | "release">;
type ParamsByKind = { [K in TaskKind]: TaskParams<K> };
type DriverCall = (driver: IronicDriver, target: InstanceOnNode, onProgress?: OnProgress) => Promise<void>;

interface NodeTask<K extends NodeTaskKind> {
  /** The audit event the driver call is recorded as. */
  event: string;
  /**
   * Reads and checks what the call needs, before its event starts (a task that
   * cannot start records no driver event), and returns the call.
   */
  prepare(ctx: HandlerContext, server: ServerRecord, params: ParamsByKind[K], taskId: string): DriverCall | Promise<DriverCall>;
  /** The server once the call succeeded. */
  end: ServerPatch;
  /** A call that deploys an image: its phases are recorded as progress and events. */
  progress?: DeployOperation;
}

const RUNNING: ServerPatch = { vmState: "active", taskState: null, powerState: "running" };

const NODE_TASKS: { [K in NodeTaskKind]: NodeTask<K> } = {
  reboot: {
    event: "driver_reboot",
    prepare: (_ctx, _server, { hard }) => (driver, target) => driver.reboot(target, hard === true ? "hard" : "soft"),
    end: RUNNING,
  },
  stop: {
    event: "driver_power_off",
    prepare: () => (driver, target) => driver.powerOff(target),
    end: { vmState: "stopped", taskState: null, powerState: "shutdown" },
  },
  start: {
    event: "driver_power_on",
    prepare: () => (driver, target) => driver.powerOn(target),
    end: RUNNING,
  },
  rebuild: {
    event: "driver_rebuild",
    prepare: async (ctx, server, { preserve_ephemeral, admin_password: adminPass, key_user_id }, taskId) => {
      // The new config drive carries the rebuild's password (absent only in a rebuild queued before it was kept).
      const spec = await specOf(ctx, server, adminPass, key_user_id);
      // The task is the request: a resumed task continues its rebuild, a new one redeploys.
      return (driver, target, onProgress) => driver.rebuild(target, spec, { preserveEphemeral: preserve_ephemeral === true, requestId: taskId }, onProgress);
    },
    end: { ...RUNNING, progress: 100 },
    progress: "rebuild",
  },
  rescue: {
    event: "driver_rescue",
    prepare: (_ctx, _server, { rescue_password: password }) => {
      // Only a finished task lacks it (task-secrets.ts); one that runs must have it.
      if (password === undefined) throw new Error("rescue task without a password");
      return (driver, target) => driver.rescue(target, password);
    },
    end: { vmState: "rescued", taskState: null },
  },
  unrescue: {
    event: "driver_unrescue",
    prepare: () => (driver, target) => driver.unrescue(target),
    end: { vmState: "active", taskState: null },
  },
};

async function onNode<K extends NodeTaskKind>(run: TaskRun, server: ServerRecord, kind: K, params: ParamsByKind[K]): Promise<void> {
  const { ctx, task, audit, save } = run;
  const step: NodeTask<K> = NODE_TASKS[kind];
  const call = await step.prepare(ctx, server, params, task.id);
  const progress = step.progress === undefined ? undefined : progressRecorder(run, step.progress);
  if (progress !== undefined) await save({ progress: 0 });
  try {
    await audit.event(task.actionId, step.event, () => call(ctx.driver, { instanceUuid: server.id, nodeUuid: nodeOf(server) }, progress?.report));
  } finally {
    await progress?.recorded();
  }
  await save(step.end);
}

/** Runs `task` for `server`; failures other than driver ones propagate to the runner. */
export async function runTask(ctx: HandlerContext, task: TaskRecord, server: ServerRecord): Promise<void> {
  const run = taskRun(ctx, task);
  const { audit } = run;
  try {
    switch (task.kind) {
      case "create":
        await create(run, server, task.params);
        break;
      case "delete":
        await destroy(run, server);
        break;
      case "release":
        await release(run, server, task.params);
        break;
      case "reboot":
      case "stop":
      case "start":
      case "rebuild":
      case "rescue":
      case "unrescue":
        await onNode(run, server, task.kind, task.params);
        break;
    }
    await audit.finish(task.actionId);
  } catch (error) {
    await audit.finish(task.actionId, error);
    throw error;
  }
}

/**
 * After a task failed for good: ERROR with a sanitized fault (S2). A create that
 * failed also gives its node back, so an ERROR server never holds a machine.
 */
export async function failServer(ctx: HandlerContext, task: TaskRecord, error: unknown): Promise<void> {
  const { save } = taskRun(ctx, task);
  if (task.kind === "release") {
    // The server itself is fine (or deleted): only the leftover node is not yet back.
    return;
  }
  if (task.kind === "create") {
    try {
      const server = await ctx.store.servers.get(task.serverId, { includeDeleted: true });
      await ctx.driver.destroy({ instanceUuid: task.serverId, nodeUuid: server?.nodeUuid ?? null });
      if (server !== undefined) await giveBack(ctx, server);
      await save({ nodeUuid: null });
    } catch (cleanupError) {
      // The ERROR below must be recorded whatever happened here; the server
      // keeps its node, and deleting it (or the reconciler) cleans up later.
      ctx.log.error({ instance: task.serverId, err: cleanupError }, "could not give the node of a failed create back; it stays with the ERROR server");
    }
  }
  await save({ vmState: "error", taskState: null, fault: fault(error, task.kind) });
}
