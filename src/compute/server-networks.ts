// Servers on networks (issue 12 item 3). At the API the request is checked
// and resolved (`auto`: the project's one network); the create task then
// gives the server its ports (before a node is claimed, so an exhausted pool
// claims nothing), plugs them into the node's NICs in a stable order (each
// port takes its NIC's MAC), and hands the driver VIFs whose addresses
// network_data.json carries. Ironic's `noop` network interface keeps no VIF,
// so the ports are the record: never Ironic's VIF list. Delete and every
// failure give the ports back: ports the service made are deleted, a user's
// own port (`networks: [{port}]`) is only unbound, as Nova does.
import type { NodeNic } from "../driver/network.js";
import type { SubnetSpec, VifSpec } from "../driver/instance-spec.js";
import { canonicalAddress } from "../store/ip.js";
import type { NetworkRecord, PortRecord, ServerNetwork, ServerRecord, SubnetRecord } from "../store/records.js";
import { StaleStateError, type Store } from "../store/store.js";
import { nowIso } from "./clock.js";
import { BadRequestError, ConflictError, NotFoundError, type Caller, type NetworkRequest } from "./contract.js";
import type { Networks } from "./networks.js";
import type { ServerPorts } from "./server-ports.js";

/** One address of a server, as Nova's `addresses` shows it. */
export interface ServerAddress {
  version: 4 | 6;
  addr: string;
  macAddress: string;
}

/** Nova's os-interface attachment. */
export interface InterfaceAttachment {
  portId: string;
  networkId: string;
  macAddress: string;
  state: "ACTIVE" | "DOWN";
  fixedIps: Array<{ subnetId: string; ipAddress: string }>;
}

/** os-interface POST: a network (optionally with an address) or the caller's own port. */
export interface InterfaceRequest {
  networkId?: string;
  portId?: string;
  fixedIp?: string;
}

/** A create that asks for more interfaces than the node has NICs. */
export class NotEnoughNicsError extends ConflictError {}

/** What attach and detach need of the node, from the driver. */
export interface PlugIn {
  nics(nodeUuid: string): Promise<NodeNic[]>;
  attach(vifId: string): Promise<void>;
  detach(vifId: string): Promise<void>;
}

function attachmentOf(port: PortRecord): InterfaceAttachment {
  return {
    portId: port.id,
    networkId: port.networkId,
    macAddress: port.macAddress,
    state: port.status,
    fixedIps: port.fixedIps.map((fixed) => ({ subnetId: fixed.subnetId, ipAddress: fixed.ipAddress })),
  };
}

const versionOf = (address: string): 4 | 6 => (address.includes(":") ? 6 : 4);

function subnetSpec(subnet: SubnetRecord): SubnetSpec {
  return {
    cidr: subnet.cidr,
    ipVersion: subnet.ipVersion,
    ...(subnet.gatewayIp === null ? {} : { gatewayIp: subnet.gatewayIp }),
    dnsNameservers: subnet.dnsNameservers,
    hostRoutes: subnet.hostRoutes,
    // No DHCP server answers here (enable_dhcp is Neutron's, recorded only): the machine gets its address statically.
    enableDhcp: false,
    ...(subnet.ipv6AddressMode === null ? {} : { ipv6AddressMode: subnet.ipv6AddressMode }),
  };
}

/** The server's own rights, for the ports its task makes (the API checked the caller's). */
function ownerOf(server: Pick<ServerRecord, "userId" | "projectId">, requestId: string): Caller {
  return { userId: server.userId, userName: "", projectId: server.projectId, role: "member", requestId };
}

export class ServerNetworks {
  constructor(
    private readonly store: Store,
    private readonly networks: Networks,
    private readonly ports: ServerPorts,
  ) {}

