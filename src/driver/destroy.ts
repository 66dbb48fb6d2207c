// Destroy: take an instance off its node, as resumable steps — also the unwind of
// a failed spawn, and the reconciler's tool for orphans.
//
// From a deployed state (active, deploy failed, error, wait call-back, the rescue
// states …) our volume targets are deleted first (after a power-off: Ironic
// deletes them only from a powered-off node), while the claim still keeps the
// node ours; then Ironic is asked to unprovision ("deleted"); its tear-down
// removes the VIFs, instance_info and the claim itself, then cleans. From a state that was
// never deployed (available, manageable …) we remove, in reverse order of spawn,
// volume targets, VIFs, instance_info and the claim. Then we wait, bounded but
// generously (cleaning can take hours on real hardware; Nova gives up after about
// two minutes), for the node to settle, and delete any volume target of ours left.
//
// Differences from Nova on purpose: from deploying/rescuing/unrescuing (where
// Ironic refuses "deleted") we wait for the state to settle instead of failing;
// from "deploy hold" we abort first; a node that is gone, or already clean, is
// success; we never touch a node that another instance has claimed since.

import type { IronicClient } from "../ironic/client.js";
import type { NodeView } from "../ironic/node-schema.js";
import type { VolumeTarget } from "../ironic/volumes.js";
import type { Logger } from "../log/logger.js";
import { InvalidInputError } from "./errors.js";
import { detachVif } from "./network.js";
import { nodeOfInstance } from "./node-of.js";
import { nodeOrNull } from "./observe.js";
import { withListed, type ChangeWatch, type WatchedNode } from "./node-watch.js";
import { runOperation, type Decision, type Progress } from "./operation.js";
import { deleteOurVolumeTargets, ourVolumeTargets } from "./volumes.js";

export const DESTROY_STEPS = [
  "unprovision",
  "abort",
  "power-off",
  "delete-volume-targets",
  "detach-vifs",
  "release",
] as const;
export type DestroyStep = (typeof DESTROY_STEPS)[number];

const DESTROY_FIELDS = [
  "instance_uuid",
  "provision_state",
  "target_provision_state",
  "maintenance",
  "last_error",
  "power_state",
  "target_power_state",
] as const;
export type DestroyNode = NodeView<(typeof DESTROY_FIELDS)[number]>;

export interface DestroyObserved {
  node: DestroyNode | null;
  /** All targets on the node (ours are filtered by their `extra` tag). */
  volumeTargets: VolumeTarget[];
  /** VIFs, read only while the node is ours and not deployed. */
  vifs: string[];
}

export interface DestroyOptions {
  timeoutMs: number;
  pollIntervalMs: number;
  /** The driver's shared poller (node-watch.ts). */
  watch?: ChangeWatch;
  /** Wait for Ironic's cleaning to end (default); false: done once unbound. */
  waitForCleaning: boolean;
  onProgress?: (progress: Progress<DestroyStep>) => void;
}

export interface DestroyTarget {
  instanceUuid: string;
  /** The node the instance was placed on; null/undefined: look it up by instance. */
  nodeUuid?: string | null;
  /**
   * false: the instance has no volumes, so no volume target of it can be on the
   * node and none are listed (they are only created for its volumes at spawn).
   * Default true: unknown (the reconciler's orphans), the targets are listed.
   */
  volumes?: boolean;
}

const UNDEPLOYED = ["available", "manageable", "enroll", "clean failed", "clean hold", "inspect failed", "adopt failed"];

/**
 * The observation a listed node gives (its state merged into the last one);
 * undefined once it is undeployed: releasing needs its VIFs, which only a read shows.
 */
export function destroyFromListing(listed: WatchedNode, last: DestroyObserved): DestroyObserved | undefined {
  if (last.node === null || UNDEPLOYED.includes(listed.provision_state)) return undefined;
  return { ...last, node: withListed(last.node, listed) };
}

