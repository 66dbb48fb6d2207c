// Claiming a node for an instance, and the binding check done before every later
// node operation (S1, S3).
//
// The claim is Ironic's own atomic compare-and-set: `instance_uuid` can only be
// added to a node that has none, so of two racing claimers exactly one gets 200
// and the other 409. It is sent without retries: a lost race must reach the
// scheduler at once so it can pick another node. The instance's whole
// instance_info rides in the same PATCH when the caller has it: Ironic applies
// a patch as one node update, so a lost race writes nothing at all.

import {
  InstanceAssociatedError,
  NodeAssociatedError,
  NodeLockedError,
  IronicNotFoundError,
  OutcomeUnknownError,
} from "../ironic/errors.js";
import type { IronicClient } from "../ironic/client.js";
import type { Node, NodeView, SelectableNodeField } from "../ironic/node-schema.js";
import { availability, CACHE_FIELDS, isUsed, type CachedNode } from "./availability.js";
import { INSTANCE_KEY } from "./instance-info.js";
import {
  InstanceAlreadyPlacedError,
  InstanceNotFoundError,
  NodeAlreadyClaimedError,
  NodeBindingError,
  NodeNotAvailableError,
} from "./errors.js";
import { nodeOrNull } from "./observe.js";
import { outsidePartition, partitionUsesShard, servesProject, type Partition } from "./tenancy.js";

export interface ClaimScope {
  /** The project of the server the node is claimed for. */
  projectId: string;
  /** The slice of Ironic this service manages. */
  partition: Partition;
}

/**
 * Claims `nodeUuid` for `instanceUuid`. The node is read fresh and refused when
 * used, unavailable, outside the partition, or owned by / leased to another
 * project than `scope.projectId` — the same rule the scheduler applied to its
 * cached copy, which may be older than a lease just given. `instanceInfo`: the
 * instance_info to write with the claim, from the node just read. Returns the
 * node as the claim's PATCH answered it; undefined when no PATCH answered
 * (already ours, or the answer was lost and the node read again).
 */
export async function claimNode(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  scope: ClaimScope,
  instanceInfo?: (node: CachedNode) => Record<string, unknown> | undefined,
): Promise<Node | undefined> {
  const ids = { node: nodeUuid, instance: instanceUuid };
  const fields = partitionUsesShard(scope.partition) ? [...CACHE_FIELDS, "shard" as const] : CACHE_FIELDS;
  const node = await client.nodes.get(nodeUuid, fields).catch((error: unknown) => {
    if (error instanceof IronicNotFoundError) throw new NodeNotAvailableError("the node does not exist", { ...ids, cause: error });
    throw error;
  });
  if (node.instance_uuid === instanceUuid) return undefined; // already ours: a resumed claim
  if (isUsed(node)) throw new NodeAlreadyClaimedError("the node already has an instance", ids);
  const state = availability(node);
  if (!state.available) throw new NodeNotAvailableError(`the node is not available: ${state.reason}`, ids);
  const outside = outsidePartition(node, scope.partition);
  if (outside !== null) throw new NodeNotAvailableError(`the node left this service's partition: ${outside}`, ids);
  if (!servesProject(node, scope.projectId)) {
    throw new NodeNotAvailableError("the node is owned by or leased to another project", ids);
  }
  return writeClaim(client, nodeUuid, instanceUuid, 1, instanceInfo?.(node));
}

/**
 * The claim's PATCH. When its answer was lost (OutcomeUnknownError) the node is
 * read again: ours → claimed; still unclaimed → the PATCH did not land and is
 * sent once more (the compare-and-set makes that safe); anyone else's → lost.
 * `instanceInfo` (it carries our marker): the whole instance_info, written with
 * the claim; without it only the marker is added.
 */
export async function writeClaim(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  resend = 1,
  instanceInfo?: Record<string, unknown>,
): Promise<Node | undefined> {
  const ids = { node: nodeUuid, instance: instanceUuid };
  try {
    // The marker goes in the same PATCH (one atomic node update in Ironic): from
    // its first moment the claim says it is ours, which is what lets the
    // reconciler tell our leftovers from another tool's machines.
    const info =
      instanceInfo === undefined
        ? { op: "add" as const, path: `/instance_info/${INSTANCE_KEY}`, value: instanceUuid }
        : { op: "add" as const, path: "/instance_info", value: { ...instanceInfo, [INSTANCE_KEY]: instanceUuid } };
    const claimed = await client.nodes.update(nodeUuid, [{ op: "add", path: "/instance_uuid", value: instanceUuid }, info], { retry: "none" });
    if (claimed.instance_uuid !== instanceUuid) {
      throw new NodeBindingError("Ironic accepted the claim but reports another instance", ids);
    }
    return claimed;
  } catch (error) {
    if (error instanceof OutcomeUnknownError) {
      const seen = await nodeOrNull(client, nodeUuid, ["instance_uuid"]);
      if (seen === null) throw new NodeNotAvailableError("the node does not exist", { ...ids, cause: error });
      if (seen.instance_uuid === instanceUuid) return undefined;
      if (seen.instance_uuid === null && resend > 0) return writeClaim(client, nodeUuid, instanceUuid, resend - 1, instanceInfo);
      throw new NodeAlreadyClaimedError("the claim's outcome was unknown and the node is not ours", { ...ids, cause: error });
    }
    if (error instanceof NodeAssociatedError) {
      throw new NodeAlreadyClaimedError("another instance claimed the node first", { ...ids, cause: error });
    }
    if (error instanceof InstanceAssociatedError) {
      throw new InstanceAlreadyPlacedError("the instance already holds another node", { ...ids, cause: error });
    }
    if (error instanceof NodeLockedError) {
      // Someone is working on the node right now (often another claimer): move on.
      throw new NodeAlreadyClaimedError("the node is busy in Ironic", { ...ids, cause: error });
    }
    if (error instanceof IronicNotFoundError) {
      throw new NodeNotAvailableError("the node does not exist", { ...ids, cause: error });
    }
    throw error;
  }
}

/**
 * Reads `fields` of the node and proves it still belongs to `instanceUuid` (S1):
 * a stale or forged mapping can never touch another tenant's machine.
 */
export async function boundNode<F extends SelectableNodeField>(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  fields: readonly F[],
): Promise<NodeView<F | "instance_uuid">> {
  const ids = { node: nodeUuid, instance: instanceUuid };
  const node = await client.nodes.get(nodeUuid, [...fields, "instance_uuid"]).catch((error: unknown) => {
    if (error instanceof IronicNotFoundError) throw new InstanceNotFoundError("the instance's node no longer exists", { ...ids, cause: error });
    throw error;
  });
  if (node.instance_uuid !== instanceUuid) {
    throw new NodeBindingError(
      node.instance_uuid === null ? "the node is no longer bound to this instance" : "the node belongs to another instance",
      ids,
    );
  }
  return node;
}
