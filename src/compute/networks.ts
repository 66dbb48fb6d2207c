// Networks and subnets (issue 12), Neutron-shaped: the rules of
// network-policy.ts, subnet validation with the IP arithmetic of store/ip.ts
// (Neutron's defaults: gateway = first address, pools = the rest), and the
// store's typed errors turned into Neutron's (NetworkInUse, SubnetInUse,
// VlanIdInUse).
import { randomUUID } from "node:crypto";
import { canonicalAddress, cidrsOverlap, defaultGateway, defaultPools, formatCidr, parseCidr, subnetProblem, type AddressRange, type Cidr } from "../store/ip.js";
import type { HostRoute, NetworkRecord, SubnetRecord } from "../store/records.js";
import { DuplicateError, NetworkInUseError, SubnetInUseError, type Store } from "../store/store.js";
import { creationIso, nowIso } from "./clock.js";
import type { Caller } from "./contract.js";
import { NETWORK_QUOTA_RESOURCES, type NetworkApi, type NetworkCreate, type NetworkView, type SubnetCreate } from "./network-contract.js";
import {
  conflict,
  invalidInput,
  isAdmin,
  notFound,
  owns,
  policyRefused,
  projectFor,
  requireAdminFor,
  requireOwner,
  requireSeen,
  type NetworkResource,
} from "./network-policy.js";
import { requireReader } from "./policy.js";

export const DEFAULT_MTU = 1500;
const MAX_MTU = 9216;

function canonical(what: string, text: string): string {
  const address = canonicalAddress(text);
  if (address === undefined) throw invalidInput(`'${text}' is not a valid IP address for ${what}.`);
  return address;
}

function cidrOf(what: string, text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw invalidInput(`${parsed.reason} (${what}).`);
  return parsed.cidr;
}

function checkMtu(mtu: number): number {
  if (mtu < 68 || mtu > MAX_MTU) throw invalidInput(`Requested MTU is out of range [68, ${MAX_MTU}]: ${mtu}.`);
  return mtu;
}

/** The provider attributes of a new network (admins only; checked by the caller of this). */
function providerOf(request: NetworkCreate): Pick<NetworkRecord, "networkType" | "physicalNetwork" | "segmentationId"> {
  const networkType = request.provider?.networkType ?? "flat";
  const physicalNetwork = request.provider?.physicalNetwork ?? null;
  const segmentationId = request.provider?.segmentationId ?? null;
  if (networkType === "flat" && segmentationId !== null) throw invalidInput("segmentation_id is not allowed for a flat provider network.");
  if (networkType === "vlan") {
    if (physicalNetwork === null) throw invalidInput("provider:physical_network is required for a vlan provider network.");
    if (segmentationId === null || segmentationId < 1 || segmentationId > 4094) {
      throw invalidInput("provider:segmentation_id must be a VLAN id from 1 to 4094 for a vlan provider network.");
    }
  }
  return { networkType, physicalNetwork, segmentationId };
}

interface SubnetShape {
  cidr: Cidr;
  gatewayIp: string | null;
  allocationPools: AddressRange[];
  dnsNameservers: string[];
  hostRoutes: HostRoute[];
}

/** Canonical gateway, pools, DNS servers and routes, checked against the CIDR. */
function subnetShape(cidr: Cidr, ask: Pick<SubnetCreate, "gatewayIp" | "allocationPools" | "dnsNameservers" | "hostRoutes">): SubnetShape {
  const gatewayIp = ask.gatewayIp === undefined ? defaultGateway(cidr) : ask.gatewayIp === null ? null : canonical("gateway_ip", ask.gatewayIp);
  const allocationPools =
    ask.allocationPools === undefined
      ? defaultPools(cidr, gatewayIp)
      : ask.allocationPools.map((pool) => ({ start: canonical("allocation_pools", pool.start), end: canonical("allocation_pools", pool.end) }));
  const problem = subnetProblem(cidr, gatewayIp, allocationPools);
  if (problem !== undefined) throw invalidInput(problem);
  const dnsNameservers = (ask.dnsNameservers ?? []).map((server) => canonical("dns_nameservers", server));
  if (new Set(dnsNameservers).size !== dnsNameservers.length) throw invalidInput("Duplicate nameserver in dns_nameservers.");
  const hostRoutes = (ask.hostRoutes ?? []).map((route) => ({
    destination: formatCidr(cidrOf("host_routes", route.destination)),
    nexthop: canonical("host_routes", route.nexthop),
  }));
  return { cidr, gatewayIp, allocationPools, dnsNameservers, hostRoutes };
}

