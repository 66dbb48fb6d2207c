// network_data.json from the instance's VIFs and the node's ports and port
// groups (bonds). Link ids are `iface<N>` by position, VIF links first.

import type { Port, Portgroup } from "../../ironic/ports.js";
import { InvalidInputError } from "../errors.js";
import type { SubnetSpec, VifSpec } from "../instance-spec.js";
import { formatIp, maskOf, parseCidr, parseIp, parseMac, parseMtu, sameVersion, type Cidr } from "./addresses.js";
import { BOND_PROPERTY_VALUE_CHARS, TEXT_FIELD_CHARS } from "./limits.js";
import { checkText, containsControl, isPlainObject, requireArray, show } from "./text.js";

export interface ConfigDriveNetwork {
  vifs: VifSpec[];
  ports: Port[];
  portgroups: Portgroup[];
}

const BOND_MODES = [
  "802.3ad",
  "balance-rr",
  "active-backup",
  "balance-xor",
  "broadcast",
  "balance-tlb",
  "balance-alb",
] as const;
type BondMode = (typeof BOND_MODES)[number];
const DEFAULT_BOND_MODE: BondMode = "active-backup";

interface NetworkData {
  links: Array<Record<string, unknown>>;
  networks: Array<Record<string, unknown>>;
  services: Array<{ type: "dns"; address: string }>;
}

/** The VIF a port or portgroup is bound to: `internal_info.tenant_vif_port_id`, else `extra.vif_port_id`. */
function boundVifId(item: Port | Portgroup): string | undefined {
  for (const candidate of [item.internal_info["tenant_vif_port_id"], item.extra["vif_port_id"]]) {
    if (typeof candidate === "string" && candidate !== "") return candidate;
  }
  return undefined;
}

/** Index by VIF id; the first item wins (Ironic never binds one VIF to two ports). */
function byVif<T extends Port | Portgroup>(items: readonly T[]): Map<string, T> {
  const index = new Map<string, T>();
  for (const item of items) {
    const vif = boundVifId(item);
    if (vif !== undefined && !index.has(vif)) index.set(vif, item);
  }
  return index;
}

function bondMode(mode: string | null, what: string): BondMode {
  if (mode === null || mode === "") return DEFAULT_BOND_MODE;
  const known = BOND_MODES.find((candidate) => candidate === mode);
  if (known === undefined) throw new InvalidInputError(`${what} has an unsupported bond mode ${show(mode)}`);
  return known;
}

const BOND_PROPERTY_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const RESERVED_LINK_KEYS = new Set(["bond_mode", "bond_links"]);

/** Portgroup properties as `bond_*` link keys: scalar values only; odd keys skipped. */
function bondProperties(properties: Record<string, unknown>): Array<[string, string | number | boolean]> {
  const result: Array<[string, string | number | boolean]> = [];
  for (const [key, value] of Object.entries(properties)) {
    if (!BOND_PROPERTY_KEY.test(key)) continue;
    const name = key.startsWith("bond_") ? key : `bond_${key}`;
    if (RESERVED_LINK_KEYS.has(name)) continue; // mode and members come from the portgroup itself
    if (typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) {
      result.push([name, value]);
    } else if (typeof value === "string" && value.length <= BOND_PROPERTY_VALUE_CHARS && !containsControl(value)) {
      result.push([name, value]);
    }
  }
  return result;
}

interface ValidSubnet {
  version: 4 | 6;
  cidr: Cidr;
  gateway: string | undefined;
  dns: Array<{ key: string; address: string }>;
  routes: Array<{ network: string; netmask: string; gateway: string }>;
  dhcp: boolean;
  type: string;
}

