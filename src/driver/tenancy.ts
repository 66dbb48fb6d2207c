// Which nodes a server may be placed on, by who they belong to (S3) — the one
// home of the rule, applied by the scheduler to cached nodes and again by the
// claim to the node as Ironic shows it at that moment (a node leased to project
// X a second ago must not be claimed for project Y from a stale cache).
//
// Two layers:
//  - the partition: the slice of Ironic this service manages (conductor group,
//    owner, lessee, shard from the driver configuration). The node cache lists
//    with these as Ironic filters; a node that has left the slice since is not ours.
//  - the project: a node with neither owner nor lessee serves every project;
//    otherwise only its owner's and its lessee's.

import type { Node } from "../ironic/node-schema.js";
import type { NodeFilters } from "../ironic/nodes.js";

export interface Partition {
  conductorGroup?: string;
  owner?: string;
  lessee?: string;
  shard?: string;
}

/** The partition as Ironic list filters (what the node cache asks for). */
export function partitionFilters(partition: Partition): Pick<NodeFilters, "conductor_group" | "owner" | "lessee" | "shard"> {
  return {
    ...(partition.conductorGroup === undefined ? {} : { conductor_group: partition.conductorGroup }),
    ...(partition.owner === undefined ? {} : { owner: partition.owner }),
    ...(partition.lessee === undefined ? {} : { lessee: partition.lessee }),
    ...(partition.shard === undefined ? {} : { shard: partition.shard }),
  };
}

/** Whether the partition filters on the shard (the claim then reads it too). */
export function partitionUsesShard(partition: Partition): boolean {
  return partition.shard !== undefined;
}

/**
 * Why `node` is outside `partition`, or null when it is inside. `shard` is only
 * compared when the partition names one (the field needs a newer microversion).
 */
export function outsidePartition(
  node: Pick<Node, "conductor_group" | "owner" | "lessee"> & { shard?: string | null },
  partition: Partition,
): string | null {
  // Ironic stores conductor groups lower-cased and matches them so.
  if (partition.conductorGroup !== undefined && node.conductor_group.toLowerCase() !== partition.conductorGroup.toLowerCase()) {
    return `its conductor group is not '${partition.conductorGroup}'`;
  }
  if (partition.owner !== undefined && node.owner !== partition.owner) return `its owner is not '${partition.owner}'`;
  if (partition.lessee !== undefined && node.lessee !== partition.lessee) return `its lessee is not '${partition.lessee}'`;
  if (partition.shard !== undefined && node.shard !== partition.shard) return `its shard is not '${partition.shard}'`;
  return null;
}

/** Whether `node` may take a server of `projectId`. Pure. */
export function servesProject(node: Pick<Node, "owner" | "lessee">, projectId: string): boolean {
  if (node.owner === null && node.lessee === null) return true;
  return node.owner === projectId || node.lessee === projectId;
}
