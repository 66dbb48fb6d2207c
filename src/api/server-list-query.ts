// GET /servers query parameters Nova gives meaning to beyond plain equality:
// sort_key/sort_dir (schemas/servers.py and process_sort_params), and
// changes-since/changes-before (ISO 8601, 2.66 for the second). Nova's order
// of checks is kept: the schema (unknown sort key → 400), then ignored keys
// dropped (400 from 2.75, when the schema no longer lists them), host/node
// sort for admins only (403), then the directions.
import { BadRequestError, ForbiddenError } from "../compute/contract.js";
import type { ServerSort, ServerSortKey } from "../store/store.js";

/**
 * Nova's valid sort keys and the column each sorts by here; null: a value the
 * same for every server here (config drive always, no kernel/ramdisk/root
 * device name), so it does not change the order.
 */
const SORT_KEYS: Readonly<Record<string, ServerSortKey | null>> = {
  access_ip_v4: "accessIpv4",
  access_ip_v6: "accessIpv6",
  auto_disk_config: "diskConfig",
  availability_zone: "availabilityZone",
  config_drive: null,
  created_at: "createdAt",
  display_description: "description",
  display_name: "name",
  host: "placed",
  hostname: "hostname",
  image_ref: "imageId",
  instance_type_id: "flavorId",
  kernel_id: null,
  key_name: "keyName",
  launch_index: "launchIndex",
  launched_at: "launchedAt",
  locked_by: "lockedBy",
  node: "nodeUuid",
  power_state: "powerState",
  progress: "progress",
  project_id: "projectId",
  ramdisk_id: null,
  root_device_name: null,
  task_state: "taskState",
  terminated_at: "deletedAt",
  updated_at: "updatedAt",
  user_id: "userId",
  uuid: "id",
  vm_state: "vmState",
};

/** Nova's SERVER_LIST_IGNORE_SORT_KEY: accepted and ignored below 2.75, 400 from 2.75. */
const IGNORED_SORT_KEYS: readonly string[] = [
  "architecture", "cell_name", "cleaned", "default_ephemeral_device", "default_swap_device", "deleted", "deleted_at",
  "disable_terminate", "ephemeral_gb", "ephemeral_key_uuid", "id", "key_data", "launched_on", "locked", "memory_mb",
  "os_type", "reservation_id", "root_gb", "shutdown_terminate", "user_data", "vcpus", "vm_mode",
];

const LOCKED_SORT_FROM = 73;
const STRICT_QUERY_FROM = 75;
const ADMIN_SORT_KEYS = new Set(["host", "node"]);

function ignoredAt(microversion: number): Set<string> {
  if (microversion >= STRICT_QUERY_FROM) return new Set();
  return new Set(IGNORED_SORT_KEYS.filter((key) => key !== "locked" || microversion < LOCKED_SORT_FROM));
}

function columnOf(key: string): ServerSortKey | null {
  return key === "locked" ? "locked" : (SORT_KEYS[key] ?? null);
}

function validKey(key: string, microversion: number): boolean {
  return key in SORT_KEYS || ignoredAt(microversion).has(key) || (key === "locked" && microversion >= LOCKED_SORT_FROM);
}

export type QueryValues = string | readonly string[] | undefined;

export function valuesOf(raw: QueryValues): string[] {
  return raw === undefined ? [] : typeof raw === "string" ? [raw] : [...raw];
}

/** The last of a repeated parameter, as Nova reads one (webob's MultiDict). */
export function lastOf(raw: QueryValues): string | undefined {
  return valuesOf(raw).at(-1);
}