  /** Checks a create's `networks` and resolves `auto`; what the server record keeps. */
  async resolve(caller: Caller, request: NetworkRequest): Promise<ServerNetwork> {
    if (request === "none") return { kind: "none", vifs: [] };
    if (request === "auto") {
      const candidates = await this.store.networks.list({ visibleTo: caller.projectId });
      const own = candidates.filter((network) => network.projectId === caller.projectId && !network.shared);
      const pick = own.length > 0 ? own : candidates.filter((network) => network.shared);
      // As Nova: several candidates is ambiguous; none leaves the server without a network.
      if (pick.length > 1) throw new ConflictError("Multiple possible networks found, use a Network ID to be more specific.");
      const only = pick[0];
      return only === undefined ? { kind: "auto", vifs: [] } : { kind: "list", vifs: [{ networkId: only.id }] };
    }
    const vifs: ServerNetwork["vifs"] = [];
    const ports = new Set<string>();
    for (const entry of request) {
      if (entry.port !== undefined) {
        if (ports.has(entry.port)) throw new BadRequestError(`Port ${entry.port} is listed twice.`);
        ports.add(entry.port);
        const port = await this.store.ports.get(entry.port);
        if (port === undefined || (port.projectId !== caller.projectId && caller.role !== "admin")) {
          throw new BadRequestError(`Port id ${entry.port} could not be found.`);
        }
        if (port.deviceId !== "") throw new ConflictError(`Port ${entry.port} is still in use.`);
        vifs.push({ networkId: port.networkId, portId: port.id });
        continue;
      }
      if (entry.uuid === undefined) throw new BadRequestError("Bad networks format: network uuid is not in proper format");
      const network = await this.networks.visibleNetwork(caller, entry.uuid).catch(() => {
        throw new BadRequestError(`Network ${entry.uuid ?? ""} could not be found.`);
      });
      if (entry.fixedIp === undefined) {
        vifs.push({ networkId: network.id });
        continue;
      }
      const fixedIp = canonicalAddress(entry.fixedIp);
      if (fixedIp === undefined) throw new BadRequestError(`Invalid fixed IP address (${entry.fixedIp.slice(0, 64)})`);
      const subnets = await this.store.subnets.list({ networkIds: [network.id] });
      if ((await this.store.ports.addressesIn(subnets.map((subnet) => subnet.id))).some((fixed) => fixed.ipAddress === fixedIp)) {
        throw new ConflictError(`Fixed IP address ${fixedIp} is already in use on instance.`);
      }
      vifs.push({ networkId: network.id, fixedIp });
    }
    return { kind: "list", vifs };
  }

  /**
   * The server's ports, one per requested interface, in the request's order;
   * made (or taken, for a user's own) only where missing, so a resumed create
   * reuses what a crashed one made.
   */
  async ensurePorts(server: ServerRecord, requestId: string): Promise<PortRecord[]> {
    if (server.networks.kind !== "list") return [];
    const existing = await this.ports.forServer(server.id);
    const asked = new Set(server.networks.vifs.flatMap((vif) => (vif.portId === undefined ? [] : [vif.portId])));
    const used = new Set<string>();
    const result: PortRecord[] = [];
    const owner = ownerOf(server, requestId);
    for (const vif of server.networks.vifs) {
      let port: PortRecord | undefined;
      if (vif.portId !== undefined) {
        port = existing.find((candidate) => candidate.id === vif.portId) ?? (await this.ports.claim(owner, server, vif.portId));
      } else {
        port =
          existing.find(
            (candidate) =>
              candidate.networkId === vif.networkId &&
              !used.has(candidate.id) &&
              !asked.has(candidate.id) &&
              (vif.fixedIp === undefined || candidate.fixedIps.some((fixed) => fixed.ipAddress === vif.fixedIp)),
          ) ?? (await this.ports.allocate(owner, server, { networkId: vif.networkId, ...(vif.fixedIp === undefined ? {} : { fixedIp: vif.fixedIp }) }));
      }
      used.add(port.id);
      result.push(port);
    }
    return result;
  }

  /** Binds the ports, in order, to the node's NICs, in their order (each port takes its NIC's MAC). */
  async plug(ports: readonly PortRecord[], nodeUuid: string, nics: readonly NodeNic[]): Promise<PortRecord[]> {
    if (ports.length > nics.length) {
      throw new NotEnoughNicsError(`the node has ${nics.length} network interface(s) and the server asks for ${ports.length}`);
    }
    const bound: PortRecord[] = [];
    for (const [index, port] of ports.entries()) {
      const nic = nics[index] as NodeNic;
      bound.push(port.bindingHostId === nodeUuid && port.macAddress === nic.macAddress ? port : await this.ports.bind(port.id, { nodeUuid, macAddress: nic.macAddress }));
    }
    return bound;
  }

