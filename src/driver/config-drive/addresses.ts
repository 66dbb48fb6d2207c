// IP addresses, CIDRs, MACs and MTUs for network_data, parsed strictly and
// written back in canonical form.

import { isIP } from "node:net";
import { InvalidInputError } from "../errors.js";
import { show } from "./text.js";

export const DEFAULT_MTU = 1500;

export interface IpAddress {
  version: 4 | 6;
  value: bigint;
}

export interface Cidr extends IpAddress {
  prefix: number;
}

function bitsOf(version: 4 | 6): number {
  return version === 4 ? 32 : 128;
}

function parseIpv4(text: string): bigint {
  return text.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseIpv6(text: string): bigint {
  // An embedded IPv4 tail (::ffff:192.0.2.1) is rewritten as two hex groups.
  let body = text;
  const lastColon = body.lastIndexOf(":");
  const tail = body.slice(lastColon + 1);
  if (tail.includes(".")) {
    const v4 = parseIpv4(tail);
    body = `${body.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = "", rest] = body.split("::");
  const toGroups = (part: string): bigint[] => (part === "" ? [] : part.split(":").map((group) => BigInt(parseInt(group, 16))));
  const headGroups = toGroups(head);
  const restGroups = rest === undefined ? [] : toGroups(rest);
  const zeros: bigint[] = new Array<bigint>(8 - headGroups.length - restGroups.length).fill(0n);
  return [...headGroups, ...zeros, ...restGroups].reduce((acc, group) => (acc << 16n) | group, 0n);
}

/** An IPv4 or IPv6 address (no zone id), validated by node:net. */
export function parseIp(text: unknown, what: string): IpAddress {
  if (typeof text !== "string" || text.includes("%")) throw new InvalidInputError(`${what} is not an IP address`);
  const version = isIP(text);
  switch (version) {
    case 4:
      return { version, value: parseIpv4(text) };
    case 6:
      return { version, value: parseIpv6(text) };
    default:
      throw new InvalidInputError(`${what} ${show(text)} is not an IP address`);
  }
}

export function parseCidr(text: unknown, what: string): Cidr {
  if (typeof text !== "string") throw new InvalidInputError(`${what} is not a CIDR`);
  const parts = text.split("/");
  const [address, prefixText] = parts;
  if (parts.length !== 2 || address === undefined || prefixText === undefined || !/^(?:0|[1-9]\d{0,2})$/.test(prefixText)) {
    throw new InvalidInputError(`${what} ${show(text)} is not a CIDR`);
  }
  const ip = parseIp(address, what);
  const prefix = Number(prefixText);
  if (prefix > bitsOf(ip.version)) throw new InvalidInputError(`${what} ${show(text)} has a prefix that is too long`);
  return { ...ip, prefix };
}

export function maskOf(version: 4 | 6, prefix: number): bigint {
  const bits = BigInt(bitsOf(version));
  const all = (1n << bits) - 1n;
  return all ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

export function formatIp(version: 4 | 6, value: bigint): string {
  if (version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join(".");
  }
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  // RFC 5952: the longest run (≥ 2) of zero groups becomes "::", the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

export function sameVersion(address: IpAddress, version: 4 | 6, what: string): void {
  if (address.version !== version) throw new InvalidInputError(`${what} is not an IPv${version} address`);
}

const MAC_ADDRESS = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

export function parseMac(text: unknown, what: string): string {
  const mac = typeof text === "string" ? text.toLowerCase() : "";
  if (!MAC_ADDRESS.test(mac)) throw new InvalidInputError(`${what} is not a MAC address`);
  return mac;
}

export function parseMtu(mtu: unknown, what: string): number {
  if (mtu === undefined || mtu === null) return DEFAULT_MTU;
  if (typeof mtu !== "number" || !Number.isInteger(mtu) || mtu < 68 || mtu > 65_535) {
    throw new InvalidInputError(`${what} has an invalid MTU`);
  }
  return mtu;
}
