// Row <-> record, for every table, and the checks on both directions.
//
// Rows are camelCase (CamelCasePlugin maps the snake_case columns, see
// case.ts), so a row already has its record's keys; what is left to map by
// hand is what the plugin cannot know: JSON text columns, the 0/1 boolean and
// PostgreSQL's BIGINT-as-string. Every row read back goes through its record
// schema (CorruptRecordError if it does not fit); every record written goes
// through it first (TypeError), so nothing we write can later read back as corrupt.

import type { Insertable, Selectable, Updateable } from "kysely";
import { z } from "zod";
import type * as records from "../records.js";
import type * as tables from "../schema.js";
import { CorruptRecordError, type ServerPatch } from "../store.js";
import { SecretBoxError, type SecretBox } from "../secret-box.js";
import { SECRET_TASK_PARAMS, UNREADABLE_SECRETS_PARAM } from "../task-params.js";
import { camelCase } from "./case.js";
import {
  actionEventSchema,
  actionSchema,
  applicationCredentialSchema,
  flavorSchema,
  imageSchema,
  isoTime,
  keypairSchema,
  projectSchema,
  serverGroupSchema,
  serverSchema,
  taskSchema,
  tokenSchema,
  userSchema,
  workerSchema,
} from "./record-schemas.js";

/** The tables' SQL names, as CorruptRecordError names them. */
export type TableName =
  | "projects"
  | "users"
  | "tokens"
  | "application_credentials"
  | "flavors"
  | "images"
  | "keypairs"
  | "servers"
  | "actions"
  | "action_events"
  | "tasks"
  | "workers"
  | "server_groups"
  | "networks"
  | "subnets"
  | "ports"
  | "volumes";

// ---------------------------------------------------------------------------
// Checks.

/** Write side: the caller handed us something its type promises but it is not. */
export function checkInput<T>(what: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new TypeError(`invalid ${what}: ${z.prettifyError(result.error)}`);
  return result.data;
}

export function checkTime(what: string, value: string): string {
  return checkInput(what, isoTime, value);
}

/** Read side: the row in the database does not fit its record type. */
export function checkRow<T>(table: TableName, id: unknown, schema: z.ZodType<T>, candidate: unknown): T {
  const result = schema.safeParse(candidate);
  if (!result.success) {
    throw new CorruptRecordError(
      `${table} row ${JSON.stringify(id)} does not match its schema: ${z.prettifyError(result.error)}`,
    );
  }
  return result.data;
}

// ---------------------------------------------------------------------------
// Column encodings.

/** Parses a JSON column; non-strings (NULL included) pass through for the schema to judge. */
function fromJson(table: TableName, id: unknown, column: string, value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch (error: unknown) {
    if (!(error instanceof SyntaxError)) throw error;
    // No `cause`: V8's SyntaxError quotes the column's text, which must not reach logs.
    throw new CorruptRecordError(`${table} row ${JSON.stringify(id)}: column ${column} is not valid JSON`);
  }
}