function validateSubnet(raw: SubnetSpec, what: string): ValidSubnet {
  // Read through `unknown`: this is user/operator data whatever the type says.
  const subnet: unknown = raw;
  if (!isPlainObject(subnet)) throw new InvalidInputError(`${what} has no subnet`);
  const version = subnet["ipVersion"];
  if (version !== 4 && version !== 6) throw new InvalidInputError(`${what} has an invalid IP version`);
  const cidr = parseCidr(subnet["cidr"], `${what} subnet`);
  sameVersion(cidr, version, `${what} subnet`);
  let gateway: string | undefined;
  const gatewayIp = subnet["gatewayIp"];
  if (gatewayIp !== undefined && gatewayIp !== null && gatewayIp !== "") {
    sameVersion(parseIp(gatewayIp, `${what} gateway`), version, `${what} gateway`);
    gateway = gatewayIp as string;
  }
  const dns = requireArray(subnet["dnsNameservers"], `${what} DNS servers`).map((server) => {
    const parsed = parseIp(server, `${what} DNS server`);
    return { key: `${parsed.version}:${parsed.value}`, address: server as string };
  });
  const routes = requireArray(subnet["hostRoutes"], `${what} host routes`).map((route) => {
    if (!isPlainObject(route)) throw new InvalidInputError(`${what} has an invalid host route`);
    const destination = parseCidr(route["destination"], `${what} host route destination`);
    sameVersion(destination, version, `${what} host route destination`);
    sameVersion(parseIp(route["nexthop"], `${what} host route next hop`), version, `${what} host route next hop`);
    const mask = maskOf(version, destination.prefix);
    return {
      network: formatIp(version, destination.value & mask),
      netmask: formatIp(version, mask),
      gateway: route["nexthop"] as string,
    };
  });
  const enableDhcp = subnet["enableDhcp"] === true;
  if (version === 4) return { version, cidr, gateway, dns, routes, dhcp: enableDhcp, type: enableDhcp ? "ipv4_dhcp" : "ipv4" };
  const mode = subnet["ipv6AddressMode"];
  if (mode === undefined || mode === null) {
    return { version, cidr, gateway, dns, routes, dhcp: enableDhcp, type: enableDhcp ? "ipv6_dhcp" : "ipv6" };
  }
  // With an address mode the entry is always static (as in Nova): `ipv6_<mode>`.
  if (mode !== "slaac" && mode !== "dhcpv6-stateful" && mode !== "dhcpv6-stateless") {
    throw new InvalidInputError(`${what} has an unknown IPv6 address mode`);
  }
  return { version, cidr, gateway, dns, routes, dhcp: false, type: `ipv6_${mode}` };
}

