// IP address arithmetic for the network model: pure functions, no I/O. It sits
// in src/store because the store (the lowest layer that needs it) allocates
// addresses; the compute layer validates subnets with the same functions.
//
// Addresses are bigints (IPv4: 32 bits, IPv6: 128 bits) and are always written
// back in one canonical text form (IPv4 dotted decimal, IPv6 as RFC 5952:
// lowercase, longest zero run compressed). The store keeps that form only, so
// the unique index on (subnet, address) cannot be fooled by "2001:DB8::1" vs
// "2001:db8:0::1".
//
// No npm dependency: node_modules has ipaddr.js only as a transitive one, and
// what is needed here (parse, format, contains, ranges) is small.

export type IpVersion = 4 | 6;

export interface IpAddress {
  readonly version: IpVersion;
  readonly value: bigint;
}

export interface Cidr {
  readonly version: IpVersion;
  /** The network address (host bits zero). */
  readonly network: bigint;
  readonly prefix: number;
}

export interface AddressRange {
  readonly start: string;
  readonly end: string;
}

const BITS: Readonly<Record<IpVersion, number>> = { 4: 32, 6: 128 };

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // No leading zeros: "010" is octal to some parsers and decimal to others.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseGroups(text: string): number[] | undefined {
  if (text === "") return [];
  const groups: number[] = [];
  const parts = text.split(":");
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1 && part.includes(".")) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
    groups.push(parseInt(part, 16));
  }
  return groups;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] ?? "");
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? "") : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** IPv4 dotted decimal or IPv6 text (no zone id); undefined when it is neither. */
export function parseAddress(text: string): IpAddress | undefined {
  if (text.includes(":")) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { version: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { version: 4, value };
}

/** The canonical text of an address (RFC 5952 for IPv6). */
export function formatAddress(address: IpAddress): string {
  if (address.version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 0xffn)).join(".");
  }
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => Number((address.value >> shift) & 0xffffn));
  // The longest run of two or more zero groups (the first of equals) becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = (part: number[]): string => part.map((group) => group.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** The canonical text of `text`, or undefined when it is no address. */
export function canonicalAddress(text: string): string | undefined {
  const address = parseAddress(text);
  return address === undefined ? undefined : formatAddress(address);
}

function hostMask(version: IpVersion, prefix: number): bigint {
  return (1n << BigInt(BITS[version] - prefix)) - 1n;
}

export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; reason: string };

/**
 * "192.0.2.0/24", "2001:db8::/64". Host bits must be zero, as Neutron asks
 * (its answer names the network it recommends).
 */
