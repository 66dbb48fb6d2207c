// The meta_data parts and vendor_data a user supplies, checked, bounded and
// copied into fresh plain objects (S4).

import { X509Certificate } from "node:crypto";
import { posix } from "node:path";
import { InvalidInputError } from "../errors.js";
import { CONFIG_DRIVE_LIMITS, KEY_NAME_CHARS, VENDOR_DATA_DEPTH } from "./limits.js";
import { checkText, isPlainObject, requireArray, show, STRICT_BASE64 } from "./text.js";

export const INJECTED_FILES_UNSUPPORTED = "injected files are not supported with Ironic's dict config drive";

const SSH_KEY_TYPES = new Set([
  "ssh-rsa",
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ecdsa-sha2-nistp256@openssh.com",
  "sk-ssh-ed25519@openssh.com",
]);

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
function validateSshPublicKey(data: string, what: string): string {
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

/** One PEM certificate that node:crypto can parse (the trimmed PEM); refused otherwise. */
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

export function validatePublicKeys(raw: unknown): { publicKeys: Record<string, string>; keys: KeyEntry[] } {
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