/** Runs a store delete: nothing deleted is NotFound, the store's in-use refusal Neutron's NetworkInUse / SubnetInUse (409). */
export async function deleteOrConflict(resource: NetworkResource, id: string, remove: () => Promise<boolean>): Promise<void> {
  try {
    if (!(await remove())) throw notFound(resource, id);
  } catch (error) {
    if (error instanceof NetworkInUseError || error instanceof SubnetInUseError) throw conflict(`${resource}InUse`, error.message);
    throw error;
  }
}

export class Networks implements Pick<NetworkApi, "networks" | "subnets" | "quota"> {
  constructor(private readonly store: Store) {}

  quota(caller: Caller, projectId: string): Promise<Awaited<ReturnType<NetworkApi["quota"]>>> {
    requireReader(caller);
    if (!isAdmin(caller) && projectId !== caller.projectId) throw policyRefused("get_quota");
    return Promise.resolve(Object.fromEntries(NETWORK_QUOTA_RESOURCES.map((resource) => [resource, -1])) as Awaited<ReturnType<NetworkApi["quota"]>>);
  }

  /** A network the caller sees (its own, a shared one, or any for admins); NetworkNotFound otherwise. */
  async visibleNetwork(caller: Caller, id: string): Promise<NetworkRecord> {
    const network = await this.store.networks.get(id);
    return requireSeen(caller, network, "Network", id, network?.shared === true);
  }

  private async views(caller: Caller, networks: readonly NetworkRecord[]): Promise<NetworkView[]> {
    const subnets = await this.store.subnets.list({ networkIds: networks.map((network) => network.id) });
    return networks.map((network) => ({
      ...network,
      subnetIds: subnets.filter((subnet) => subnet.networkId === network.id).map((subnet) => subnet.id),
      providerVisible: isAdmin(caller),
    }));
  }

  private async view(caller: Caller, network: NetworkRecord): Promise<NetworkView> {
    const [view] = await this.views(caller, [network]);
    if (view === undefined) throw notFound("Network", network.id);
    return view;
  }

  readonly networks: NetworkApi["networks"] = {
    list: async (caller) => {
      requireReader(caller);
      return await this.views(caller, await this.store.networks.list(isAdmin(caller) ? {} : { visibleTo: caller.projectId }));
    },
    get: async (caller, id) => await this.view(caller, await this.visibleNetwork(caller, id)),
    create: async (caller, request) => {
      const projectId = projectFor(caller, request.projectId);
      requireAdminFor(caller, "create_network", {
        shared: request.shared === true ? true : undefined,
        "provider:network_type": request.provider?.networkType,
        "provider:physical_network": request.provider?.physicalNetwork ?? undefined,
        "provider:segmentation_id": request.provider?.segmentationId ?? undefined,
      });
      const now = creationIso();
      const network: NetworkRecord = {
        id: randomUUID(),
        name: request.name ?? "",
        projectId,
        shared: request.shared ?? false,
        mtu: checkMtu(request.mtu ?? DEFAULT_MTU),
        ...providerOf(request),
        adminStateUp: request.adminStateUp ?? true,
        description: request.description ?? "",
        revisionNumber: 0,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await this.store.networks.create(network);
      } catch (error) {
        if (!(error instanceof DuplicateError)) throw error;
        throw conflict("VlanIdInUse", `Unable to create the network. The VLAN ${String(network.segmentationId)} on physical network ${String(network.physicalNetwork)} is in use.`);
      }
      return { ...network, subnetIds: [], providerVisible: isAdmin(caller) };
    },
    update: async (caller, id, update) => {
      const network = await this.visibleNetwork(caller, id);
      requireOwner(caller, network, "update_network");
      requireAdminFor(caller, "update_network", { shared: update.shared });
      const updated = await this.store.networks.update(
        id,
        { ...update, ...(update.mtu === undefined ? {} : { mtu: checkMtu(update.mtu) }) },
        nowIso(),
      );
      if (updated === undefined) throw notFound("Network", id);
      return await this.view(caller, updated);
    },
    delete: async (caller, id) => {
      const network = await this.visibleNetwork(caller, id);
      requireOwner(caller, network, "delete_network");
      await deleteOrConflict("Network", id, () => this.store.networks.delete(id));
    },
  };

