// Which node carries an instance, asked of Ironic (not the cache): the one
// lookup behind a destroy without a recorded node, a create resuming after a
// crash, and a claim that finds the instance already placed. More than one node
// for one instance is Ironic's data gone wrong; like Nova, refuse to guess.

import type { IronicClient } from "../ironic/client.js";
import { OperationFailedError } from "./errors.js";

/** The node whose `instance_uuid` is `instanceUuid`, or null when none is. */
export async function nodeOfInstance(client: IronicClient, instanceUuid: string): Promise<string | null> {
  const nodes = await client.nodes.list(["instance_uuid"], { instance_uuid: instanceUuid });
  if (nodes.length > 1) {
    throw new OperationFailedError(`Ironic reports ${nodes.length} nodes for one instance`, { instance: instanceUuid });
  }
  return nodes[0]?.uuid ?? null;
}
