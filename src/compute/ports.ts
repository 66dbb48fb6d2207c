// Ports (issue 12), Neutron-shaped: where a port's addresses come from (the
// fixed_ips asked for, or one of the network's first IPv4 subnet with room and
// one of its first IPv6 one), its MAC address (Neutron's fa:16:3e prefix, or
// the one asked for), and the store's allocation errors as Neutron's:
// IpAddressGenerationFailure, IpAddressAlreadyAllocated, MacAddressInUse.
import { randomBytes, randomUUID } from "node:crypto";
import { canonicalAddress, cidrContains, parseAddress, parseCidr } from "../store/ip.js";
import type { NetworkRecord, PortRecord, SubnetRecord } from "../store/records.js";
import {
  AddressExhaustedError,
  AddressInUseError,
  AllocationContentionError,
  DuplicateError,
  type FixedIpRequest,
  type NewPort,
  type Store,
} from "../store/store.js";
import { creationIso, nowIso } from "./clock.js";
import { BadRequestError, ServiceBusyError, type Caller } from "./contract.js";
import type { FixedIpAsk, NetworkApi, PortCreate, PortView } from "./network-contract.js";
import { conflict, invalidInput, isAdmin, notFound, owns, projectFor, requireAdminFor, requireOwner, requireSeen } from "./network-policy.js";
import { deleteOrConflict, type Networks } from "./networks.js";
import { requireReader } from "./policy.js";

/** Neutron's default base_mac: fa:16:3e plus three random bytes. */
const MAC_PREFIX = "fa:16:3e";
const MAC_TRIES = 8;

export function normalMac(text: string): string {
  const mac = text.toLowerCase().replaceAll("-", ":");
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) throw invalidInput(`'${text}' is not a valid MAC address.`);
  return mac;
}

export function randomMac(): string {
  return [MAC_PREFIX, ...[...randomBytes(3)].map((byte) => byte.toString(16).padStart(2, "0"))].join(":");
}

function containing(subnets: readonly SubnetRecord[], address: string): SubnetRecord | undefined {
  const parsed = parseAddress(address);
  return parsed === undefined ? undefined : subnets.find((subnet) => {
    const cidr = parseCidr(subnet.cidr);
    return cidr.ok && cidrContains(cidr.cidr, parsed);
  });
}

/** Each ask as a store request on one of the network's subnets (Neutron's 400s otherwise). */
function fixedIpRequests(network: NetworkRecord, subnets: readonly SubnetRecord[], asks: readonly FixedIpAsk[]): FixedIpRequest[] {
  return asks.map((ask) => {
    const address = ask.ipAddress === undefined ? undefined : canonicalAddress(ask.ipAddress);
    if (ask.ipAddress !== undefined && address === undefined) throw invalidInput(`'${ask.ipAddress}' is not a valid IP address.`);
    if (ask.subnetId === undefined) {
      if (address === undefined) throw invalidInput("Each fixed_ips entry needs a subnet_id or an ip_address.");
      const subnet = containing(subnets, address);
      if (subnet === undefined) {
        throw new BadRequestError(`IP address ${address} is not a valid IP for any of the subnets on the specified network.`, { neutronType: "InvalidIpForNetwork" });
      }
      return { subnetId: subnet.id, ipAddress: address };
    }
    const subnet = subnets.find((candidate) => candidate.id === ask.subnetId);
    if (subnet === undefined) {
      throw invalidInput(`Failed to create port on network ${network.id}, because fixed_ips included invalid subnet ${ask.subnetId}.`);
    }
    if (address === undefined) return { subnetId: subnet.id };
    if (containing([subnet], address) === undefined) {
      throw new BadRequestError(`IP address ${address} is not a valid IP for the specified subnet.`, { neutronType: "InvalidIpForSubnet" });
    }
    return { subnetId: subnet.id, ipAddress: address };
  });
}

export class Ports implements Pick<NetworkApi, "ports"> {
  constructor(
    private readonly store: Store,
    private readonly networks: Networks,
  ) {}

  private view(caller: Caller, port: PortRecord): PortView {
    return { ...port, bindingVisible: isAdmin(caller) };
  }

  private async visiblePort(caller: Caller, id: string): Promise<PortRecord> {
    return requireSeen(caller, await this.store.ports.get(id), "Port", id);
  }