  /**
   * The server's ports in the order its create asked for them: a user's own
   * port where it was named, the ports the service made (oldest first, the
   * order ensurePorts made them in) in the other places; any others last.
   */
  async ordered(server: Pick<ServerRecord, "id" | "networks">, known?: readonly PortRecord[]): Promise<PortRecord[]> {
    const ports = known ?? (await this.ports.forServer(server.id));
    const named = new Map(ports.map((port) => [port.id, port]));
    const asked = new Set(server.networks.vifs.flatMap((vif) => (vif.portId === undefined ? [] : [vif.portId])));
    const made = ports.filter((port) => !asked.has(port.id));
    const result: PortRecord[] = [];
    for (const vif of server.networks.vifs) {
      const port = vif.portId === undefined ? made.shift() : named.get(vif.portId);
      if (port !== undefined) result.push(port);
    }
    return [...result, ...made];
  }

  /** The driver's VIFs for the server's ports: MAC, MTU, VLAN and static addresses with their subnets. */
  async vifSpecs(server: Pick<ServerRecord, "id" | "networks">): Promise<VifSpec[]> {
    const ports = await this.ordered(server);
    if (ports.length === 0) return [];
    const networks = await this.networksOf(ports);
    const subnets = new Map((await this.store.subnets.list({ networkIds: [...networks.keys()] })).map((subnet) => [subnet.id, subnet]));
    return ports.map((port) => {
      const network = networks.get(port.networkId);
      return {
        id: port.id,
        macAddress: port.macAddress,
        networkId: port.networkId,
        ...(network === undefined ? {} : { networkName: network.name, mtu: network.mtu }),
        ...(network?.networkType === "vlan" && network.segmentationId !== null ? { vlanId: network.segmentationId } : {}),
        fixedIps: port.fixedIps.flatMap((fixed) => {
          const subnet = subnets.get(fixed.subnetId);
          return subnet === undefined ? [] : [{ ipAddress: fixed.ipAddress, subnet: subnetSpec(subnet) }];
        }),
      };
    });
  }

  /** Gives the server's ports back: the service's own are deleted, a user's own only unbound. */
  async release(server: Pick<ServerRecord, "id" | "networks">): Promise<void> {
    const own = new Set(server.networks.vifs.flatMap((vif) => (vif.portId === undefined ? [] : [vif.portId])));
    for (const port of await this.ports.forServer(server.id)) await this.giveBack(port.id, own.has(port.id));
  }

  /**
   * Nova's attach_interface on a server that holds its node: a new port on a
   * network (or the caller's own port) bound to a NIC of the node no other
   * port of the server uses, its VIF attached through Ironic, the server's
   * request extended. Any failure gives the port back. The machine's OS read
   * network_data.json at its first boot: it must configure the new interface
   * itself.
   */
  async attach(caller: Caller, server: ServerRecord & { nodeUuid: string }, request: InterfaceRequest, plugIn: PlugIn): Promise<InterfaceAttachment> {
    const entry = request.portId !== undefined ? { port: request.portId } : { uuid: request.networkId ?? "", ...(request.fixedIp === undefined ? {} : { fixedIp: request.fixedIp }) };
    const [vif] = (await this.resolve(caller, [entry])).vifs;
    if (vif === undefined) throw new BadRequestError("Must input network_id when request IP address");
    const taken = new Set((await this.ordered(server)).map((port) => port.macAddress));
    const nic = (await plugIn.nics(server.nodeUuid)).find((candidate) => !taken.has(candidate.macAddress));
    if (nic === undefined) throw new ConflictError(`Failed to attach network adapter device to ${server.id}: the node has no free network interface.`);
    const owner = ownerOf(server, caller.requestId);
    const port = vif.portId !== undefined ? await this.ports.claim(owner, server, vif.portId) : await this.ports.allocate(owner, server, { networkId: vif.networkId, ...(vif.fixedIp === undefined ? {} : { fixedIp: vif.fixedIp }) });
    const own = vif.portId !== undefined;
    try {
      const bound = await this.ports.bind(port.id, { nodeUuid: server.nodeUuid, macAddress: nic.macAddress });
      await plugIn.attach(port.id);
      const vifs = [...(server.networks.kind === "list" ? server.networks.vifs : []), vif];
      // Only while nothing else changed the server meanwhile (a task, a delete).
      await this.store.servers.update(server.id, { networks: { kind: "list", vifs } }, { vmState: server.vmState, taskState: null });
      return attachmentOf(bound);
    } catch (error) {
      await plugIn.detach(port.id).catch(() => undefined);
      await this.giveBack(port.id, own);
      if (error instanceof StaleStateError) throw new ConflictError(`Cannot 'attach_interface' instance ${server.id}: it changed meanwhile.`);
      throw error;
    }
  }

