// Zod pieces shared by the route files. Query values arrive as strings.
import { isIPv4, isIPv6 } from "node:net";
import { z } from "zod";
import { isBase64UserData } from "../compute/user-data.js";

/**
 * An id in a path that names nothing this service checks strictly (projects,
 * users, hypervisors — whose form depends on the microversion).
 */
export const pathId = z.string().min(1).max(255);

export const idParams = z.object({ id: pathId }).strict();

// Strict ids (S3). A malformed id never reaches the compute layer, so never the
// store or Ironic. Clients try names as ids first (openstack-compat.md §7), so a
// malformed id in a PATH is answered 404 like an unknown one (errors.ts maps a
// params validation failure to 404); a malformed ref in a BODY or query is a 400.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** A server, image or node id: a UUID (hyphenated, either case). */
export const uuidRef = z.string().min(1).max(255).regex(UUID, "must be a UUID");

export const uuidParams = z.object({ id: uuidRef }).strict();

/**
 * Nova's flavor id (parameter_types.flavor_id): flavor ids are strings ("1"),
 * not UUIDs. A flavor NAME such as "m1.tiny" fits too, so novaclient's
 * get-by-id-then-by-name still gets its 404 from the lookup.
 */
export const flavorRef = z
  .string()
  .min(1)
  .max(255)
  .regex(/^(?! )[a-zA-Z0-9. _-]+(?<! )$/, "must be a flavor id (letters, digits, '.', '_', '-', inner spaces)");

export const flavorParams = z.object({ id: flavorRef }).strict();

/** An instance action's request id as this service issues it: `req-<uuid>`. */
export const requestIdRef = z.string().regex(/^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be req-<uuid>");

/** A non-negative integer given as a query string. */
export const queryCount = z
  .string()
  .regex(/^\d{1,9}$/, "must be a non-negative integer")
  .transform((value) => Number.parseInt(value, 10));

/** oslo's bool_from_string (strict): what Nova accepts for flags like all_tenants. */
export const queryFlag = z
  .string()
  .max(8)
  .transform((value, context) => {
    const lower = value.trim().toLowerCase();
    if (["", "1", "t", "true", "on", "y", "yes"].includes(lower)) return true;
    if (["0", "f", "false", "off", "n", "no"].includes(lower)) return false;
    context.addIssue({ code: "custom", message: "must be a boolean (true/false/1/0/yes/no)" });
    return z.NEVER;
  });

/** Nova metadata items: key 1–255 characters, value up to 255 (the count is the compute layer's quota check). */
export const metadataItems = z.record(z.string().min(1).max(255), z.string().max(255));

/** Nova metadata: at most 128 keys, key 1–255 characters, value up to 255. */
export const metadataSchema = metadataItems
  .refine((record) => Object.keys(record).length <= 128, "at most 128 metadata items");

/** `null` or `{}`: the argument of os-stop, os-start, unrescue… (clients send both). */
export const emptyArgument = z.union([z.null(), z.object({}).strict()]);

/** A JSON integer or a string of digits, as Nova takes counts. */
export const looseCount = z.union([
  z.number().int().min(0),
  z
    .string()
    .regex(/^\d{1,9}$/, "must be an integer")
    .transform((value) => Number.parseInt(value, 10)),
]);

/** Nova's positive_integer (min_count, max_count): an integer ≥ 1, or a string of digits. */
export const serverCount = looseCount.refine((count) => count >= 1, "must be an integer of at least 1");

/** Nova's parameter_types.boolean: true/false and their spellings (config_drive, return_reservation_id). */
const NOVA_TRUE = ["True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes"];
const NOVA_FALSE = ["False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no"];
export const novaBoolean = z.union([
  z.boolean(),
  z
    .string()
    .max(8)
    .refine((value) => NOVA_TRUE.includes(value) || NOVA_FALSE.includes(value), { error: (issue) => `'${String(issue.input)}' is not one of the boolean values Nova accepts` })
    .transform((value) => NOVA_TRUE.includes(value)),
]);

/** Nova's accessIPv4 / accessIPv6: a string in the address format (its 400 text: '<value>' is not a 'ipv4'). */
export function accessIp(version: "ipv4" | "ipv6") {
  const test = version === "ipv4" ? isIPv4 : isIPv6;
  return z
    .string()
    .max(64)
    .refine((value) => test(value), { error: (issue) => `'${String(issue.input)}' is not a '${version}'` });
}

/** Base64 text (Nova's user_data); the decoded size is checked by the compute layer. */
export const base64Text = z
  .string()
  .max(90_000)
  .refine(isBase64UserData, "must be base64");

/**
 * A stable integer for a UUID-keyed record where Nova shows an integer id
 * (legacy hypervisor ids, key pair ids): the first 52 bits of the UUID, exact
 * in a JSON number.
 */
export function uuidInteger(uuid: string): number {
  return Number.parseInt(uuid.replace(/-/g, "").slice(0, 13), 16);
}
