// The config drive as Ironic's dict form (API ≥ 1.56): `{meta_data, user_data,
// vendor_data, network_data}`. Ironic builds the ISO from it. Everything the
// user supplied is checked and bounded here (S4) and copied into freshly built
// plain objects; the JSON text is only ever produced by a serializer
// (JSON.stringify in the HTTP layer), never assembled by hand.
//
// Decisions, and where we differ from Nova on purpose:
// - Injected files ("personality") are REFUSED. Ironic's dict config drive only
//   writes meta_data.json, user_data, vendor_data.json and network_data.json; it
//   has no way to carry `openstack/content/NNNN`. Listing `files` in meta_data
//   would point cloud-init at content that is not there, and smuggling the data
//   through vendor_data/user_data would change its meaning. The path and content
//   validators are still exported for the API layer (which must refuse or accept
//   files before the request gets this far).
// - `hostname` is one RFC 1123 label (see hostname.ts); no dhcp_domain is added.
// - `public_keys` (which cloud-init writes to authorized_keys) holds only ssh
//   keys; x509 keys are listed in `keys` only. A key line with an options prefix
//   (`command="…" ssh-rsa …`) is refused: the first field must be a known type.
// - network_data: link ids are `iface<N>` by position (VIF links first, bond
//   member links after them), as Ironic itself renames them; every link has a
//   numeric `mtu` (1500 when unknown) because Ironic treats a null or missing
//   MTU as invalid network data; with no VIFs we return empty lists instead of
//   crashing; every address, CIDR and MAC is validated.

import { randomBytes, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { posix } from "node:path";
import type { ConfigDriveDict } from "../ironic/nodes.js";
import type { Port, Portgroup } from "../ironic/ports.js";
import { InvalidInputError } from "./errors.js";
import { sanitizeHostname } from "./hostname.js";
import type { InstanceSpec, SubnetSpec, VifSpec } from "./instance-spec.js";

export const CONFIG_DRIVE_LIMITS = {
  userDataBytes: 65_535,
  metadataItems: 128,
  metadataKeyChars: 255,
  metadataValueChars: 255,
  publicKeys: 100,
  publicKeyChars: 16_384,
  files: 5,
  filePathChars: 255,
  fileBytes: 10_240,
  vendorDataBytes: 65_535,
} as const;

/** Bounds that are not user-tunable limits of the API but still keep input small. */
const KEY_NAME_CHARS = 255;
const TEXT_FIELD_CHARS = 255;
const ADMIN_PASS_CHARS = 255;
const VENDOR_DATA_DEPTH = 32;
const BOND_PROPERTY_VALUE_CHARS = 255;
const RANDOM_SEED_BYTES = 512;
export const DEFAULT_MTU = 1500;

export const INJECTED_FILES_UNSUPPORTED = "injected files are not supported with Ironic's dict config drive";

export interface ConfigDriveNetwork {
  vifs: VifSpec[];
  ports: Port[];
  portgroups: Portgroup[];
}

export const BOND_MODES = [
  "802.3ad",
  "balance-rr",
  "active-backup",
  "balance-xor",
  "broadcast",
  "balance-tlb",
  "balance-alb",
] as const;
export type BondMode = (typeof BOND_MODES)[number];
const DEFAULT_BOND_MODE: BondMode = "active-backup";

const SSH_KEY_TYPES = new Set([
  "ssh-rsa",
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ecdsa-sha2-nistp256@openssh.com",
  "sk-ssh-ed25519@openssh.com",
]);

// ───────────────────────────── text helpers ─────────────────────────────

/** A short, quoted, safe rendering of user text for error messages. */
function show(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

function containsControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isControl(text.charCodeAt(i))) return true;
  return false;
}

interface TextRules {
  /** Maximum length in Unicode code points. */
  maxChars: number;
  nonEmpty?: boolean;
  /** Reject every C0/C1 control character (otherwise only NUL is rejected). */
  noControl?: boolean;
  /** Allow TAB even when `noControl` is set. */
  allowTab?: boolean;
}

