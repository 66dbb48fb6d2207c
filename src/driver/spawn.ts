// Spawn: put an instance on a node and deploy it, as resumable steps.
//
//   claim (with instance_info) → write instance_info → create volume targets →
//   attach VIFs → deploy (config drive) → wait for `active`
//
// The scheduler's claim writes instance_info in the same PATCH, and hands its
// answer over as the first observation, so a fresh create starts at "deploy";
// the write-instance-info step only runs on a resumed or older claim.
//
// Each step is chosen from the node as Ironic shows it (`decideSpawn`, a pure
// function), so running spawn again after a crash continues where Ironic is.
// On failure after the claim, `spawn` unwinds with the destroy operation, which
// removes volume targets, VIFs, instance_info and the claim in reverse order.

import type { IronicClient } from "../ironic/client.js";
import { IronicBadRequestError, isTransientIronicError } from "../ironic/errors.js";
import type { NodeView } from "../ironic/node-schema.js";
import type { ConfigDriveDict } from "../ironic/nodes.js";
import { provisionPhase } from "../ironic/states.js";
import type { VolumeTarget } from "../ironic/volumes.js";
import type { Logger } from "../log/logger.js";
import { availability, CACHE_FIELDS } from "./availability.js";
import { writeClaim } from "./claim.js";
import { buildConfigDrive } from "./config-drive/index.js";
import { destroyInstance, type DestroyOptions } from "./destroy.js";
import {
  InstanceNotFoundError,
  NodeAlreadyClaimedError,
  NodeBindingError,
  NodeNotAvailableError,
  NodeValidationError,
  OperationFailedError,
} from "./errors.js";
import { buildInstanceInfo, instanceInfoWritten } from "./instance-info.js";
import type { InstanceSpec } from "./instance-spec.js";
import { parseProperties } from "./inventory.js";
import { servesProject } from "./tenancy.js";
import { attachVifs } from "./network.js";
import { nodeOrNull } from "./observe.js";
import { withListed, type ChangeWatch } from "./node-watch.js";
import { runOperation, type Decision, type Progress } from "./operation.js";
import { createVolumeTargets, missingVolumes } from "./volumes.js";

export const SPAWN_STEPS = ["claim", "write-instance-info", "create-volume-targets", "attach-vifs", "deploy"] as const;
export type SpawnStep = (typeof SPAWN_STEPS)[number];

export const SPAWN_FIELDS = [...CACHE_FIELDS, "instance_info", "deploy_step"] as const;
export type SpawnNode = NodeView<(typeof SPAWN_FIELDS)[number]>;

export interface SpawnObserved {
  /** null: the node does not exist (any more). */
  node: SpawnNode | null;
  /** Only read while the node is ours and not yet deploying. */
  volumeTargets: VolumeTarget[];
  vifs: string[];
  /** The instance_info this spawn wants on the node. */
  wantedInstanceInfo: Record<string, unknown>;
}

/** Interfaces that must validate for a deploy to make sense (as in Nova). */
export const REQUIRED_INTERFACES = ["deploy", "power", "storage"] as const;

export interface SpawnOptions {
  timeoutMs: number;
  pollIntervalMs: number;
  /** The driver's shared poller (node-watch.ts). */
  watch?: ChangeWatch;
  onProgress?: (progress: Progress<SpawnStep>) => void;
  /** Options of the destroy that unwinds a failed spawn. */
  unwind: DestroyOptions;
  /**
   * The node as the claim's PATCH answered it a moment ago: the first
   * observation, instead of reading the node again. Ignored unless it is
   * claimed for this instance.
   */
  claimed?: SpawnNode;
}

