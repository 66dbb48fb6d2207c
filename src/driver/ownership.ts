// Whether a claimed node is ours: its `instance_uuid` names the instance AND its
// `instance_info` carries our marker for that same instance (written with the
// claim itself, see claim.ts). A node claimed by Nova, metal3, an operator or
// another ironic-compute database carries no such marker and is never ours,
// whatever our database says.
import type { IronicClient } from "../ironic/client.js";
import { nodeOrNull } from "./observe.js";
import { INSTANCE_KEY } from "./instance-info.js";

export type NodeOwnership =
  | { kind: "ours" }
  /** Claimed for the instance, but without our marker: someone else's work. */
  | { kind: "unmarked" }
  /** Not (or no longer) claimed for the instance. */
  | { kind: "elsewhere" }
  | { kind: "gone" };

/** Pure: the ownership a node's claim fields show for `instanceUuid`. */
export function ownershipOf(
  node: { instance_uuid: string | null; instance_info: Record<string, unknown> } | null,
  instanceUuid: string,
): NodeOwnership {
  if (node === null) return { kind: "gone" };
  if (node.instance_uuid !== instanceUuid) return { kind: "elsewhere" };
  return node.instance_info[INSTANCE_KEY] === instanceUuid ? { kind: "ours" } : { kind: "unmarked" };
}

/** Reads the node and tells whether its claim for `instanceUuid` is ours. */
export async function nodeOwnership(client: IronicClient, nodeUuid: string, instanceUuid: string): Promise<NodeOwnership> {
  return ownershipOf(await nodeOrNull(client, nodeUuid, ["instance_uuid", "instance_info"]), instanceUuid);
}