/** The next destroy step from what Ironic shows. Pure; exhaustive over states. */
export function decideDestroy(
  instanceUuid: string,
  observed: DestroyObserved,
  options: Pick<DestroyOptions, "waitForCleaning">,
): Decision<DestroyStep> {
  const node = observed.node;
  if (node === null) return { kind: "done" }; // node gone: nothing of ours can remain
  const ours = node.instance_uuid === instanceUuid;
  const leftovers = ourVolumeTargets(observed.volumeTargets, instanceUuid).length > 0;
  const busy = node.target_provision_state !== null;
  // Ironic deletes volume targets only from a powered-off node.
  const removeTargets = (): Decision<DestroyStep> => {
    if (node.target_power_state !== null) return { kind: "wait", reason: "a power action is running" };
    return node.power_state === "power off" ? { kind: "act", step: "delete-volume-targets" } : { kind: "act", step: "power-off" };
  };

  if (!ours) {
    // Unbound (tear-down done, or never claimed) or claimed by another instance
    // since: only our own tagged volume targets may still be touched.
    const cleaning = ["deleting", "cleaning", "clean wait"].includes(node.provision_state);
    if (node.instance_uuid === null && options.waitForCleaning && cleaning) {
      return { kind: "wait", reason: `node is ${node.provision_state}` };
    }
    // A node another instance claimed since is never powered off by us; our
    // leftover targets there are only removed if it happens to be off.
    if (!leftovers || (node.instance_uuid !== null && node.power_state !== "power off")) return { kind: "done" };
    return removeTargets();
  }

  switch (node.provision_state) {
    case "active":
    case "deploy failed":
    case "error":
    case "wait call-back":
    case "rescue":
    case "rescue wait":
    case "rescue failed":
    case "unrescue failed":
    case "service failed":
    case "service wait":
      if (busy) return { kind: "wait", reason: `node is ${node.provision_state}, busy` };
      // Our volume targets go while the node is still ours: after the tear-down
      // it is unclaimed, and another instance may claim it before they are gone
      // (then they stay, on a node we may no longer power off).
      if (leftovers) return removeTargets();
      return { kind: "act", step: "unprovision" };
    case "deploy hold":
    case "service hold":
      return { kind: "act", step: "abort" };
    case "deploying":
    case "rescuing":
    case "unrescuing":
    case "deleting":
    case "cleaning":
    case "clean wait":
    case "servicing":
    case "verifying":
    case "inspecting":
    case "inspect wait":
    case "adopting":
    case "rebuild":
      return { kind: "wait", reason: `node is ${node.provision_state}; waiting for it to settle` };
    case "available":
    case "manageable":
    case "enroll":
    case "clean failed":
    case "clean hold":
    case "inspect failed":
    case "adopt failed":
      if (busy) return { kind: "wait", reason: `node is ${node.provision_state}, busy` };
      if (leftovers) return removeTargets();
      if (observed.vifs.length > 0) return { kind: "act", step: "detach-vifs" };
      return { kind: "act", step: "release" };
    case "unknown":
      // As Nova does: an unknown state is most safely unprovisioned. If Ironic
      // refuses, the operation fails with Ironic's reason and is retried later.
      return { kind: "act", step: "unprovision" };
  }
}

async function observeDestroy(client: IronicClient, nodeUuid: string, instanceUuid: string, volumes: boolean): Promise<DestroyObserved> {
  const node = await nodeOrNull(client, nodeUuid, DESTROY_FIELDS);
  if (node === null) return { node: null, volumeTargets: [], vifs: [] };
  const undeployed =
    node.instance_uuid === instanceUuid &&
    node.target_provision_state === null &&
    UNDEPLOYED.includes(node.provision_state);
  const [volumeTargets, vifs] = await Promise.all([
    volumes ? client.volumes.listTargets(nodeUuid) : Promise.resolve([]),
    undeployed ? client.nodes.listVifs(nodeUuid) : Promise.resolve([]),
  ]);
  return { node, volumeTargets, vifs };
}

/** Destroys (or finishes destroying) the instance; idempotent. Returns the node as it ended (null: none). */
export async function destroyInstance(
  client: IronicClient,
  target: DestroyTarget,
  options: DestroyOptions,
  log: Logger,
): Promise<DestroyNode | null> {
  const instanceUuid = target.instanceUuid;
  if (instanceUuid === "") throw new InvalidInputError("an instance UUID is required");
  const nodeUuid = target.nodeUuid ?? (await nodeOfInstance(client, instanceUuid));
  if (nodeUuid === null) {
    log.info({ instance: instanceUuid }, "destroy: no node carries this instance; nothing to do");
    return null;
  }
  const ended = await runOperation<DestroyObserved, DestroyStep>(
    {
      name: "destroy",
      ids: { node: nodeUuid, instance: instanceUuid },
      observe: () => observeDestroy(client, nodeUuid, instanceUuid, target.volumes ?? true),
      watched: (observed) => observed.node,
      fromListing: destroyFromListing,
      decide: (observed) => decideDestroy(instanceUuid, observed, options),
      act: async (step, observed) => {
        switch (step) {
          case "unprovision":
            await client.nodes.setProvisionState(nodeUuid, { target: "deleted" });
            return { next: "watch" };
          case "abort":
            await client.nodes.setProvisionState(nodeUuid, { target: "abort" });
            return { next: "watch" };
          case "power-off":
            await client.nodes.setPowerState(nodeUuid, { target: "power off" });
            return { next: "watch" };
          case "delete-volume-targets":
            return deleteOurVolumeTargets(client, nodeUuid, instanceUuid, observed.volumeTargets);
          case "detach-vifs":
            for (const vif of observed.vifs) await detachVif(client, nodeUuid, vif);
            return;
          case "release":
            await client.nodes.update(nodeUuid, [
              { op: "remove", path: "/instance_info" },
              { op: "remove", path: "/instance_uuid" },
            ]);
            return;
        }
      },
    },
    { timeoutMs: options.timeoutMs, pollIntervalMs: options.pollIntervalMs, onProgress: options.onProgress, log, watch: options.watch },
  );
  return ended.node;
}