/** The order a list asks for, with Nova's defaults (created_at desc) and its (created_at, id) tie-breakers. */
export function serverSort(sortKeys: QueryValues, sortDirs: QueryValues, microversion: number, admin: boolean): ServerSort[] {
  const keys = valuesOf(sortKeys).map((key) => key.trim());
  const dirs = valuesOf(sortDirs).map((dir) => dir.trim());
  for (const key of keys) {
    if (!validKey(key, microversion)) {
      throw new BadRequestError(`Invalid input for query parameters sort_key. Value: ${key.slice(0, 64)}. '${key.slice(0, 64)}' is not one of the valid sort keys.`);
    }
  }
  if (keys.length === 0) keys.push("created_at");
  if (dirs.length === 0) dirs.push("desc");
  const ignored = ignoredAt(microversion);
  // remove_invalid_sort_keys: an ignored key goes with the direction at its place, if there is one.
  for (let index = 0; index < keys.length; ) {
    const key = keys[index] ?? "";
    if (ignored.has(key)) {
      if (dirs.length > index) dirs.splice(index, 1);
      keys.splice(index, 1);
      continue;
    }
    if (ADMIN_SORT_KEYS.has(key) && !admin) throw new ForbiddenError(`Only administrators can sort servers by ${key}`);
    index += 1;
  }
  // process_sort_params(default_dir='desc').
  const fallback = dirs[0] ?? "desc";
  for (const dir of dirs) {
    if (dir !== "asc" && dir !== "desc") throw new BadRequestError("Invalid input received: Unknown sort direction, must be 'desc' or 'asc'");
  }
  if (dirs.length > keys.length) throw new BadRequestError("Invalid input received: Sort direction size exceeds sort key size");
  while (dirs.length < keys.length) dirs.push(fallback);
  const order = keys.map((key, index) => ({ key, direction: dirs[index] === "asc" ? ("asc" as const) : ("desc" as const) }));
  for (const key of ["created_at", "id"]) {
    if (!keys.includes(key)) order.push({ key, direction: fallback === "asc" ? "asc" : "desc" });
  }
  const sort: ServerSort[] = [];
  for (const { key, direction } of order) {
    // Nova's internal `id` tie-breaker is our uuid.
    const column = key === "id" ? "id" : columnOf(key);
    if (column !== null && !sort.some((entry) => entry.key === column)) sort.push({ key: column, direction });
  }
  return sort;
}

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** An ISO 8601 date-time as oslo's parse_isotime reads it (no zone: UTC), canonical; undefined when it is not one. */
export function isoInstant(text: string): string | undefined {
  const match = ISO_8601.exec(text.trim());
  if (match === null) return undefined;
  const [, year, month, day, hour = "0", minute = "0", second = "0", fraction = "", zone = "Z"] = match;
  const parts = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const [y, mo, d, h, mi, s] = parts;
  const ms = Number(fraction.padEnd(3, "0").slice(0, 3));
  const utc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(utc);
  // Date.UTC rolls 2026-02-31 over to March: a rolled date is not a date.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== "Z") {
    const digits = zone.slice(1).replace(":", "");
    const zoneHours = Number(digits.slice(0, 2));
    const zoneMinutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (zoneHours > 23 || zoneMinutes > 59) return undefined;
    offsetMinutes = (zone.startsWith("-") ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
  }
  const instant = new Date(utc - offsetMinutes * 60_000);
  return Number.isNaN(instant.getTime()) ? undefined : instant.toISOString();
}

const CHANGES_BEFORE_FROM = 66;

/** changes-since / changes-before (2.66) as canonical instants; 400 for a value that is not ISO 8601 or an empty window. */
export function changesWindow(since: QueryValues, before: QueryValues, microversion: number): { changedSince?: string; changedBefore?: string } {
  const parse = (name: string, raw: QueryValues): string | undefined => {
    const text = lastOf(raw);
    if (text === undefined) return undefined;
    const instant = isoInstant(text);
    if (instant === undefined) throw new BadRequestError(`Invalid input for query parameters ${name}. Value: ${text.slice(0, 64)}. '${text.slice(0, 64)}' is not a 'date-time'`);
    return instant;
  };
  const changedSince = parse("changes-since", since);
  const changedBefore = microversion >= CHANGES_BEFORE_FROM ? parse("changes-before", before) : undefined;
  if (changedSince !== undefined && changedBefore !== undefined && changedBefore < changedSince) {
    throw new BadRequestError("The value of changes-since must be less than or equal to changes-before.");
  }
  return { ...(changedSince === undefined ? {} : { changedSince }), ...(changedBefore === undefined ? {} : { changedBefore }) };
}