/** The next spawn step from what Ironic shows. Pure; exhaustive over provision phases. */
export function decideSpawn(
  spec: Pick<InstanceSpec, "uuid" | "volumes" | "vifs" | "projectId">,
  observed: SpawnObserved,
  executed: ReadonlySet<SpawnStep>,
): Decision<SpawnStep> {
  const node = observed.node;
  const ids = { node: node?.uuid, instance: spec.uuid };
  if (node === null) return { kind: "fail", error: new InstanceNotFoundError("the node disappeared from Ironic", ids) };
  if (node.instance_uuid === null) {
    if (executed.has("claim")) {
      return { kind: "fail", error: new NodeBindingError("the claim on the node was removed by someone else", ids) };
    }
    const state = availability(node);
    if (!state.available) return { kind: "fail", error: new NodeNotAvailableError(state.reason, ids) };
    if (!servesProject(node, spec.projectId)) {
      return { kind: "fail", error: new NodeNotAvailableError("the node is owned by or leased to another project", ids) };
    }
    return { kind: "act", step: "claim" };
  }
  if (node.instance_uuid !== spec.uuid) {
    return executed.has("claim")
      ? { kind: "fail", error: new NodeBindingError("the node now belongs to another instance", ids) }
      : { kind: "fail", error: new NodeAlreadyClaimedError("another instance claimed the node first", ids) };
  }
  if (node.maintenance) {
    return { kind: "fail", error: new OperationFailedError("the node was put in maintenance", ids) };
  }
  const busy = node.target_provision_state !== null;
  const state = node.provision_state;
  if (state === "available") {
    if (busy) return { kind: "wait", reason: "Ironic is starting the deployment" };
    return nextPreparationStep(spec, node.instance_info, observed, executed);
  }
  if (state === "active") return busy ? { kind: "wait", reason: "node is finishing the deployment" } : { kind: "done" };
  if (state === "unknown") {
    return {
      kind: "fail",
      error: new NodeNotAvailableError(
        `the node is in a state this version does not know ('${node.unknown_states?.provision_state ?? "?"}')`,
        ids,
      ),
    };
  }
  switch (provisionPhase(state)) {
    case "deploying":
      return { kind: "wait", reason: `node is ${state}${deployStepText(node.deploy_step)}` };
    case "failed":
      return { kind: "fail", error: new OperationFailedError(`deployment failed: ${node.last_error ?? state}`, ids) };
    case "teardown":
      return { kind: "fail", error: new OperationFailedError(`the node is being torn down (${state})`, ids) };
    case "stable":
    case "deployed":
    case "rescue":
    case "other":
      return { kind: "fail", error: new NodeNotAvailableError(`the node is in state '${state}'`, ids) };
  }
}

/** " (deploy step deploy.write_image)" for the step Ironic runs now; "" when none. */
export function deployStepText(step: Record<string, unknown>): string {
  const face = step["interface"];
  const name = step["step"];
  return typeof face === "string" && typeof name === "string" ? ` (deploy step ${face}.${name})` : "";
}

/** On an available node that is ours: what is still to put on it before deploying. */
function nextPreparationStep(
  spec: Pick<InstanceSpec, "uuid" | "volumes" | "vifs">,
  instanceInfo: SpawnNode["instance_info"],
  observed: SpawnObserved,
  executed: ReadonlySet<SpawnStep>,
): Decision<SpawnStep> {
  if (!instanceInfoWritten(instanceInfo, observed.wantedInstanceInfo)) {
    return { kind: "act", step: "write-instance-info" };
  }
  if (missingVolumes(spec.volumes, observed.volumeTargets, spec.uuid).length > 0) {
    return { kind: "act", step: "create-volume-targets" };
  }
  // The noop network interface keeps no VIFs, so "attached" may be invisible:
  // attaching is idempotent, once per run is enough.
  if (!executed.has("attach-vifs") && spec.vifs.some((vif) => !observed.vifs.includes(vif.id))) {
    return { kind: "act", step: "attach-vifs" };
  }
  return { kind: "act", step: "deploy" };
}