/**
 * Checks one piece of user text: a string, well-formed UTF-16 (so it has a UTF-8
 * encoding), no NUL (or no control character at all), length in code points.
 */
function checkText(value: unknown, what: string, rules: TextRules): string {
  if (typeof value !== "string") throw new InvalidInputError(`${what} must be a string`);
  if (rules.nonEmpty === true && value === "") throw new InvalidInputError(`${what} must not be empty`);
  // A code point takes at most two UTF-16 units: longer than 2×max cannot fit.
  if (value.length > rules.maxChars * 2) throw new InvalidInputError(`${what} is longer than ${rules.maxChars} characters`);
  let codePoints = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    codePoints++;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) throw new InvalidInputError(`${what} is not valid Unicode`);
      i++;
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) throw new InvalidInputError(`${what} is not valid Unicode`);
    if (code === 0) throw new InvalidInputError(`${what} contains a NUL character`);
    if (rules.noControl === true && isControl(code) && !(rules.allowTab === true && code === 0x09)) {
      throw new InvalidInputError(`${what} contains a control character`);
    }
  }
  if (codePoints > rules.maxChars) throw new InvalidInputError(`${what} is longer than ${rules.maxChars} characters`);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function requireArray(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new InvalidInputError(`${what} must be a list`);
  return value;
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// ───────────────────────────── meta_data parts ─────────────────────────────

/** Instance metadata → a fresh plain object (a `__proto__` key stays a plain own key). */
export function validateMetadata(metadata: unknown): Record<string, string> {
  if (!isPlainObject(metadata)) throw new InvalidInputError("metadata must be an object of strings");
  const entries = Object.entries(metadata);
  if (entries.length > CONFIG_DRIVE_LIMITS.metadataItems) {
    throw new InvalidInputError(`metadata has ${entries.length} items; the limit is ${CONFIG_DRIVE_LIMITS.metadataItems}`);
  }
  const items = new Map<string, string>();
  for (const [key, value] of entries) {
    checkText(key, "a metadata key", { maxChars: CONFIG_DRIVE_LIMITS.metadataKeyChars, nonEmpty: true, noControl: true });
    items.set(key, checkText(value, `metadata value of ${show(key)}`, { maxChars: CONFIG_DRIVE_LIMITS.metadataValueChars }));
  }
  return Object.fromEntries(items);
}

function readSshString(blob: Buffer, offset: number): string | undefined {
  if (blob.length < offset + 4) return undefined;
  const length = blob.readUInt32BE(offset);
  if (length > blob.length - offset - 4) return undefined;
  return blob.subarray(offset + 4, offset + 4 + length).toString("latin1");
}

/** An OpenSSH public key line `<type> <base64> [comment]`, trimmed; refused otherwise. */
export function validateSshPublicKey(data: string, what: string): string {
  const line = data.trim();
  if (/[\r\n]/.test(line)) throw new InvalidInputError(`${what} must be a single line`);
  checkText(line, what, { maxChars: CONFIG_DRIVE_LIMITS.publicKeyChars, nonEmpty: true, noControl: true, allowTab: true });
  const [type, body] = line.split(/[ \t]+/); // anything after the body is the comment
  if (type === undefined || !SSH_KEY_TYPES.has(type)) {
    throw new InvalidInputError(`${what} must start with a supported key type (${[...SSH_KEY_TYPES].join(", ")})`);
  }
  if (body === undefined || body === "" || !STRICT_BASE64.test(body)) {
    throw new InvalidInputError(`${what} has no valid base64 key body`);
  }
  // The key blob starts with its own type name: it must agree with the prefix.
  if (readSshString(Buffer.from(body, "base64"), 0) !== type) {
    throw new InvalidInputError(`${what} does not contain a ${type} key`);
  }
  return line;
}

const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----$/;

/** One PEM certificate that node:crypto can parse; refused otherwise. */
export function validateX509Certificate(data: string, what: string): string {
  const pem = data.trim();
  checkText(pem, what, { maxChars: CONFIG_DRIVE_LIMITS.publicKeyChars, nonEmpty: true });
  if (!PEM_CERTIFICATE.test(pem)) throw new InvalidInputError(`${what} must be one PEM certificate`);
  try {
    new X509Certificate(pem);
  } catch (error: unknown) {
    throw new InvalidInputError(`${what} is not a parsable X.509 certificate`, { cause: error });
  }
  return pem;
}

interface KeyEntry {
  name: string;
  type: "ssh" | "x509";
  data: string;
}

function validatePublicKeys(raw: unknown): { publicKeys: Record<string, string>; keys: KeyEntry[] } {
  const list = requireArray(raw, "public keys");
  if (list.length > CONFIG_DRIVE_LIMITS.publicKeys) {
    throw new InvalidInputError(`${list.length} public keys given; the limit is ${CONFIG_DRIVE_LIMITS.publicKeys}`);
  }
  const sshKeys = new Map<string, string>();
  const names = new Set<string>();
  const keys: KeyEntry[] = [];
  for (const item of list) {
    if (!isPlainObject(item)) throw new InvalidInputError("a public key must be an object");
    const name = checkText(item["name"], "a public key name", { maxChars: KEY_NAME_CHARS, nonEmpty: true, noControl: true });
    if (names.has(name)) throw new InvalidInputError(`public key name ${show(name)} is used twice`);
    names.add(name);
    const what = `public key ${show(name)}`;
    const data = checkText(item["data"], what, { maxChars: CONFIG_DRIVE_LIMITS.publicKeyChars, nonEmpty: true });
    const type = item["type"];
    if (type !== "ssh" && type !== "x509") throw new InvalidInputError(`${what} has an unknown type`);
    switch (type) {
      case "ssh": {
        const line = validateSshPublicKey(data, what);
        sshKeys.set(name, line);
        keys.push({ name, type, data: line });
        break;
      }
      case "x509":
        keys.push({ name, type, data: validateX509Certificate(data, what) });
        break;
    }
  }
  return { publicKeys: Object.fromEntries(sshKeys), keys };
}

/**
 * An injected file's path: absolute, without control characters or backslashes,
 * without any `..` segment (refused rather than resolved: "/etc/../../x" is an
 * attempt we do not guess the meaning of), naming a file (not "/" or "dir/").
 * Returns the normalized path ("//etc/./x" → "/etc/x").
 */
export function validateInjectedFilePath(path: unknown): string {
  const text = checkText(path, "an injected file path", {
    maxChars: CONFIG_DRIVE_LIMITS.filePathChars,
    nonEmpty: true,
    noControl: true,
  });
  const what = `injected file path ${show(text)}`;
  if (!text.startsWith("/")) throw new InvalidInputError(`${what} must be absolute`);
  if (text.includes("\\")) throw new InvalidInputError(`${what} must not contain a backslash`);
  if (text.split("/").includes("..")) throw new InvalidInputError(`${what} must not contain '..'`);
  const normalized = posix.normalize(text);
  if (!normalized.startsWith("/") || normalized.split("/").includes("..")) {
    throw new InvalidInputError(`${what} escapes the root`);
  }
  if (normalized === "/" || normalized.endsWith("/")) throw new InvalidInputError(`${what} must name a file`);
  return normalized;
}

/**
 * Injected files for the API layer: at most `files` of them, unique normalized
 * paths, strict base64 contents of at most `fileBytes` once decoded.
 * (buildConfigDrive refuses files altogether, see the header.)
 */
export function validateInjectedFiles(raw: unknown): Array<{ path: string; contents: string }> {
  const list = requireArray(raw, "injected files");
  if (list.length > CONFIG_DRIVE_LIMITS.files) {
    throw new InvalidInputError(`${list.length} injected files given; the limit is ${CONFIG_DRIVE_LIMITS.files}`);
  }
  const seen = new Set<string>();
  return list.map((item) => {
    if (!isPlainObject(item)) throw new InvalidInputError("an injected file must be an object");
    const path = validateInjectedFilePath(item["path"]);
    if (seen.has(path)) throw new InvalidInputError(`injected file path ${show(path)} is given twice`);
    seen.add(path);
    const contents = item["contents"];
    const maxEncoded = Math.ceil(CONFIG_DRIVE_LIMITS.fileBytes / 3) * 4;
    if (typeof contents !== "string" || contents.length > maxEncoded || !STRICT_BASE64.test(contents)) {
      throw new InvalidInputError(`injected file ${show(path)} must be base64 of at most ${CONFIG_DRIVE_LIMITS.fileBytes} bytes`);
    }
    if (Buffer.from(contents, "base64").length > CONFIG_DRIVE_LIMITS.fileBytes) {
      throw new InvalidInputError(`injected file ${show(path)} is larger than ${CONFIG_DRIVE_LIMITS.fileBytes} bytes`);
    }
    return { path, contents };
  });
}

// ───────────────────────────── user_data / vendor_data ─────────────────────────────

/** user_data as given, at most 65,535 bytes of UTF-8. */
export function validateUserData(userData: unknown): string {
  if (typeof userData !== "string") throw new InvalidInputError("user_data must be a string");
  const limit = CONFIG_DRIVE_LIMITS.userDataBytes;
  // Every UTF-16 unit is at least one UTF-8 byte: no need to measure a longer string.
  const bytes = userData.length > limit ? userData.length : Buffer.byteLength(userData, "utf8");
  if (bytes > limit) throw new InvalidInputError(`user_data is larger than ${limit} bytes`);
  checkText(userData, "user_data", { maxChars: limit });
  return userData;
}

interface Budget {
  left: number;
}

function spend(budget: Budget, amount: number): void {
  budget.left -= amount;
  if (budget.left < 0) throw new InvalidInputError(`vendor_data is larger than ${CONFIG_DRIVE_LIMITS.vendorDataBytes} bytes`);
}

/** A deep copy holding only JSON values; the budget stops huge input early. */
function copyJson(value: unknown, budget: Budget, depth: number): unknown {
  spend(budget, 1);
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new InvalidInputError("vendor_data holds a non-finite number");
    return value;
  }
  if (typeof value === "string") {
    spend(budget, value.length);
    return checkText(value, "a vendor_data string", { maxChars: CONFIG_DRIVE_LIMITS.vendorDataBytes });
  }
  if (depth >= VENDOR_DATA_DEPTH) throw new InvalidInputError(`vendor_data is nested deeper than ${VENDOR_DATA_DEPTH} levels`);
  if (Array.isArray(value)) {
    const items: readonly unknown[] = value;
    const copy: unknown[] = [];
    for (let i = 0; i < items.length; i++) copy.push(copyJson(items[i], budget, depth + 1));
    return copy;
  }
  if (isPlainObject(value)) {
    const entries = new Map<string, unknown>();
    for (const [key, inner] of Object.entries(value)) {
      spend(budget, key.length);
      checkText(key, "a vendor_data key", { maxChars: CONFIG_DRIVE_LIMITS.vendorDataBytes });
      entries.set(key, copyJson(inner, budget, depth + 1));
    }
    return Object.fromEntries(entries);
  }
  throw new InvalidInputError("vendor_data must hold only JSON values (null, booleans, numbers, strings, lists, objects)");
}