  /** A subnet the caller sees: of its project, on a shared network, or any for admins. */
  private async visibleSubnet(caller: Caller, id: string): Promise<{ subnet: SubnetRecord; network: NetworkRecord | undefined }> {
    const subnet = await this.store.subnets.get(id);
    const network = subnet === undefined ? undefined : await this.store.networks.get(subnet.networkId);
    return { subnet: requireSeen(caller, subnet, "Subnet", id, network?.shared === true), network };
  }

  readonly subnets: NetworkApi["subnets"] = {
    list: async (caller) => {
      requireReader(caller);
      if (isAdmin(caller)) return await this.store.subnets.list();
      const networks = await this.store.networks.list({ visibleTo: caller.projectId });
      const subnets = await this.store.subnets.list({ networkIds: networks.map((network) => network.id) });
      const shared = new Set(networks.filter((network) => network.shared).map((network) => network.id));
      return subnets.filter((subnet) => owns(caller, subnet) || shared.has(subnet.networkId));
    },
    get: async (caller, id) => (await this.visibleSubnet(caller, id)).subnet,
    create: async (caller, request) => {
      const network = await this.visibleNetwork(caller, request.networkId);
      requireOwner(caller, network, "create_subnet");
      const projectId = projectFor(caller, request.projectId);
      const cidr = cidrOf("cidr", request.cidr);
      if (cidr.version !== request.ipVersion) throw invalidInput(`cidr ${request.cidr} is not an IPv${request.ipVersion} CIDR.`);
      if (request.ipVersion === 4 && (request.ipv6RaMode != null || request.ipv6AddressMode != null)) {
        throw invalidInput("ipv6_ra_mode and ipv6_address_mode are for IPv6 subnets only.");
      }
      const shape = subnetShape(cidr, request);
      const siblings = await this.store.subnets.list({ networkIds: [network.id] });
      const overlapping = siblings.find((sibling) => {
        const other = parseCidr(sibling.cidr);
        return other.ok && cidrsOverlap(other.cidr, cidr);
      });
      if (overlapping !== undefined) {
        throw invalidInput(`Requested subnet with cidr: ${formatCidr(cidr)} for network: ${network.id} overlaps with another subnet.`);
      }
      const now = creationIso();
      const subnet: SubnetRecord = {
        id: randomUUID(),
        networkId: network.id,
        name: request.name ?? "",
        projectId,
        ipVersion: request.ipVersion,
        cidr: formatCidr(cidr),
        gatewayIp: shape.gatewayIp,
        allocationPools: shape.allocationPools,
        dnsNameservers: shape.dnsNameservers,
        hostRoutes: shape.hostRoutes,
        enableDhcp: request.enableDhcp ?? true,
        ipv6RaMode: request.ipv6RaMode ?? null,
        ipv6AddressMode: request.ipv6AddressMode ?? null,
        description: request.description ?? "",
        revisionNumber: 0,
        createdAt: now,
        updatedAt: now,
      };
      await this.store.subnets.create(subnet);
      return subnet;
    },
    update: async (caller, id, update) => {
      const { subnet } = await this.visibleSubnet(caller, id);
      requireOwner(caller, subnet, "update_subnet");
      const cidr = cidrOf("cidr", subnet.cidr);
      const shape = subnetShape(cidr, {
        gatewayIp: update.gatewayIp === undefined ? subnet.gatewayIp : update.gatewayIp,
        allocationPools: update.allocationPools ?? subnet.allocationPools,
        dnsNameservers: update.dnsNameservers ?? subnet.dnsNameservers,
        hostRoutes: update.hostRoutes ?? subnet.hostRoutes,
      });
      const updated = await this.store.subnets.update(
        id,
        {
          ...(update.name === undefined ? {} : { name: update.name }),
          ...(update.description === undefined ? {} : { description: update.description }),
          ...(update.enableDhcp === undefined ? {} : { enableDhcp: update.enableDhcp }),
          gatewayIp: shape.gatewayIp,
          allocationPools: shape.allocationPools,
          dnsNameservers: shape.dnsNameservers,
          hostRoutes: shape.hostRoutes,
        },
        nowIso(),
      );
      if (updated === undefined) throw notFound("Subnet", id);
      return updated;
    },
    delete: async (caller, id) => {
      const { subnet } = await this.visibleSubnet(caller, id);
      requireOwner(caller, subnet, "delete_subnet");
      await deleteOrConflict("Subnet", id, () => this.store.subnets.delete(id));
    },
  };
}
