// Rescue and unrescue: boot the node into Ironic's rescue ramdisk with a
// one-time password, and back. The password is registered with the logger's
// secret registry by the client before it is sent, so it never reaches a log (S8).

import type { IronicClient } from "../ironic/client.js";
import type { NodeView } from "../ironic/node-schema.js";
import { inPhase, type ProvisionState } from "../ironic/states.js";
import type { Logger } from "../log/logger.js";
import {
  InstanceNotFoundError,
  NodeBindingError,
  OperationFailedError,
  RescueFailedError,
  UnrescueFailedError,
} from "./errors.js";
import { nodeOrNull } from "./observe.js";
import { withListed, type ChangeWatch, type WatchedNode } from "./node-watch.js";
import { runOperation, type Decision, type Progress } from "./operation.js";

const RESCUE_FIELDS = ["instance_uuid", "provision_state", "target_provision_state", "maintenance", "last_error"] as const;
export type RescueNode = NodeView<(typeof RESCUE_FIELDS)[number]>;
export type RescueStep = "rescue" | "unrescue";

export interface RescueOptions {
  timeoutMs: number;
  pollIntervalMs: number;
  /** The driver's shared poller (node-watch.ts). */
  watch?: ChangeWatch;
  onProgress?: (progress: Progress<RescueStep>) => void;
}

function unexpected(state: ProvisionState, goal: string, ids: NodeIds): Decision<RescueStep> {
  return { kind: "fail", error: new OperationFailedError(`cannot ${goal} a node in state '${state}'`, ids) };
}

type NodeIds = { node: string; instance: string };

type Bound = { ok: false; decision: Decision<RescueStep> } | { ok: true; node: RescueNode; ids: NodeIds };

/** Both verbs first need the node to exist and to be bound to this instance. */
function boundTo(instanceUuid: string, node: RescueNode | null): Bound {
  if (node === null) {
    return { ok: false, decision: { kind: "fail", error: new InstanceNotFoundError("the node disappeared from Ironic", { instance: instanceUuid }) } };
  }
  const ids = { node: node.uuid, instance: instanceUuid };
  if (node.instance_uuid !== instanceUuid) {
    return { ok: false, decision: { kind: "fail", error: new NodeBindingError("the node is not bound to this instance", ids) } };
  }
  return { ok: true, node, ids };
}

/** Rescue acts from active (and retries from "unrescue failed"); every other state outside the rescue phase is refused. */
export function decideRescue(instanceUuid: string, observed: RescueNode | null, executed: ReadonlySet<RescueStep>): Decision<RescueStep> {
  const bound = boundTo(instanceUuid, observed);
  if (!bound.ok) return bound.decision;
  const { node, ids } = bound;
  const busy = node.target_provision_state !== null;
  const state = node.provision_state;
  if (state === "active") {
    if (busy) return { kind: "wait", reason: "node is busy" };
    if (node.maintenance) return { kind: "fail", error: new OperationFailedError("the node is in maintenance", ids) };
    return { kind: "act", step: "rescue" };
  }
  if (!inPhase(state, "rescue")) return unexpected(state, "rescue", ids);
  switch (state) {
    case "rescue":
      return busy ? { kind: "wait", reason: "node is busy" } : { kind: "done" };
    case "rescuing":
    case "rescue wait":
      return { kind: "wait", reason: `node is ${state}` };
    case "rescue failed":
      return executed.has("rescue") || !busy
        ? { kind: "fail", error: new RescueFailedError(`rescue failed: ${node.last_error ?? "no reason given"}`, ids) }
        : { kind: "wait", reason: "node is busy" };
    case "unrescue failed":
      return busy ? { kind: "wait", reason: "node is busy" } : { kind: "act", step: "rescue" };
    case "unrescuing":
      return unexpected(state, "rescue", ids);
  }
}

/** Unrescue ends at active; it acts from the rescue phase and refuses every other state. */
export function decideUnrescue(instanceUuid: string, observed: RescueNode | null, executed: ReadonlySet<RescueStep>): Decision<RescueStep> {
  const bound = boundTo(instanceUuid, observed);
  if (!bound.ok) return bound.decision;
  const { node, ids } = bound;
  const busy = node.target_provision_state !== null;
  const state = node.provision_state;
  if (state === "active") return busy ? { kind: "wait", reason: "node is busy" } : { kind: "done" };
  if (!inPhase(state, "rescue")) return unexpected(state, "unrescue", ids);
  switch (state) {
    case "unrescuing":
      return { kind: "wait", reason: "node is unrescuing" };
    case "unrescue failed":
      return executed.has("unrescue")
        ? { kind: "fail", error: new UnrescueFailedError(`unrescue failed: ${node.last_error ?? "no reason given"}`, ids) }
        : { kind: "act", step: "unrescue" };
    case "rescue":
    case "rescue failed":
      return busy ? { kind: "wait", reason: "node is busy" } : { kind: "act", step: "unrescue" };
    case "rescuing":
    case "rescue wait":
      return { kind: "wait", reason: `node is ${state}` };
  }
}

/** Every field rescue and unrescue decide from is in the watch's listing: no read while waiting. */
function rescueFromListing(listed: WatchedNode, last: RescueNode | null): RescueNode | null | undefined {
  return last === null ? undefined : withListed(last, listed);
}

export async function rescueInstance(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  rescuePassword: string,
  options: RescueOptions,
  log: Logger,
): Promise<void> {
  await runOperation<RescueNode | null, RescueStep>(
    {
      name: "rescue",
      ids: { node: nodeUuid, instance: instanceUuid },
      observe: () => nodeOrNull(client, nodeUuid, RESCUE_FIELDS),
      watched: (node) => node,
      decide: (node, executed) => decideRescue(instanceUuid, node, executed),
      fromListing: rescueFromListing,
      act: async () => {
        await client.nodes.setProvisionState(nodeUuid, { target: "rescue", rescue_password: rescuePassword });
        return { next: "watch" as const };
      },
    },
    { timeoutMs: options.timeoutMs, pollIntervalMs: options.pollIntervalMs, onProgress: options.onProgress, log, watch: options.watch },
  );
}

export async function unrescueInstance(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  options: RescueOptions,
  log: Logger,
): Promise<void> {
  await runOperation<RescueNode | null, RescueStep>(
    {
      name: "unrescue",
      ids: { node: nodeUuid, instance: instanceUuid },
      observe: () => nodeOrNull(client, nodeUuid, RESCUE_FIELDS),
      watched: (node) => node,
      decide: (node, executed) => decideUnrescue(instanceUuid, node, executed),
      fromListing: rescueFromListing,
      act: async () => {
        await client.nodes.setProvisionState(nodeUuid, { target: "unrescue" });
        return { next: "watch" as const };
      },
    },
    { timeoutMs: options.timeoutMs, pollIntervalMs: options.pollIntervalMs, onProgress: options.onProgress, log, watch: options.watch },
  );
}