export function validateVendorData(vendorData: unknown): Record<string, unknown> {
  if (!isPlainObject(vendorData)) throw new InvalidInputError("vendor_data must be an object");
  const copy = copyJson(vendorData, { left: CONFIG_DRIVE_LIMITS.vendorDataBytes }, 0) as Record<string, unknown>;
  if (Buffer.byteLength(JSON.stringify(copy), "utf8") > CONFIG_DRIVE_LIMITS.vendorDataBytes) {
    throw new InvalidInputError(`vendor_data is larger than ${CONFIG_DRIVE_LIMITS.vendorDataBytes} bytes`);
  }
  return copy;
}

// ───────────────────────────── addresses ─────────────────────────────

interface IpAddress {
  version: 4 | 6;
  value: bigint;
}

interface Cidr extends IpAddress {
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
function parseIp(text: unknown, what: string): IpAddress {
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

function parseCidr(text: unknown, what: string): Cidr {
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

function maskOf(version: 4 | 6, prefix: number): bigint {
  const bits = BigInt(bitsOf(version));
  const all = (1n << bits) - 1n;
  return all ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

function formatIp(version: 4 | 6, value: bigint): string {
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

function sameVersion(address: IpAddress, version: 4 | 6, what: string): void {
  if (address.version !== version) throw new InvalidInputError(`${what} is not an IPv${version} address`);
}

const MAC_ADDRESS = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

function parseMac(text: unknown, what: string): string {
  const mac = typeof text === "string" ? text.toLowerCase() : "";
  if (!MAC_ADDRESS.test(mac)) throw new InvalidInputError(`${what} is not a MAC address`);
  return mac;
}

function parseMtu(mtu: unknown, what: string): number {
  if (mtu === undefined || mtu === null) return DEFAULT_MTU;
  if (typeof mtu !== "number" || !Number.isInteger(mtu) || mtu < 68 || mtu > 65_535) {
    throw new InvalidInputError(`${what} has an invalid MTU`);
  }
  return mtu;
}

// ───────────────────────────── network_data ─────────────────────────────

export interface NetworkData {
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
        networks.push({ id, type: subnet.type, link: linkId, network_id: networkId });
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
        link: linkId,
        ip_address: ipAddress,
        netmask: formatIp(subnet.version, mask),
        routes,
        network_id: networkId,
        services: [...dnsHere.values()],
      });
    }
  });