  /** Nova's detach_interface: the VIF detached through Ironic, the port given back, the request shortened. */
  async detach(server: ServerRecord & { nodeUuid: string }, portId: string, plugIn: PlugIn): Promise<void> {
    const ports = await this.ordered(server);
    const index = ports.findIndex((port) => port.id === portId);
    if (index < 0) throw new NotFoundError(`Port ${portId.slice(0, 64)} is not attached`);
    await plugIn.detach(portId);
    const vifs = server.networks.vifs.filter((_vif, position) => position !== index);
    await this.store.servers.update(server.id, { networks: { kind: vifs.length === 0 ? "none" : "list", vifs } }, { vmState: server.vmState, taskState: null });
    await this.giveBack(portId, server.networks.vifs[index]?.portId === portId);
  }

  private async giveBack(portId: string, own: boolean): Promise<void> {
    if (own) await this.store.ports.update(portId, { deviceId: "", deviceOwner: "", bindingHostId: "", status: "DOWN" }, nowIso());
    else await this.store.ports.delete(portId);
  }

  /** Nova's `addresses`: by network name, in the ports' order. */
  async addresses(server: Pick<ServerRecord, "id" | "networks">): Promise<Record<string, ServerAddress[]>> {
    return (await this.addressesOfPage([server])).get(server.id) ?? {};
  }

  /**
   * The addresses of each server of a list's page: its ports in one query and
   * their networks once each (a query per server was what a long list spent its
   * time on, bench/api.ts).
   */
  async addressesOfPage(servers: readonly Pick<ServerRecord, "id" | "networks">[]): Promise<Map<string, Record<string, ServerAddress[]>>> {
    const portsOf = await this.ports.forServers(servers.map((server) => server.id));
    const networks = await this.networksOf([...portsOf.values()].flat());
    const result = new Map<string, Record<string, ServerAddress[]>>();
    for (const server of servers) result.set(server.id, this.addressesFrom(await this.ordered(server, portsOf.get(server.id) ?? []), networks));
    return result;
  }

  private addressesFrom(ports: readonly PortRecord[], networks: ReadonlyMap<string, NetworkRecord>): Record<string, ServerAddress[]> {
    const addresses: Record<string, ServerAddress[]> = {};
    for (const port of ports) {
      const name = networks.get(port.networkId)?.name ?? port.networkId;
      const list = (addresses[name] ??= []);
      for (const fixed of port.fixedIps) list.push({ version: versionOf(fixed.ipAddress), addr: fixed.ipAddress, macAddress: port.macAddress });
    }
    return addresses;
  }

  async interfaces(server: Pick<ServerRecord, "id" | "networks">): Promise<InterfaceAttachment[]> {
    return (await this.ordered(server)).map(attachmentOf);
  }

  private async networksOf(ports: readonly PortRecord[]): Promise<Map<string, NetworkRecord>> {
    const ids = [...new Set(ports.map((port) => port.networkId))];
    const found = await Promise.all(ids.map((id) => this.store.networks.get(id)));
    return new Map(found.flatMap((network) => (network === undefined ? [] : [[network.id, network] as const])));
  }
}