/** `row` with each of `columns` parsed from its JSON text. */
export function parseJsonColumns<Row extends { id: unknown }>(
  table: TableName,
  row: Row,
  columns: readonly (keyof Row & string)[],
): Record<string, unknown> {
  const parsed: Record<string, unknown> = { ...row };
  for (const column of columns) parsed[column] = fromJson(table, row.id, camelCase.column(column), row[column]);
  return parsed;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** 0/1 → boolean; anything else passes through for the schema to reject. */
export function fromIntBool(value: unknown): unknown {
  if (value === 0) return false;
  if (value === 1) return true;
  return value;
}

/** PostgreSQL returns BIGINT and COUNT(*) as strings. */
export function fromBigint(value: unknown): unknown {
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  if (typeof value === "bigint") return Number(value);
  return value;
}

// ---------------------------------------------------------------------------
// Tables whose columns are the record's fields one to one.

function plainFromRow<T>(table: TableName, schema: z.ZodType<T>): (row: { id: unknown }) => T {
  return (row) => checkRow(table, row.id, schema, row);
}

// The toRow functions of these tables return the record itself: the type
// annotation is the proof that the record already is the row.
export const projectFromRow: (row: Selectable<tables.ProjectsTable>) => records.ProjectRecord = plainFromRow("projects", projectSchema);
export const projectToRow = (record: records.ProjectRecord): Insertable<tables.ProjectsTable> => record;

export const userFromRow: (row: Selectable<tables.UsersTable>) => records.UserRecord = plainFromRow("users", userSchema);
export const userToRow = (record: records.UserRecord): Insertable<tables.UsersTable> => record;

export const keypairFromRow: (row: Selectable<tables.KeypairsTable>) => records.KeypairRecord = plainFromRow("keypairs", keypairSchema);
export const keypairToRow = (record: records.KeypairRecord): Insertable<tables.KeypairsTable> => record;

export const actionFromRow: (row: Selectable<tables.ActionsTable>) => records.ActionRecord = plainFromRow("actions", actionSchema);
export const actionToRow = (record: records.ActionRecord): Insertable<tables.ActionsTable> => record;

export const actionEventFromRow: (row: Selectable<tables.ActionEventsTable>) => records.ActionEventRecord = plainFromRow(
  "action_events",
  actionEventSchema,
);
export const actionEventToRow = (record: records.ActionEventRecord): Insertable<tables.ActionEventsTable> => record;

export const serverGroupFromRow: (row: Selectable<tables.ServerGroupsTable>) => records.ServerGroupRecord = plainFromRow(
  "server_groups",
  serverGroupSchema,
);
export const serverGroupToRow = (record: records.ServerGroupRecord): Insertable<tables.ServerGroupsTable> => record;

export const workerFromRow: (row: Selectable<tables.WorkersTable>) => records.WorkerRecord = plainFromRow("workers", workerSchema);
export const workerToRow = (record: records.WorkerRecord): Insertable<tables.WorkersTable> => record;

// ---------------------------------------------------------------------------
// Tables with encoded columns.

/** A flavor row and its extra-spec rows (flavor_extra_specs) → the record. */
export function flavorFromRow(row: Selectable<tables.FlavorsTable>, specs: ReadonlyArray<Pick<tables.FlavorExtraSpecsTable, "key" | "value">>): records.FlavorRecord {
  return checkRow("flavors", row.id, flavorSchema, {
    ...row,
    extraSpecs: Object.fromEntries(specs.map((spec) => [spec.key, spec.value])),
    isPublic: fromIntBool(row.isPublic),
  });
}

/** The flavor's own row; its extra specs are rows of flavor_extra_specs (kysely/flavors.ts). */
export function flavorToRow(record: records.FlavorRecord): Insertable<tables.FlavorsTable> {
  const { extraSpecs: _specs, ...row } = record;
  return { ...row, isPublic: record.isPublic ? 1 : 0 };
}

export function tokenFromRow(row: Selectable<tables.TokensTable>): records.TokenRecord {
  return checkRow("tokens", row.id, tokenSchema, parseJsonColumns("tokens", row, ["methods"]));
}

export function tokenToRow(record: records.TokenRecord): Insertable<tables.TokensTable> {
  return { ...record, methods: toJson(record.methods) };
}

export function applicationCredentialFromRow(row: Selectable<tables.ApplicationCredentialsTable>): records.ApplicationCredentialRecord {
  return checkRow("application_credentials", row.id, applicationCredentialSchema, {
    ...parseJsonColumns("application_credentials", row, ["roles"]),
    unrestricted: fromIntBool(row.unrestricted),
  });
}

export function applicationCredentialToRow(record: records.ApplicationCredentialRecord): Insertable<tables.ApplicationCredentialsTable> {
  return { ...record, roles: toJson(record.roles), unrestricted: record.unrestricted ? 1 : 0 };
}

export function imageFromRow(row: Selectable<tables.ImagesTable>): records.ImageRecord {
  return checkRow("images", row.id, imageSchema, {
    ...parseJsonColumns("images", row, ["properties"]),
    sizeBytes: fromBigint(row.sizeBytes),
  });
}

export function imageToRow(record: records.ImageRecord): Insertable<tables.ImagesTable> {
  return { ...record, properties: toJson(record.properties) };
}

/** A server's user data is sealed at rest (a secret by S8), bound to its server. */
export const userDataContext = (serverId: string): string => `server ${serverId} user_data`;

export function serverFromRow(row: Selectable<tables.ServersTable>, secrets: SecretBox): records.ServerRecord {
  const { accessIpv4, accessIpv6, ...rest } = row;
  return checkRow("servers", row.id, serverSchema, {
    ...parseJsonColumns("servers", rest, ["networks", "blockDevices", "metadata", "fault"]),
    userData: openUserData(row.id, row.userData, secrets),
    locked: fromIntBool(row.locked),
    accessIPv4: accessIpv4,
    accessIPv6: accessIpv6,
    launchIndex: Number(fromBigint(row.launchIndex)),
  });
}

/**
 * User data that does not open with this key reads as none rather than failing
 * every read of the server: the server stays listable, but its next config drive
 * (a rebuild) goes without it, and nothing says so yet.
 */
function openUserData(serverId: string, stored: string | null, secrets: SecretBox): string | null {
  if (stored === null) return null;
  try {
    return secrets.open(stored, userDataContext(serverId));
  } catch (error: unknown) {
    if (error instanceof SecretBoxError) return null;
    throw error;
  }
}

export function serverToRow(record: records.ServerRecord, secrets: SecretBox): Insertable<tables.ServersTable> {
  const { accessIPv4, accessIPv6, ...rest } = record;
  return {
    ...rest,
    userData: record.userData === null ? null : secrets.seal(record.userData, userDataContext(record.id)),
    accessIpv4: accessIPv4,
    accessIpv6: accessIPv6,
    networks: toJson(record.networks),
    blockDevices: toJson(record.blockDevices),
    metadata: toJson(record.metadata),
    fault: record.fault === null ? null : toJson(record.fault),
    locked: record.locked ? 1 : 0,
  };
}

/** The columns a (checked) patch writes; absent fields stay absent (Kysely skips undefined). */
export function serverPatchToRow(serverId: string, patch: ServerPatch, secrets: SecretBox): Updateable<tables.ServersTable> {
  const { fault, metadata, locked, networks, accessIPv4, accessIPv6, userData, ...plain } = patch;
  return {
    ...plain,
    ...(userData === undefined ? {} : { userData: userData === null ? null : secrets.seal(userData, userDataContext(serverId)) }),
    ...(accessIPv4 === undefined ? {} : { accessIpv4: accessIPv4 }),
    ...(accessIPv6 === undefined ? {} : { accessIpv6: accessIPv6 }),
    ...(networks === undefined ? {} : { networks: toJson(networks) }),
    ...(locked === undefined ? {} : { locked: locked ? 1 : 0 }),
    ...(fault === undefined ? {} : { fault: fault === null ? null : toJson(fault) }),
    ...(metadata === undefined ? {} : { metadata: toJson(metadata) }),
  };
}

/** The task's secret parameters sealed (`seal`) or opened (`open`), each bound to its task and key. */
/** What a sealed secret is bound to (SecretBox's context): its own row and key. */
export const taskSecretContext = (taskId: string, key: string): string => `task ${taskId} ${key}`;
export const chapSecretContext = (volumeId: string): string => `volume ${volumeId} CHAP secret`;

/**
 * The task's secret parameters sealed (`seal`) or opened (`open`), each bound to
 * its task and key. One that does not open (another key) is left out and named
 * in UNREADABLE_SECRETS_PARAM, so the row still reads — a lease must never fail
 * on it — and the runner fails that one task with the reason.
 */
function withTaskSecrets(taskId: string, params: Readonly<Record<string, unknown>>, secrets: SecretBox, way: "seal" | "open"): Record<string, unknown> {
  const out: Record<string, unknown> = { ...params };
  const unreadable: string[] = [];
  for (const key of SECRET_TASK_PARAMS) {
    const value = out[key];
    if (typeof value !== "string") continue;
    if (way === "seal") {
      out[key] = secrets.seal(value, taskSecretContext(taskId, key));
      continue;
    }
    try {
      out[key] = secrets.open(value, taskSecretContext(taskId, key));
    } catch (error: unknown) {
      if (!(error instanceof SecretBoxError)) throw error;
      Reflect.deleteProperty(out, key);
      unreadable.push(key);
    }
  }
  if (unreadable.length > 0) out[UNREADABLE_SECRETS_PARAM] = unreadable;
  return out;
}

export function taskFromRow(row: Selectable<tables.TasksTable>, secrets: SecretBox): records.TaskRecord {
  const parsed = parseJsonColumns("tasks", row, ["params"]);
  const params = parsed["params"];
  // Opened before the schema check, which then sees the row as its record.
  const opened = typeof params === "object" && params !== null && !Array.isArray(params) ? withTaskSecrets(row.id, params as Record<string, unknown>, secrets, "open") : params;
  return checkRow("tasks", row.id, taskSchema, { ...parsed, params: opened });
}

export function taskToRow(record: records.TaskRecord, secrets: SecretBox): Insertable<tables.TasksTable> {
  return { ...record, params: toJson(withTaskSecrets(record.id, record.params, secrets, "seal")) };
}