/** The spawn's observation of `node` (read, or answered by a PATCH): plus targets and VIFs while preparing. */
async function observeSpawn(
  client: IronicClient,
  nodeUuid: string,
  spec: InstanceSpec,
  log: Logger,
  answered?: SpawnNode,
): Promise<SpawnObserved> {
  const node = answered ?? (await nodeOrNull(client, nodeUuid, SPAWN_FIELDS));
  const localGb = node === null ? 0 : parseProperties(node.properties, log, nodeUuid).localGb;
  const wantedInstanceInfo = buildInstanceInfo(spec, { nodeLocalGb: localGb });
  const preparing =
    node !== null &&
    node.instance_uuid === spec.uuid &&
    node.provision_state === "available" &&
    node.target_provision_state === null;
  if (!preparing) return { node, volumeTargets: [], vifs: [], wantedInstanceInfo };
  const [volumeTargets, vifs] = await Promise.all([
    spec.volumes.length > 0 ? client.volumes.listTargets(nodeUuid) : Promise.resolve([]),
    spec.vifs.length > 0 ? client.nodes.listVifs(nodeUuid) : Promise.resolve([]),
  ]);
  return { node, volumeTargets, vifs, wantedInstanceInfo };
}

/** How Ironic's deploy request says the node failed its own validation (conductor's validate_node). */
const DEPLOY_VALIDATION_FAILED = /failed to validate/i;
/**
 * How it says the node is no longer in a state to deploy from: it moved since
 * it was observed (a deploy request of an earlier attempt, late, got there
 * first). The node is observed again and the decision made from what it shows.
 */
const STATE_MOVED = /can not be performed on node .* while it is in state/i;

/**
 * Deploys. Ironic's deploy request validates the power and deploy interfaces
 * (and instance_info's traits) itself and answers 400 "Failed to validate …"
 * with the reason, so a separate validate round trip only pays off for a boot
 * from volume, whose storage interface the deploy request does not validate.
 */
async function validateAndDeploy(client: IronicClient, nodeUuid: string, spec: InstanceSpec): Promise<"sent" | "moved"> {
  const ids = { node: nodeUuid, instance: spec.uuid };
  if (spec.volumes.length > 0) {
    const validation = await client.nodes.validate(nodeUuid);
    const failures = REQUIRED_INTERFACES.filter((name) => validation[name]?.result !== true).map(
      (name) => `${name}: ${validation[name]?.reason ?? "no result"}`,
    );
    if (failures.length > 0) throw new NodeValidationError(`node failed validation (${failures.join("; ")})`, ids);
  }
  try {
    await client.nodes.setProvisionState(nodeUuid, { target: "active", configdrive: await configDriveFor(client, nodeUuid, spec) });
  } catch (error) {
    if (error instanceof IronicBadRequestError && DEPLOY_VALIDATION_FAILED.test(error.message)) {
      throw new NodeValidationError(`node failed validation (${error.message})`, { ...ids, cause: error });
    }
    if (error instanceof IronicBadRequestError && STATE_MOVED.test(error.message)) return "moved";
    throw error;
  }
  return "sent";
}

/**
 * The config drive of `spec` on the node. The node's ports and port groups only
 * matter for the VIFs' network_data, so they are not listed when there are none.
 */
export async function configDriveFor(client: IronicClient, nodeUuid: string, spec: InstanceSpec): Promise<ConfigDriveDict> {
  if (spec.vifs.length === 0) return buildConfigDrive(spec, { vifs: [], ports: [], portgroups: [] });
  const [ports, portgroups] = await Promise.all([
    client.ports.listByNode(nodeUuid),
    client.portgroups.listByNode(nodeUuid),
  ]);
  return buildConfigDrive(spec, { vifs: spec.vifs, ports, portgroups });
}

/**
 * The observation a listed node gives: its state merged into the last one.
 * Undefined while the node is still to be prepared (that needs its
 * instance_info, volume targets and VIFs, which the listing does not show).
 */
export function spawnFromListing(listed: Parameters<typeof withListed>[1], last: SpawnObserved): SpawnObserved | undefined {
  if (last.node === null) return undefined;
  if (listed.provision_state === "available" && listed.target_provision_state === null) return undefined;
  return { ...last, node: withListed(last.node, listed) };
}

