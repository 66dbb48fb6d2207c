// What servers on networks (issue 12 item 3) use: a port for a server on a
// network (optionally at a fixed IP), a user's own port handed to a server,
// binding a port to the node and MAC it is plugged into, the server's ports,
// and releasing them all when the server goes. The rules are the port API's
// (a network the caller sees; an explicit address only on one it owns).
import type { PortRecord } from "../store/records.js";
import type { Store } from "../store/store.js";
import { nowIso } from "./clock.js";
import type { Caller } from "./contract.js";
import { conflict, notFound, requireOwner, requireSeen } from "./network-policy.js";
import { normalMac, type Ports } from "./ports.js";

/** Nova's device_owner for an instance's port ("compute:<availability zone>"). */
export function computeOwner(availabilityZone: string): string {
  return `compute:${availabilityZone}`;
}

export interface PortServer {
  id: string;
  projectId: string;
  availabilityZone: string;
}

export class ServerPorts {
  constructor(
    private readonly store: Store,
    private readonly ports: Ports,
  ) {}

  /** A new port of the server's project on `networkId`, its device the server. */
  async allocate(caller: Caller, server: PortServer, request: { networkId: string; fixedIp?: string }): Promise<PortRecord> {
    return await this.ports.create(caller, {
      networkId: request.networkId,
      projectId: server.projectId,
      deviceId: server.id,
      deviceOwner: computeOwner(server.availabilityZone),
      ...(request.fixedIp === undefined ? {} : { fixedIps: [{ ipAddress: request.fixedIp }] }),
    });
  }

  /** The caller's port `portId`, not in use by another device, given to the server (Nova's `networks: [{port}]`). */
  async claim(caller: Caller, server: PortServer, portId: string): Promise<PortRecord> {
    const port = requireSeen(caller, await this.store.ports.get(portId), "Port", portId);
    requireOwner(caller, port, "update_port");
    if (port.deviceId !== "" && port.deviceId !== server.id) {
      throw conflict("PortInUse", `Unable to complete operation on port ${portId} for network ${port.networkId}. Port already has an attached device ${port.deviceId}.`);
    }
    const claimed = await this.store.ports.update(portId, { deviceId: server.id, deviceOwner: computeOwner(server.availabilityZone) }, nowIso());
    if (claimed === undefined) throw notFound("Port", portId);
    return claimed;
  }

  /** The port is plugged into the node's Ironic port with this MAC: bound and ACTIVE (the service does this, no caller). */
  async bind(portId: string, binding: { nodeUuid: string; macAddress: string }): Promise<PortRecord> {
    const bound = await this.store.ports.update(
      portId,
      { bindingHostId: binding.nodeUuid, macAddress: normalMac(binding.macAddress), status: "ACTIVE" },
      nowIso(),
    );
    if (bound === undefined) throw notFound("Port", portId);
    return bound;
  }

  /** The server's ports, oldest first (the order its interfaces were asked for). */
  async forServer(serverId: string): Promise<PortRecord[]> {
    return await this.store.ports.list({ deviceId: serverId });
  }

  /** The ports of each of the servers, in one query (a list's page). */
  async forServers(serverIds: readonly string[]): Promise<Map<string, PortRecord[]>> {
    const byServer = new Map<string, PortRecord[]>(serverIds.map((id) => [id, []]));
    for (const port of await this.store.ports.list({ deviceIds: serverIds })) byServer.get(port.deviceId)?.push(port);
    return byServer;
  }

  /** Deletes every port of the server, releasing their addresses; how many. */
  async releaseAll(serverId: string): Promise<number> {
    return await this.store.ports.deleteForDevice(serverId);
  }
}
