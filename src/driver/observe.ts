// The one read every resumable operation starts from: the node with the fields
// its decision needs, or null when Ironic no longer has it (a decision input,
// not an error).
import type { IronicClient } from "../ironic/client.js";
import { IronicNotFoundError } from "../ironic/errors.js";
import type { NodeView, SelectableNodeField } from "../ironic/node-schema.js";

export async function nodeOrNull<F extends SelectableNodeField>(
  client: IronicClient,
  nodeUuid: string,
  fields: readonly F[],
): Promise<NodeView<F> | null> {
  try {
    return await client.nodes.get(nodeUuid, fields);
  } catch (error) {
    if (error instanceof IronicNotFoundError) return null;
    throw error;
  }
}