  return { links: [...links, ...memberLinks], networks, services: [...services.values()] };
}

// ───────────────────────────── the config drive ─────────────────────────────

function nonNegativeInteger(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError(`${what} must be a non-negative integer`);
  }
  return value;
}

/**
 * The dict config drive for `spec`, with network_data for `network`. Throws
 * InvalidInputError for any unusable input; messages never echo user_data,
 * vendor_data or the admin password.
 */
export function buildConfigDrive(
  spec: InstanceSpec,
  network: ConfigDriveNetwork,
  options: { randomSeed?: () => string } = {},
): ConfigDriveDict {
  if (requireArray(spec.files, "injected files").length > 0) throw new InvalidInputError(INJECTED_FILES_UNSUPPORTED);

  const uuid = checkText(spec.uuid, "the instance uuid", { maxChars: TEXT_FIELD_CHARS, nonEmpty: true, noControl: true });
  const name = checkText(spec.name, "the instance name", { maxChars: TEXT_FIELD_CHARS });
  const hostname = sanitizeHostname(spec.hostname, `server-${uuid.slice(0, 8)}`);
  const meta = validateMetadata(spec.metadata);
  const { publicKeys, keys } = validatePublicKeys(spec.publicKeys);

  const metaData: Record<string, unknown> = { uuid, meta };
  if (spec.adminPass !== undefined) {
    // Never echoed: the message names the field only.
    metaData["admin_pass"] = checkText(spec.adminPass, "the admin password", { maxChars: ADMIN_PASS_CHARS, nonEmpty: true });
  }
  Object.assign(metaData, {
    public_keys: publicKeys,
    keys,
    hostname,
    name,
    launch_index: nonNegativeInteger(spec.launchIndex, "launch_index"),
    availability_zone: checkText(spec.availabilityZone, "the availability zone", { maxChars: TEXT_FIELD_CHARS, noControl: true }),
    random_seed: options.randomSeed?.() ?? randomBytes(RANDOM_SEED_BYTES).toString("base64"),
    project_id: checkText(spec.projectId, "the project id", { maxChars: TEXT_FIELD_CHARS, noControl: true }),
    devices: [],
  });

  const drive: ConfigDriveDict = { meta_data: metaData, network_data: { ...buildNetworkData(network) } };
  if (spec.userData !== undefined) drive.user_data = validateUserData(spec.userData);
  if (spec.vendorData !== undefined) drive.vendor_data = validateVendorData(spec.vendorData);
  return drive;
}