/** network_data.json from the VIFs and the node's Ironic ports and portgroups. */
export function buildNetworkData(network: ConfigDriveNetwork): NetworkData {
  const vifs = requireArray(network.vifs, "VIFs") as readonly VifSpec[];
  const portsByVif = byVif(network.ports);
  const portgroupsByVif = byVif(network.portgroups);
  const seenVifs = new Set<string>();
  for (const vif of vifs) {
    const id = checkText(vif.id, "a VIF id", { maxChars: TEXT_FIELD_CHARS, nonEmpty: true, noControl: true });
    if (seenVifs.has(id)) throw new InvalidInputError(`VIF ${show(id)} is listed twice`);
    seenVifs.add(id);
  }
  // Only VIFs with addresses get a link (as Nova); their links come first.
  const kept = vifs.filter((vif) => requireArray(vif.fixedIps, `VIF ${show(vif.id)} fixed IPs`).length > 0);

  const links: Array<Record<string, unknown>> = [];
  const memberLinks: Array<Record<string, unknown>> = [];
  const vlanLinks: Array<Record<string, unknown>> = [];
  const networks: Array<Record<string, unknown>> = [];
  const services = new Map<string, { type: "dns"; address: string }>();

  kept.forEach((vif, index) => {
    const what = `VIF ${show(vif.id)}`;
    const linkId = `iface${index}`;
    const mtu = parseMtu(vif.mtu, what);
    const networkId = checkText(vif.networkId, `${what} network id`, { maxChars: TEXT_FIELD_CHARS, nonEmpty: true, noControl: true });
    const givenMac: unknown = vif.macAddress;
    const ownMac = givenMac === undefined || givenMac === null ? undefined : parseMac(givenMac, `${what} MAC`);

    const portgroup = portgroupsByVif.get(vif.id);
    const port = portsByVif.get(vif.id);
    if (portgroup !== undefined) {
      const pgWhat = `portgroup ${portgroup.uuid}`;
      const mac = portgroup.address !== null && portgroup.address !== "" ? parseMac(portgroup.address, `${pgWhat} address`) : ownMac;
      if (mac === undefined) throw new InvalidInputError(`${what} has no MAC address: ${pgWhat} has none and the VIF gives none`);
      const members = network.ports.filter((member) => member.portgroup_uuid === portgroup.uuid);
      const bondLinks: string[] = [];
      for (const member of members) {
        const memberId = `iface${kept.length + memberLinks.length}`;
        bondLinks.push(memberId);
        memberLinks.push({ id: memberId, type: "phy", ethernet_mac_address: parseMac(member.address, `port ${member.uuid} address`), mtu });
      }
      links.push(
        Object.fromEntries<unknown>([
          ["id", linkId],
          ["type", "bond"],
          ["ethernet_mac_address", mac],
          ["mtu", mtu],
          ["vif_id", vif.id],
          ["bond_mode", bondMode(portgroup.mode, pgWhat)],
          ["bond_links", bondLinks],
          ...bondProperties(portgroup.properties),
        ]),
      );
    } else {
      const mac = port !== undefined ? parseMac(port.address, `port ${port.uuid} address`) : ownMac;
      if (mac === undefined) throw new InvalidInputError(`${what} has no MAC address: no Ironic port is bound to it and the VIF gives none`);
      links.push({ id: linkId, type: "phy", ethernet_mac_address: mac, mtu, vif_id: vif.id });
    }
    // A VLAN the machine tags itself: the VIF (and its addresses) move to a
    // vlan link on top of the physical or bond one.
    let addressLink = linkId;
    const vlanId: unknown = vif.vlanId;
    if (vlanId !== undefined && vlanId !== null) {
      if (typeof vlanId !== "number" || !Number.isInteger(vlanId) || vlanId < 1 || vlanId > 4094) {
        throw new InvalidInputError(`${what} has an invalid VLAN id (1-4094)`);
      }
      const base = links[links.length - 1] as Record<string, unknown>;
      delete base["vif_id"];
      addressLink = `vlan${index}`;
      vlanLinks.push({ id: addressLink, type: "vlan", vlan_link: linkId, vlan_id: vlanId, vlan_mac_address: base["ethernet_mac_address"], mtu, vif_id: vif.id });
    }

    for (const fixed of vif.fixedIps as readonly unknown[]) {
      if (!isPlainObject(fixed)) throw new InvalidInputError(`${what} has an invalid fixed IP entry`);
      const subnet = validateSubnet(fixed["subnet"] as SubnetSpec, what);
      const ipAddress = fixed["ipAddress"];
      const address = parseIp(ipAddress, `${what} fixed IP`);
      sameVersion(address, subnet.version, `${what} fixed IP`);
      const mask = maskOf(subnet.version, subnet.cidr.prefix);
      if ((address.value & mask) !== (subnet.cidr.value & mask)) {
        throw new InvalidInputError(`${what} fixed IP ${show(ipAddress as string)} is outside its subnet`);
      }
      const dnsHere = new Map<string, { type: "dns"; address: string }>();
      for (const server of subnet.dns) {
        if (!dnsHere.has(server.key)) dnsHere.set(server.key, { type: "dns", address: server.address });
        if (!services.has(server.key)) services.set(server.key, { type: "dns", address: server.address });
      }
      const id = `network${networks.length}`;
      if (subnet.dhcp) {
        networks.push({ id, type: subnet.type, link: addressLink, network_id: networkId });
        continue;
      }
      const anyAddress = subnet.version === 4 ? "0.0.0.0" : "::";
      const routes = [
        ...(subnet.gateway === undefined ? [] : [{ network: anyAddress, netmask: anyAddress, gateway: subnet.gateway }]),
        ...subnet.routes,
      ];
      networks.push({
        id,
        type: subnet.type,
        link: addressLink,
        ip_address: ipAddress,
        netmask: formatIp(subnet.version, mask),
        routes,
        network_id: networkId,
        services: [...dnsHere.values()],
      });
    }
  });

  return { links: [...links, ...memberLinks, ...vlanLinks], networks, services: [...services.values()] };
}