/** Runs (or resumes) the spawn steps without unwinding; see `spawnInstance`. Returns the node as it ended. */
export async function runSpawn(
  client: IronicClient,
  nodeUuid: string,
  spec: InstanceSpec,
  options: SpawnOptions,
  log: Logger,
): Promise<SpawnNode | null> {
  let claimed = options.claimed?.instance_uuid === spec.uuid ? options.claimed : undefined;
  const ended = await runOperation<SpawnObserved, SpawnStep>(
    {
      name: "spawn",
      ids: { node: nodeUuid, instance: spec.uuid },
      observe: () => {
        const answered = claimed;
        claimed = undefined;
        return observeSpawn(client, nodeUuid, spec, log, answered);
      },
      watched: (observed) => observed.node,
      fromListing: spawnFromListing,
      decide: (observed, executed) => decideSpawn(spec, observed, executed),
      act: async (step, observed) => {
        switch (step) {
          case "claim": {
            const answer = await writeClaim(client, nodeUuid, spec.uuid, 1, observed.wantedInstanceInfo);
            return answer === undefined ? undefined : { next: "answer", observed: await observeSpawn(client, nodeUuid, spec, log, answer) };
          }
          case "write-instance-info": {
            const answer = await client.nodes.update(nodeUuid, [
              { op: "add", path: "/instance_info", value: observed.wantedInstanceInfo },
            ]);
            return { next: "answer", observed: await observeSpawn(client, nodeUuid, spec, log, answer) };
          }
          case "create-volume-targets":
            return createVolumeTargets(client, nodeUuid, spec.uuid, missingVolumes(spec.volumes, observed.volumeTargets, spec.uuid));
          case "attach-vifs":
            return attachVifs(client, nodeUuid, spec.uuid, spec.vifs.map((vif) => vif.id), log);
          case "deploy":
            // Moved: observe again at once (the per-step cap bounds a repeat).
            return (await validateAndDeploy(client, nodeUuid, spec)) === "sent" ? { next: "watch" } : undefined;
        }
      },
    },
    { timeoutMs: options.timeoutMs, pollIntervalMs: options.pollIntervalMs, onProgress: options.onProgress, log, watch: options.watch },
  );
  return ended.node;
}

/**
 * Spawns `spec` on `nodeUuid`. On failure after the claim, unwinds everything
 * this instance put on the node, then rethrows the original error. A lost claim
 * (NodeAlreadyClaimedError) or an unavailable node left nothing to unwind.
 */
export async function spawnInstance(
  client: IronicClient,
  nodeUuid: string,
  spec: InstanceSpec,
  options: SpawnOptions,
  log: Logger,
): Promise<SpawnNode | null> {
  try {
    return await runSpawn(client, nodeUuid, spec, options, log);
  } catch (error) {
    if (error instanceof NodeAlreadyClaimedError || error instanceof NodeNotAvailableError) throw error;
    // Ironic unreachable or overloaded: nothing failed on the node, so keep it;
    // the caller resumes later from what Ironic then shows.
    if (isTransientIronicError(error)) throw error;
    // This execution was fenced (its task's lease is gone): another worker owns
    // the node's fate now, and the fenced client could not unwind anyway.
    if (client.http.fenceFired) throw error;
    const ids = { node: nodeUuid, instance: spec.uuid };
    log.warn({ ...ids, err: error }, "spawn failed; unwinding what it put on the node");
    try {
      await destroyInstance(client, { instanceUuid: spec.uuid, nodeUuid, volumes: spec.volumes.length > 0 }, options.unwind, log);
    } catch (unwindError) {
      // The original failure is what the caller must see; the unwind failure is
      // logged for the operator and the reconciler retries it.
      log.error({ ...ids, err: unwindError }, "unwinding a failed spawn did not complete; the reconciler will retry");
    }
    throw error;
  }
}