  /**
   * Writes the port with its addresses. Without asks: one address of the first
   * IPv4 subnet with room (the next one when a subnet is full), and one of the
   * first IPv6 one; a network without subnets gives a port without addresses.
   */
  private async allocate(network: NetworkRecord, port: NewPort, asks: readonly FixedIpAsk[] | undefined, macGiven: boolean): Promise<PortRecord> {
    const subnets = await this.store.subnets.list({ networkIds: [network.id] });
    const plans: FixedIpRequest[][] =
      asks === undefined ? defaultPlans(subnets) : [fixedIpRequests(network, subnets, asks)];
    let lastExhausted: AddressExhaustedError | undefined;
    for (const plan of plans) {
      for (let attempt = 1; ; attempt++) {
        const candidate = macGiven || attempt === 1 ? port : { ...port, macAddress: randomMac() };
        try {
          return await this.store.ports.create(candidate, plan);
        } catch (error) {
          if (error instanceof AddressExhaustedError) {
            lastExhausted = error;
            break;
          }
          if (error instanceof AddressInUseError) throw conflict("IpAddressAlreadyAllocated", error.message);
          if (error instanceof AllocationContentionError) throw new ServiceBusyError(`Too many concurrent allocations on network ${network.id}; try again.`, 1);
          if (error instanceof DuplicateError && (macGiven || attempt >= MAC_TRIES)) {
            throw conflict("MacAddressInUse", `Unable to complete operation for network ${network.id}. The mac address ${candidate.macAddress} is in use.`);
          }
          if (!(error instanceof DuplicateError)) throw error;
        }
      }
    }
    throw conflict("IpAddressGenerationFailure", lastExhausted?.message ?? `No more IP addresses available on network ${network.id}.`);
  }

  /** A new port on a network the caller sees, as Neutron's create_port policy allows it. */
  async create(caller: Caller, request: PortCreate): Promise<PortView> {
    const network = await this.networks.visibleNetwork(caller, request.networkId);
    const projectId = projectFor(caller, request.projectId);
    requireAdminFor(caller, "create_port", { "binding:host_id": request.bindingHostId });
    if (!owns(caller, network)) {
      requireAdminFor(caller, "create_port", {
        mac_address: request.macAddress,
        "fixed_ips:ip_address": request.fixedIps?.some((ask) => ask.ipAddress !== undefined) === true ? true : undefined,
        device_owner: request.deviceOwner?.startsWith("network:") === true ? request.deviceOwner : undefined,
      });
    }
    const now = creationIso();
    const port: NewPort = {
      id: randomUUID(),
      networkId: network.id,
      projectId,
      name: request.name ?? "",
      macAddress: request.macAddress === undefined ? randomMac() : normalMac(request.macAddress),
      deviceId: request.deviceId ?? "",
      deviceOwner: request.deviceOwner ?? "",
      bindingHostId: request.bindingHostId ?? "",
      adminStateUp: request.adminStateUp ?? true,
      status: "DOWN",
      description: request.description ?? "",
      revisionNumber: 0,
      createdAt: now,
      updatedAt: now,
    };
    return this.view(caller, await this.allocate(network, port, request.fixedIps, request.macAddress !== undefined));
  }

  readonly ports: NetworkApi["ports"] = {
    list: async (caller) => {
      requireReader(caller);
      const ports = await this.store.ports.list(isAdmin(caller) ? {} : { projectId: caller.projectId });
      return ports.map((port) => this.view(caller, port));
    },
    get: async (caller, id) => this.view(caller, await this.visiblePort(caller, id)),
    create: (caller, request) => this.create(caller, request),
    update: async (caller, id, update) => {
      const port = await this.visiblePort(caller, id);
      requireOwner(caller, port, "update_port");
      requireAdminFor(caller, "update_port", { mac_address: update.macAddress, "binding:host_id": update.bindingHostId });
      try {
        const updated = await this.store.ports.update(
          id,
          { ...update, ...(update.macAddress === undefined ? {} : { macAddress: normalMac(update.macAddress) }) },
          nowIso(),
        );
        if (updated === undefined) throw notFound("Port", id);
        return this.view(caller, updated);
      } catch (error) {
        if (error instanceof DuplicateError) {
          throw conflict("MacAddressInUse", `Unable to complete operation for network ${port.networkId}. The mac address ${update.macAddress ?? ""} is in use.`);
        }
        throw error;
      }
    },
    delete: async (caller, id) => {
      const port = await this.visiblePort(caller, id);
      requireOwner(caller, port, "delete_port");
      await deleteOrConflict("Port", id, () => this.store.ports.delete(id));
    },
  };
}

/** The address plans of a port without fixed_ips: per IPv4 subnet in turn (each with the first IPv6 one). */
function defaultPlans(subnets: readonly SubnetRecord[]): FixedIpRequest[][] {
  const v4 = subnets.filter((subnet) => subnet.ipVersion === 4);
  const v6 = subnets.find((subnet) => subnet.ipVersion === 6);
  const extra: FixedIpRequest[] = v6 === undefined ? [] : [{ subnetId: v6.id }];
  if (v4.length === 0) return [extra];
  return v4.map((subnet) => [{ subnetId: subnet.id }, ...extra]);
}
