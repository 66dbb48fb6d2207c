// What servers on networks (issue 12 item 3) use: a port for a server on a
// network (optionally at a fixed IP), a user's own port handed to a server,
// binding a port to the node and MAC it is plugged into, the server's ports,
// and releasing them all when the server goes. The rules are the port API's
// (a network the caller sees; an explicit address only on one it owns).
import type { PortRecord } from "../store/records.js";
import { DuplicateError, type Store } from "../store/store.js";
import { nowIso } from "./clock.js";
import type { Caller } from "./contract.js";
import { conflict, notFound, requireOwner, requireSeen } from "./network-policy.js";
import { normalMac, randomMac, type Ports } from "./ports.js";

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
    const mac = normalMac(binding.macAddress);
    const write = () => this.store.ports.update(portId, { bindingHostId: binding.nodeUuid, macAddress: mac, status: "ACTIVE" }, nowIso());
    let bound: PortRecord | undefined;
    try {
      bound = await write();
    } catch (error) {
      if (!(error instanceof DuplicateError) || !(await this.releaseStaleBinding(portId, binding.nodeUuid, mac))) throw error;
      bound = await write();
    }
    if (bound === undefined) throw notFound("Port", portId);
    return bound;
  }

  /**
   * The NIC's MAC is still held on the network by another device's port bound
   * to the same node: the port of the node's previous server, whose delete gave
   * the node back before it deleted its ports (the fault soak met it). The node
   * is this server's now (ports are bound after the claim), so that binding is
   * stale: the old port is unbound and given a fresh MAC (it goes with its
   * server's delete). Any other holder is left alone (false: the conflict stands).
   */
  private async releaseStaleBinding(portId: string, nodeUuid: string, mac: string): Promise<boolean> {
    const port = await this.store.ports.get(portId);
    if (port === undefined) return false;
    const holder = (await this.store.ports.list({ networkId: port.networkId })).find((other) => other.id !== portId && other.macAddress === mac);
    if (holder === undefined || holder.bindingHostId !== nodeUuid || holder.deviceId === port.deviceId) return false;
    await this.store.ports.update(holder.id, { bindingHostId: "", macAddress: randomMac(), status: "DOWN" }, nowIso());
    return true;
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
