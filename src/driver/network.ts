// VIFs on a node: attach and detach, for spawn, destroy and interface hot-plug.
//
// Differences from Nova on purpose: a 409 means "already attached" only when
// Ironic says so (IronicConflictError); a 409 "node locked" is retried by the client
// and never mistaken for success. "No conductor" (a 400 while conductors
// restart) is retried a bounded number of times, as Nova ≤ 28 did. A request
// whose answer was lost (OutcomeUnknownError) is sent once more: attaching an
// attached VIF answers "already attached", detaching a detached one "not
// attached", both of which count as done.

import type { IronicClient } from "../ironic/client.js";
import { IronicBadRequestError, IronicConflictError, OutcomeUnknownError } from "../ironic/errors.js";
import type { Logger } from "../log/logger.js";
import { boundNode } from "./claim.js";
import { OperationFailedError } from "./errors.js";

export const NO_CONDUCTOR_RETRIES = 3;
export const NO_CONDUCTOR_DELAY_MS = 2_000;

const NO_CONDUCTOR = /no conductor|no valid host/i;

export async function attachVif(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  vifId: string,
  log: Logger,
  delayMs = NO_CONDUCTOR_DELAY_MS,
): Promise<void> {
  let resends = 1;
  for (let attempt = 0; ; attempt++) {
    try {
      await client.nodes.attachVif(nodeUuid, vifId);
      return;
    } catch (error) {
      if (error instanceof IronicConflictError) return; // Ironic: "VIF … is already attached"
      if (error instanceof OutcomeUnknownError && resends-- > 0) {
        log.warn({ node: nodeUuid, instance: instanceUuid, vif: vifId }, "VIF attach answer lost; sending it again");
        continue;
      }
      if (error instanceof IronicBadRequestError && NO_CONDUCTOR.test(error.message) && attempt < NO_CONDUCTOR_RETRIES) {
        log.warn({ node: nodeUuid, instance: instanceUuid, vif: vifId, attempt }, "no Ironic conductor for the node yet; retrying");
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        continue;
      }
      if (error instanceof IronicBadRequestError) {
        throw new OperationFailedError(`cannot attach VIF ${vifId}: ${error.message}`, {
          node: nodeUuid,
          instance: instanceUuid,
          cause: error,
        });
      }
      throw error;
    }
  }
}

export async function attachVifs(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  vifIds: readonly string[],
  log: Logger,
): Promise<void> {
  for (const vif of vifIds) await attachVif(client, nodeUuid, instanceUuid, vif, log);
}

/** Detaches `vifId`; "not attached" (400) counts as done. */
export async function detachVif(client: IronicClient, nodeUuid: string, vifId: string, resend = 1): Promise<void> {
  try {
    await client.nodes.detachVif(nodeUuid, vifId);
  } catch (error) {
    if (error instanceof IronicBadRequestError && /not attached/i.test(error.message)) return;
    if (error instanceof OutcomeUnknownError && resend > 0) return detachVif(client, nodeUuid, vifId, resend - 1);
    throw error;
  }
}

/** Hot-plug on a running instance; the node must still be the instance's. */
export async function attachInterface(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  vifId: string,
  log: Logger,
): Promise<void> {
  await boundNode(client, nodeUuid, instanceUuid, ["uuid"]);
  await attachVif(client, nodeUuid, instanceUuid, vifId, log);
}

export async function detachInterface(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  vifId: string,
): Promise<void> {
  await boundNode(client, nodeUuid, instanceUuid, ["uuid"]);
  await detachVif(client, nodeUuid, vifId);
}

/** Where a server's interface can be plugged into a node: a port group (bond), or a port in none. */
export interface NodeNic {
  /** The Ironic port or port group. */
  uuid: string;
  kind: "port" | "portgroup";
  /** Lowercase MAC; a port group without one takes its first member's. */
  macAddress: string;
}

/**
 * The node's NICs in the stable order a server's interfaces are plugged in:
 * port groups first, then the ports outside any group, each sorted by MAC
 * (Ironic's own listing order is by id, which says nothing about cabling).
 */
export async function nodeNics(client: IronicClient, nodeUuid: string): Promise<NodeNic[]> {
  const [ports, portgroups] = await Promise.all([client.ports.listByNode(nodeUuid), client.portgroups.listByNode(nodeUuid)]);
  const byMac = (a: NodeNic, b: NodeNic) => a.macAddress.localeCompare(b.macAddress);
  const groups = portgroups.flatMap((group): NodeNic[] => {
    const mac = group.address ?? ports.find((port) => port.portgroup_uuid === group.uuid)?.address;
    return mac === undefined || mac === "" ? [] : [{ uuid: group.uuid, kind: "portgroup", macAddress: mac.toLowerCase() }];
  });
  const loose = ports
    .filter((port) => port.portgroup_uuid === null)
    .map((port): NodeNic => ({ uuid: port.uuid, kind: "port", macAddress: port.address.toLowerCase() }));
  return [...groups.sort(byMac), ...loose.sort(byMac)];
}