export function parseCidr(text: string): CidrParse {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const address = match === null ? undefined : parseAddress(match[1] ?? "");
  const prefix = Number(match?.[2]);
  if (address === undefined || !Number.isInteger(prefix) || prefix > BITS[address.version]) {
    return { ok: false, reason: `'${text}' is not a valid IP subnet` };
  }
  const network = address.value & ~hostMask(address.version, prefix);
  const cidr: Cidr = { version: address.version, network, prefix };
  if (network !== address.value) {
    return { ok: false, reason: `'${text}' isn't a recognized IP subnet cidr, '${formatCidr(cidr)}' is recommended` };
  }
  return { ok: true, cidr };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatAddress({ version: cidr.version, value: cidr.network })}/${cidr.prefix}`;
}

/** The last address of the CIDR (IPv4: its broadcast address). */
export function lastOf(cidr: Cidr): bigint {
  return cidr.network | hostMask(cidr.version, cidr.prefix);
}

export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  return address.version === cidr.version && address.value >= cidr.network && address.value <= lastOf(cidr);
}

/** Whether two CIDRs share an address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && a.network <= lastOf(b) && b.network <= lastOf(a);
}

/** The usable addresses: without the network address, and on IPv4 without the broadcast (except /31, /32). */
function usableBounds(cidr: Cidr): { first: bigint; last: bigint } | undefined {
  const hostBits = BITS[cidr.version] - cidr.prefix;
  if (hostBits === 0) return undefined;
  if (cidr.version === 4 && hostBits === 1) return { first: cidr.network, last: lastOf(cidr) };
  return { first: cidr.network + 1n, last: cidr.version === 4 ? lastOf(cidr) - 1n : lastOf(cidr) };
}

/** Neutron's default gateway: the first usable address; null when the subnet has none to spare. */
export function defaultGateway(cidr: Cidr): string | null {
  const bounds = usableBounds(cidr);
  if (bounds === undefined || bounds.first === bounds.last) return null;
  return formatAddress({ version: cidr.version, value: bounds.first });
}

/** Neutron's default pools: the usable addresses, minus the gateway (which may split them in two). */
export function defaultPools(cidr: Cidr, gateway: string | null): AddressRange[] {
  const bounds = usableBounds(cidr);
  if (bounds === undefined) return [];
  const gw = gateway === null ? undefined : parseAddress(gateway);
  const ranges: Array<[bigint, bigint]> = [];
  if (gw !== undefined && gw.version === cidr.version && gw.value >= bounds.first && gw.value <= bounds.last) {
    if (gw.value > bounds.first) ranges.push([bounds.first, gw.value - 1n]);
    if (gw.value < bounds.last) ranges.push([gw.value + 1n, bounds.last]);
  } else {
    ranges.push([bounds.first, bounds.last]);
  }
  const text = (value: bigint): string => formatAddress({ version: cidr.version, value });
  return ranges.map(([start, end]) => ({ start: text(start), end: text(end) }));
}

/** A pool as numbers; undefined when a bound is no address of the CIDR's version. */
function poolBounds(version: IpVersion, pool: AddressRange): { start: bigint; end: bigint } | undefined {
  const start = parseAddress(pool.start);
  const end = parseAddress(pool.end);
  if (start?.version !== version || end?.version !== version) return undefined;
  return { start: start.value, end: end.value };
}

/**
 * What is wrong with a subnet's gateway and pools, as Neutron words it;
 * undefined when nothing is. Pools must lie in the CIDR's usable addresses,
 * start <= end, not overlap each other, and not hold the gateway.
 */
export function subnetProblem(cidr: Cidr, gateway: string | null, pools: readonly AddressRange[]): string | undefined {
  const bounds = usableBounds(cidr);
  if (gateway !== null) {
    const gw = parseAddress(gateway);
    if (gw === undefined || !cidrContains(cidr, gw)) return `Gateway ip ${gateway} conflicts with the subnet ${formatCidr(cidr)}.`;
  }
  const numeric: Array<{ start: bigint; end: bigint; pool: AddressRange }> = [];
  for (const pool of pools) {
    const range = poolBounds(cidr.version, pool);
    if (range === undefined || range.start > range.end) return `The allocation pool ${pool.start}-${pool.end} is not valid.`;
    if (bounds === undefined || range.start < bounds.first || range.end > bounds.last) {
      return `The allocation pool ${pool.start}-${pool.end} spans beyond the subnet cidr ${formatCidr(cidr)}.`;
    }
    numeric.push({ ...range, pool });
  }
  numeric.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  for (let i = 1; i < numeric.length; i++) {
    const [before, after] = [numeric[i - 1], numeric[i]];
    if (before !== undefined && after !== undefined && after.start <= before.end) {
      return `Found overlapping allocation pools: ${before.pool.start}-${before.pool.end} and ${after.pool.start}-${after.pool.end} for subnet ${formatCidr(cidr)}.`;
    }
  }
  const gw = gateway === null ? undefined : parseAddress(gateway);
  const holder = gw === undefined ? undefined : numeric.find((range) => gw.value >= range.start && gw.value <= range.end);
  if (holder !== undefined) return `Gateway ip ${gateway ?? ""} conflicts with allocation pool ${holder.pool.start}-${holder.pool.end}.`;
  return undefined;
}

/** Whether `address` (canonical or not) lies in one of the pools. */
export function inPools(version: IpVersion, pools: readonly AddressRange[], address: IpAddress): boolean {
  if (address.version !== version) return false;
  return pools.some((pool) => {
    const range = poolBounds(version, pool);
    return range !== undefined && address.value >= range.start && address.value <= range.end;
  });
}

/**
 * Up to `limit` addresses of the pools that are not in `taken` (canonical
 * texts), in pool order: the candidates an allocation picks from. Walks past
 * taken ones only, so a huge IPv6 pool costs what is allocated in it.
 */
export function freeAddresses(version: IpVersion, pools: readonly AddressRange[], taken: ReadonlySet<string>, limit: number): string[] {
  const free: string[] = [];
  for (const pool of pools) {
    const range = poolBounds(version, pool);
    if (range === undefined) continue;
    for (let value = range.start; value <= range.end && free.length < limit; value++) {
      const text = formatAddress({ version, value });
      if (!taken.has(text)) free.push(text);
    }
    if (free.length >= limit) break;
  }
  return free;
}
