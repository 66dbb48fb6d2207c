// The one implementation of `Store`, over Kysely, shared by SQLite and PostgreSQL.
//
// - Every row read back is checked against its record schema (zod); a row that
//   does not fit (garbage JSON, an unknown state, a missing value) throws
//   CorruptRecordError naming the table and the row id, never a half-typed record.
// - Records written are checked against the same schemas (a plain TypeError if
//   not), so nothing we write can later read back as "corrupt"; in particular
//   times must be canonical ISO-8601 UTC with milliseconds, which is what keeps
//   string comparison of times chronological.
// - Unique violations become DuplicateError, except the partial index
//   "one active task per server", which becomes ServerBusyError.
// - Concurrency (see store.ts): enqueue relies on the unique partial index;
//   servers.update with `expect` is one UPDATE … WHERE state matches … RETURNING;
//   tasks.lease is one UPDATE … WHERE id = (oldest leasable) RETURNING, with
//   FOR UPDATE SKIP LOCKED on PostgreSQL and inside BEGIN IMMEDIATE on SQLite.
// - Lists are ordered by (created_at, id); a `marker` means "after the record with
//   this id" in that order. An unknown marker yields an empty page (the subquery
//   finds no row, so the row comparison is NULL).

import { Migrator, sql, type CompiledQuery, type Expression, type Kysely, type Selectable, type SqlBool } from "kysely";
import { z } from "zod";
import type {
  ActionEventRecord,
  ActionRecord,
  FlavorRecord,
  ImageRecord,
  KeypairRecord,
  ProjectRecord,
  ServerRecord,
  TaskRecord,
  TaskStatus,
  UserRecord,
  WorkerRecord,
} from "./records.js";
import { keptTaskParamsSchema, taskKindParamsSchema } from "./task-params.js";
import {
  ACTIVE_TASK_INDEX,
  migrationProvider,
  type ActionEventsTable,
  type ActionsTable,
  type Database,
  type FlavorsTable,
  type ImagesTable,
  type KeypairsTable,
  type ProjectsTable,
  type ServersTable,
  type TasksTable,
  type UsersTable,
  type WorkersTable,
} from "./schema.js";
import {
  CorruptRecordError,
  DuplicateError,
  LeaseLostError,
  ServerBusyError,
  StaleStateError,
  type Page,
  type ServerFilter,
  type ServerPatch,
  type Store,
} from "./store.js";

// ---------------------------------------------------------------------------
// Record schemas (camelCase, the records' own shape), used on write and read.

const isoTime = z.iso.datetime({ precision: 3 });
const count = z.number().int().nonnegative();
const stringMap = z.record(z.string(), z.string());

const projectSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  createdAt: isoTime,
}) satisfies z.ZodType<ProjectRecord>;

const userSchema = z.object({
  id: z.string(),
  name: z.string(),
  passwordHash: z.string(),
  projectId: z.string(),
  role: z.enum(["admin", "member", "reader", "service"]),
  createdAt: isoTime,
}) satisfies z.ZodType<UserRecord>;

const flavorSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  resourceClass: z.string(),
  requiredTraits: z.array(z.string()),
  forbiddenTraits: z.array(z.string()),
  capabilities: stringMap,
  vcpus: count,
  ramMb: count,
  diskGb: count,
  ephemeralGb: count,
  swapMb: count,
  isPublic: z.boolean(),
  createdAt: isoTime,
}) satisfies z.ZodType<FlavorRecord>;

const imageSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  checksum: z.string().nullable(),
  osHashAlgo: z.string().nullable(),
  osHashValue: z.string().nullable(),
  diskFormat: z.string(),
  visibility: z.enum(["public", "private"]),
  ownerProjectId: z.string().nullable(),
  sizeBytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullable(),
  properties: stringMap,
  createdAt: isoTime,
  updatedAt: isoTime,
}) satisfies z.ZodType<ImageRecord>;

const keypairSchema = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  type: z.enum(["ssh", "x509"]),
  publicKey: z.string(),
  fingerprint: z.string(),
  createdAt: isoTime,
}) satisfies z.ZodType<KeypairRecord>;

const vmStateSchema = z.enum(["building", "active", "stopped", "rescued", "error", "deleted"]);
const taskStateSchema = z.enum([
  "scheduling",
  "spawning",
  "deleting",
  "rebooting",
  "rebooting_hard",
  "powering-off",
  "powering-on",
  "rebuilding",
  "rescuing",
  "unrescuing",
]);

const serverSchema = z.object({
  id: z.string(),
  name: z.string(),
  hostname: z.string(),
  projectId: z.string(),
  userId: z.string(),
  flavorId: z.string(),
  imageId: z.string().nullable(),
  keyName: z.string().nullable(),
  nodeUuid: z.string().nullable(),
  vmState: vmStateSchema,
  taskState: taskStateSchema.nullable(),
  powerState: z.enum(["running", "shutdown", "crashed", "nostate"]),
  progress: z.number().int().min(0).max(100),
  networks: z.object({
    kind: z.enum(["none", "auto", "list"]),
    vifs: z.array(
      z.object({ networkId: z.string(), fixedIp: z.string().optional(), portId: z.string().optional() }),
    ),
  }),
  metadata: stringMap,
  userData: z.string().nullable(),
  availabilityZone: z.string(),
  fault: z.object({ code: z.number().int(), message: z.string(), details: z.string().optional(), created: isoTime }).nullable(),
  launchedAt: isoTime.nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
  deletedAt: isoTime.nullable(),
}) satisfies z.ZodType<ServerRecord>;

const serverPatchSchema = serverSchema
  .pick({
    name: true,
    nodeUuid: true,
    vmState: true,
    taskState: true,
    powerState: true,
    progress: true,
    fault: true,
    launchedAt: true,
    imageId: true,
    deletedAt: true,
    metadata: true,
    userData: true,
  })
  .partial() satisfies z.ZodType<ServerPatch>;

const actionSchema = z.object({
  id: z.string(),
  serverId: z.string(),
  projectId: z.string(),
  userId: z.string(),
  action: z.string(),
  requestId: z.string(),
  message: z.string().nullable(),
  startTime: isoTime,
  finishTime: isoTime.nullable(),
}) satisfies z.ZodType<ActionRecord>;

const eventResultSchema = z.enum(["Success", "Error"]);

const actionEventSchema = z.object({
  id: z.string(),
  actionId: z.string(),
  event: z.string(),
  startTime: isoTime,
  finishTime: isoTime.nullable(),
  result: eventResultSchema.nullable(),
  details: z.string().nullable(),
  traceback: z.string().nullable(),
}) satisfies z.ZodType<ActionEventRecord>;

const taskSchema = z.object({
  id: z.string(),
  serverId: z.string(),
  status: z.enum(["pending", "running", "done", "failed"]),
  leaseOwner: z.string().nullable(),
  leaseExpiresAt: isoTime.nullable(),
  attempts: count,
  lastError: z.string().nullable(),
  actionId: z.string(),
  createdAt: isoTime,
  updatedAt: isoTime,
}).and(taskKindParamsSchema) satisfies z.ZodType<TaskRecord>;

const workerSchema = z.object({
  id: z.string(),
  startedAt: isoTime,
  heartbeatAt: isoTime,
}) satisfies z.ZodType<WorkerRecord>;

// ---------------------------------------------------------------------------
// Validation helpers.

/** Write side: the caller handed us something its type promises but it is not. */
function checkInput<T>(what: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new TypeError(`invalid ${what}: ${z.prettifyError(result.error)}`);
  return result.data;
}

function checkTime(what: string, value: string): string {
  return checkInput(what, isoTime, value);
}

/** Read side: the row in the database does not fit its record type. */
function checkRow<T>(table: keyof Database, id: unknown, schema: z.ZodType<T>, candidate: unknown): T {
  const result = schema.safeParse(candidate);
  if (!result.success) {
    throw new CorruptRecordError(
      `${table} row ${JSON.stringify(id)} does not match its schema: ${z.prettifyError(result.error)}`,
    );
  }
  return result.data;
}

/** Parses a JSON column; non-strings pass through for the schema to reject. */
function fromJson(table: keyof Database, id: unknown, column: string, value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch (error: unknown) {
    if (!(error instanceof SyntaxError)) throw error;
    // No `cause`: V8's SyntaxError quotes the column's text, which must not reach logs.
    throw new CorruptRecordError(`${table} row ${JSON.stringify(id)}: column ${column} is not valid JSON`);
  }
}

function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** 0/1 → boolean; anything else passes through for the schema to reject. */
function fromIntBool(value: unknown): unknown {
  if (value === 0) return false;
  if (value === 1) return true;
  return value;
}

/** PostgreSQL returns BIGINT and COUNT(*) as strings. */
function fromBigint(value: unknown): unknown {
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  if (typeof value === "bigint") return Number(value);
  return value;
}

function checkPage(page: Page | undefined): void {
  const limit = page?.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new RangeError(`limit must be a non-negative integer, got ${String(limit)}`);
  }
}

function addMs(time: string, ms: number): string {
  return new Date(Date.parse(time) + ms).toISOString();
}

function checkLeaseMs(leaseMs: number): void {
  if (!Number.isInteger(leaseMs) || leaseMs <= 0) {
    throw new RangeError(`leaseMs must be a positive integer, got ${String(leaseMs)}`);
  }
}

// ---------------------------------------------------------------------------
// Row <-> record.

function projectFromRow(row: Selectable<ProjectsTable>): ProjectRecord {
  return checkRow("projects", row.id, projectSchema, {
    id: row.id,
    name: row.name,
    description: row.description,
    createdAt: row.created_at,
  });
}

function userFromRow(row: Selectable<UsersTable>): UserRecord {
  return checkRow("users", row.id, userSchema, {
    id: row.id,
    name: row.name,
    passwordHash: row.password_hash,
    projectId: row.project_id,
    role: row.role,
    createdAt: row.created_at,
  });
}

function flavorFromRow(row: Selectable<FlavorsTable>): FlavorRecord {
  const json = (column: string, value: unknown): unknown => fromJson("flavors", row.id, column, value);
  return checkRow("flavors", row.id, flavorSchema, {
    id: row.id,
    name: row.name,
    description: row.description,
    resourceClass: row.resource_class,
    requiredTraits: json("required_traits", row.required_traits),
    forbiddenTraits: json("forbidden_traits", row.forbidden_traits),
    capabilities: json("capabilities", row.capabilities),
    vcpus: row.vcpus,
    ramMb: row.ram_mb,
    diskGb: row.disk_gb,
    ephemeralGb: row.ephemeral_gb,
    swapMb: row.swap_mb,
    isPublic: fromIntBool(row.is_public),
    createdAt: row.created_at,
  });
}

function imageFromRow(row: Selectable<ImagesTable>): ImageRecord {
  return checkRow("images", row.id, imageSchema, {
    id: row.id,
    name: row.name,
    url: row.url,
    checksum: row.checksum,
    osHashAlgo: row.os_hash_algo,
    osHashValue: row.os_hash_value,
    diskFormat: row.disk_format,
    visibility: row.visibility,
    ownerProjectId: row.owner_project_id,
    sizeBytes: fromBigint(row.size_bytes),
    properties: fromJson("images", row.id, "properties", row.properties),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

function keypairFromRow(row: Selectable<KeypairsTable>): KeypairRecord {
  return checkRow("keypairs", row.id, keypairSchema, {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    type: row.type,
    publicKey: row.public_key,
    fingerprint: row.fingerprint,
    createdAt: row.created_at,
  });
}

function serverFromRow(row: Selectable<ServersTable>): ServerRecord {
  const json = (column: string, value: unknown): unknown => fromJson("servers", row.id, column, value);
  return checkRow("servers", row.id, serverSchema, {
    id: row.id,
    name: row.name,
    hostname: row.hostname,
    projectId: row.project_id,
    userId: row.user_id,
    flavorId: row.flavor_id,
    imageId: row.image_id,
    keyName: row.key_name,
    nodeUuid: row.node_uuid,
    vmState: row.vm_state,
    taskState: row.task_state,
    powerState: row.power_state,
    progress: row.progress,
    networks: json("networks", row.networks),
    metadata: json("metadata", row.metadata),
    userData: row.user_data,
    availabilityZone: row.availability_zone,
    fault: row.fault === null ? null : json("fault", row.fault),
    launchedAt: row.launched_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  });
}

function actionToRow(r: ActionRecord) {
  return {
    id: r.id,
    server_id: r.serverId,
    project_id: r.projectId,
    user_id: r.userId,
    action: r.action,
    request_id: r.requestId,
    message: r.message,
    start_time: r.startTime,
    finish_time: r.finishTime,
  };
}

function taskToRow(r: TaskRecord) {
  return {
    id: r.id,
    server_id: r.serverId,
    kind: r.kind,
    params: toJson(r.params),
    status: r.status,
    lease_owner: r.leaseOwner,
    lease_expires_at: r.leaseExpiresAt,
    attempts: r.attempts,
    last_error: r.lastError,
    action_id: r.actionId,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

/** The typed error for a failed task insert. */
function taskInsertError(r: TaskRecord, error: unknown): unknown {
  if (isActiveTaskViolation(error)) {
    return new ServerBusyError(`server ${r.serverId} already has an operation in progress`, { cause: error });
  }
  if (isUniqueViolation(error)) return new DuplicateError(`task ${r.id} already exists`, { cause: error });
  return error;
}

function serverToRow(record: ServerRecord): ServersTable {
  return {
    id: record.id,
    name: record.name,
    hostname: record.hostname,
    project_id: record.projectId,
    user_id: record.userId,
    flavor_id: record.flavorId,
    image_id: record.imageId,
    key_name: record.keyName,
    node_uuid: record.nodeUuid,
    vm_state: record.vmState,
    task_state: record.taskState,
    power_state: record.powerState,
    progress: record.progress,
    networks: toJson(record.networks),
    metadata: toJson(record.metadata),
    user_data: record.userData,
    availability_zone: record.availabilityZone,
    fault: record.fault === null ? null : toJson(record.fault),
    launched_at: record.launchedAt,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    deleted_at: record.deletedAt,
  };
}

function actionFromRow(row: Selectable<ActionsTable>): ActionRecord {
  return checkRow("actions", row.id, actionSchema, {
    id: row.id,
    serverId: row.server_id,
    projectId: row.project_id,
    userId: row.user_id,
    action: row.action,
    requestId: row.request_id,
    message: row.message,
    startTime: row.start_time,
    finishTime: row.finish_time,
  });
}

function actionEventFromRow(row: Selectable<ActionEventsTable>): ActionEventRecord {
  return checkRow("action_events", row.id, actionEventSchema, {
    id: row.id,
    actionId: row.action_id,
    event: row.event,
    startTime: row.start_time,
    finishTime: row.finish_time,
    result: row.result,
    details: row.details,
    traceback: row.traceback,
  });
}

function taskFromRow(row: Selectable<TasksTable>): TaskRecord {
  return checkRow("tasks", row.id, taskSchema, {
    id: row.id,
    serverId: row.server_id,
    kind: row.kind,
    params: fromJson("tasks", row.id, "params", row.params),
    status: row.status,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    attempts: row.attempts,
    lastError: row.last_error,
    actionId: row.action_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

function workerFromRow(row: Selectable<WorkersTable>): WorkerRecord {
  return checkRow("workers", row.id, workerSchema, {
    id: row.id,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
  });
}

// ---------------------------------------------------------------------------
// Database errors.

function errorField(error: unknown, field: "code" | "constraint" | "message"): string | undefined {
  if (typeof error !== "object" || error === null || !(field in error)) return undefined;
  const value: unknown = (error as Record<string, unknown>)[field];
  return typeof value === "string" ? value : undefined;
}

/** SQLite (better-sqlite3 SqliteError) or PostgreSQL (pg DatabaseError, 23505). */
function isUniqueViolation(error: unknown): boolean {
  const code = errorField(error, "code");
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "23505";
}

/** The violated index is the "one active task per server" one. SQLite names the
 * columns ("UNIQUE constraint failed: tasks.server_id"), PostgreSQL the index. */
function isActiveTaskViolation(error: unknown): boolean {
  if (!isUniqueViolation(error)) return false;
  if (errorField(error, "code") === "23505") return errorField(error, "constraint") === ACTIVE_TASK_INDEX;
  return errorField(error, "message")?.includes("tasks.server_id") === true;
}

async function mapDuplicate<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error: unknown) {
    if (isUniqueViolation(error)) throw new DuplicateError(`${what} already exists`, { cause: error });
    throw error;
  }
}

function affected(count: bigint | undefined): boolean {
  return count !== undefined && count > 0n;
}

// ---------------------------------------------------------------------------

export type KyselyStoreOptions =
  | { kind: "postgres" }
  | {
      kind: "sqlite";
      /**
       * Runs compiled statements inside one BEGIN IMMEDIATE … COMMIT, synchronously
       * on the SQLite handle, and returns the last one's rows. Synchronous on purpose: an
       * async transaction would hold the file's write lock across awaits, and a
       * second Store on the same file in this process would then block the event
       * loop in SQLite's busy handler while the holder cannot proceed.
       */
      runImmediate: (queries: readonly CompiledQuery[]) => unknown[];
    };

export class KyselyStore implements Store {
  readonly kind: "sqlite" | "postgres";
  readonly #db: Kysely<Database>;
  readonly #options: KyselyStoreOptions;
  #closed = false;

  constructor(db: Kysely<Database>, options: KyselyStoreOptions) {
    this.#db = db;
    this.#options = options;
    this.kind = options.kind;
  }

  /** Runs `statements` as one transaction: all of them or none. */
  async #atomically(statements: CompiledQuery[]): Promise<void> {
    const options = this.#options;
    if (options.kind === "sqlite") {
      // As in tasks.lease: hold Kysely's connection, run BEGIN IMMEDIATE … COMMIT synchronously.
      await this.#db.connection().execute(() => Promise.resolve(options.runImmediate(statements)));
      return;
    }
    await this.#db.transaction().execute(async (trx) => {
      for (const statement of statements) await trx.executeQuery(statement);
    });
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.#db, provider: migrationProvider });
    const { error, results } = await migrator.migrateToLatest();
    if (error !== undefined) {
      const failed = results?.find((result) => result.status === "Error")?.migrationName;
      throw new Error(`database migration${failed === undefined ? "" : ` ${failed}`} failed`, { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.destroy();
  }

  /** `(created_at, id) > (marker's)`, for the table being listed. */
  #afterMarker(table: "images" | "servers", marker: string): Expression<SqlBool> {
    return sql<SqlBool>`(created_at, id) > (SELECT m.created_at, m.id FROM ${sql.table(table)} AS m WHERE m.id = ${marker})`;
  }

  // -------------------------------------------------------------------------

  readonly projects: Store["projects"] = {
    create: async (record) => {
      const r = checkInput("ProjectRecord", projectSchema, record);
      await mapDuplicate(`project ${JSON.stringify(r.name)} (id ${r.id})`, () =>
        this.#db
          .insertInto("projects")
          .values({ id: r.id, name: r.name, description: r.description, created_at: r.createdAt })
          .execute(),
      );
    },
    get: async (id) => {
      const row = await this.#db.selectFrom("projects").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : projectFromRow(row);
    },
    getByName: async (name) => {
      const row = await this.#db.selectFrom("projects").selectAll().where("name", "=", name).executeTakeFirst();
      return row === undefined ? undefined : projectFromRow(row);
    },
    list: async () => {
      const rows = await this.#db.selectFrom("projects").selectAll().orderBy("created_at").orderBy("id").execute();
      return rows.map(projectFromRow);
    },
    delete: async (id) => {
      const result = await this.#db.deleteFrom("projects").where("id", "=", id).executeTakeFirst();
      return affected(result.numDeletedRows);
    },
  };

  readonly users: Store["users"] = {
    create: async (record) => {
      const r = checkInput("UserRecord", userSchema, record);
      await mapDuplicate(`user ${JSON.stringify(r.name)} (id ${r.id})`, () =>
        this.#db
          .insertInto("users")
          .values({
            id: r.id,
            name: r.name,
            password_hash: r.passwordHash,
            project_id: r.projectId,
            role: r.role,
            created_at: r.createdAt,
          })
          .execute(),
      );
    },
    get: async (id) => {
      const row = await this.#db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : userFromRow(row);
    },
    getByName: async (name) => {
      const row = await this.#db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
      return row === undefined ? undefined : userFromRow(row);
    },
    list: async (projectId) => {
      const rows = await this.#db
        .selectFrom("users")
        .selectAll()
        .$if(projectId !== undefined, (q) => q.where("project_id", "=", projectId ?? ""))
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(userFromRow);
    },
    setPasswordHash: async (id, passwordHash) => {
      const result = await this.#db
        .updateTable("users")
        .set({ password_hash: checkInput("passwordHash", z.string(), passwordHash) })
        .where("id", "=", id)
        .executeTakeFirst();
      return affected(result.numUpdatedRows);
    },
    delete: async (id) => {
      const result = await this.#db.deleteFrom("users").where("id", "=", id).executeTakeFirst();
      return affected(result.numDeletedRows);
    },
  };

  readonly flavors: Store["flavors"] = {
    create: async (record) => {
      const r = checkInput("FlavorRecord", flavorSchema, record);
      await mapDuplicate(`flavor ${JSON.stringify(r.name)} (id ${r.id})`, () =>
        this.#db
          .insertInto("flavors")
          .values({
            id: r.id,
            name: r.name,
            description: r.description,
            resource_class: r.resourceClass,
            required_traits: toJson(r.requiredTraits),
            forbidden_traits: toJson(r.forbiddenTraits),
            capabilities: toJson(r.capabilities),
            vcpus: r.vcpus,
            ram_mb: r.ramMb,
            disk_gb: r.diskGb,
            ephemeral_gb: r.ephemeralGb,
            swap_mb: r.swapMb,
            is_public: r.isPublic ? 1 : 0,
            created_at: r.createdAt,
          })
          .execute(),
      );
    },
    get: async (id) => {
      const row = await this.#db.selectFrom("flavors").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : flavorFromRow(row);
    },
    getByName: async (name) => {
      const row = await this.#db.selectFrom("flavors").selectAll().where("name", "=", name).executeTakeFirst();
      return row === undefined ? undefined : flavorFromRow(row);
    },
    list: async () => {
      const rows = await this.#db.selectFrom("flavors").selectAll().orderBy("created_at").orderBy("id").execute();
      return rows.map(flavorFromRow);
    },
    delete: async (id) => {
      const result = await this.#db.deleteFrom("flavors").where("id", "=", id).executeTakeFirst();
      return affected(result.numDeletedRows);
    },
  };

  readonly images: Store["images"] = {
    create: async (record) => {
      const r = checkInput("ImageRecord", imageSchema, record);
      await mapDuplicate(`image ${r.id}`, () =>
        this.#db
          .insertInto("images")
          .values({
            id: r.id,
            name: r.name,
            url: r.url,
            checksum: r.checksum,
            os_hash_algo: r.osHashAlgo,
            os_hash_value: r.osHashValue,
            disk_format: r.diskFormat,
            visibility: r.visibility,
            owner_project_id: r.ownerProjectId,
            size_bytes: r.sizeBytes,
            properties: toJson(r.properties),
            created_at: r.createdAt,
            updated_at: r.updatedAt,
          })
          .execute(),
      );
    },
    get: async (id) => {
      const row = await this.#db.selectFrom("images").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : imageFromRow(row);
    },
    list: async (page) => {
      checkPage(page);
      const { marker, limit, name } = page ?? {};
      const rows = await this.#db
        .selectFrom("images")
        .selectAll()
        .$if(name !== undefined, (q) => q.where("name", "=", name ?? ""))
        .$if(marker !== undefined, (q) => q.where(this.#afterMarker("images", marker ?? "")))
        .orderBy("created_at")
        .orderBy("id")
        .$if(limit !== undefined, (q) => q.limit(limit ?? 0))
        .execute();
      return rows.map(imageFromRow);
    },
    delete: async (id) => {
      const result = await this.#db.deleteFrom("images").where("id", "=", id).executeTakeFirst();
      return affected(result.numDeletedRows);
    },
  };

  readonly keypairs: Store["keypairs"] = {
    create: async (record) => {
      const r = checkInput("KeypairRecord", keypairSchema, record);
      await mapDuplicate(`keypair ${JSON.stringify(r.name)} of user ${r.userId} (id ${r.id})`, () =>
        this.#db
          .insertInto("keypairs")
          .values({
            id: r.id,
            user_id: r.userId,
            name: r.name,
            type: r.type,
            public_key: r.publicKey,
            fingerprint: r.fingerprint,
            created_at: r.createdAt,
          })
          .execute(),
      );
    },
    get: async (userId, name) => {
      const row = await this.#db
        .selectFrom("keypairs")
        .selectAll()
        .where("user_id", "=", userId)
        .where("name", "=", name)
        .executeTakeFirst();
      return row === undefined ? undefined : keypairFromRow(row);
    },
    list: async (userId) => {
      const rows = await this.#db
        .selectFrom("keypairs")
        .selectAll()
        .where("user_id", "=", userId)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(keypairFromRow);
    },
    delete: async (userId, name) => {
      const result = await this.#db
        .deleteFrom("keypairs")
        .where("user_id", "=", userId)
        .where("name", "=", name)
        .executeTakeFirst();
      return affected(result.numDeletedRows);
    },
  };

  readonly servers: Store["servers"] = {
    create: async (record) => {
      const r = checkInput("ServerRecord", serverSchema, record);
      await mapDuplicate(`server ${r.id}`, () => this.#db.insertInto("servers").values(serverToRow(r)).execute());
    },
    createWithTask: async (server, action, task) => {
      const s = checkInput("ServerRecord", serverSchema, server);
      const a = checkInput("ActionRecord", actionSchema, action);
      const t = checkInput("TaskRecord", taskSchema, task);
      const statements = [
        this.#db.insertInto("servers").values(serverToRow(s)),
        this.#db.insertInto("actions").values(actionToRow(a)),
        this.#db.insertInto("tasks").values(taskToRow(t)),
      ];
      try {
        await this.#atomically(statements.map((statement) => statement.compile()));
      } catch (error: unknown) {
        if (isActiveTaskViolation(error)) throw taskInsertError(t, error);
        if (isUniqueViolation(error)) throw new DuplicateError(`server ${s.id} or its action or task already exists`, { cause: error });
        throw error;
      }
    },
    total: async () => {
      const row = await this.#db
        .selectFrom("servers")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    get: async (id, options) => {
      const row = await this.#db
        .selectFrom("servers")
        .selectAll()
        .where("id", "=", id)
        .$if(options?.includeDeleted !== true, (q) => q.where("deleted_at", "is", null))
        .executeTakeFirst();
      return row === undefined ? undefined : serverFromRow(row);
    },
    list: async (filter?: ServerFilter) => {
      checkPage(filter);
      const { projectId, name, includeDeleted, marker, limit } = filter ?? {};
      const rows = await this.#db
        .selectFrom("servers")
        .selectAll()
        .$if(projectId !== undefined, (q) => q.where("project_id", "=", projectId ?? ""))
        .$if(name !== undefined, (q) => q.where("name", "=", name ?? ""))
        .$if(includeDeleted !== true, (q) => q.where("deleted_at", "is", null))
        .$if(marker !== undefined, (q) => q.where(this.#afterMarker("servers", marker ?? "")))
        .orderBy("created_at")
        .orderBy("id")
        .$if(limit !== undefined, (q) => q.limit(limit ?? 0))
        .execute();
      return rows.map(serverFromRow);
    },
    listWithNodes: async () => {
      const rows = await this.#db
        .selectFrom("servers")
        .selectAll()
        .where("node_uuid", "is not", null)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(serverFromRow);
    },
    update: async (id, patch, expect) => {
      const p = checkInput("ServerPatch", serverPatchSchema, patch);
      const values: Partial<ServersTable> = { updated_at: new Date().toISOString() };
      if (p.name !== undefined) values.name = p.name;
      if (p.nodeUuid !== undefined) values.node_uuid = p.nodeUuid;
      if (p.vmState !== undefined) values.vm_state = p.vmState;
      if (p.taskState !== undefined) values.task_state = p.taskState;
      if (p.powerState !== undefined) values.power_state = p.powerState;
      if (p.progress !== undefined) values.progress = p.progress;
      if (p.fault !== undefined) values.fault = p.fault === null ? null : toJson(p.fault);
      if (p.launchedAt !== undefined) values.launched_at = p.launchedAt;
      if (p.imageId !== undefined) values.image_id = p.imageId;
      if (p.deletedAt !== undefined) values.deleted_at = p.deletedAt;
      if (p.metadata !== undefined) values.metadata = toJson(p.metadata);
      if (p.userData !== undefined) values.user_data = p.userData;

      // One statement: the state check and the write cannot be split by another
      // writer (compare-and-set); RETURNING gives the row as written.
      const expectedTask = expect?.taskState;
      const expectedVm = expect?.vmState;
      const lease = expect?.lease;
      const row = await this.#db
        .updateTable("servers")
        .set(values)
        .where("id", "=", id)
        .$if(lease !== undefined, (q) =>
          q.where((eb) =>
            eb.exists(
              eb
                .selectFrom("tasks")
                .select("tasks.id")
                .where("tasks.id", "=", lease?.taskId ?? "")
                .where("tasks.lease_owner", "=", lease?.owner ?? "")
                .where("tasks.status", "=", "running"),
            ),
          ),
        )
        .$if(expectedTask !== undefined, (q) =>
          expectedTask === null ? q.where("task_state", "is", null) : q.where("task_state", "=", expectedTask ?? ""),
        )
        .$if(expectedVm !== undefined, (q) => q.where("vm_state", "=", expectedVm ?? ""))
        .returningAll()
        .executeTakeFirst();
      if (row !== undefined) return serverFromRow(row);

      const current = await this.#db
        .selectFrom("servers")
        .select(["task_state", "vm_state"])
        .where("id", "=", id)
        .executeTakeFirst();
      if (current === undefined) throw new Error(`server ${id} does not exist`);
      if (lease !== undefined) {
        const held = await this.#db
          .selectFrom("tasks")
          .select("id")
          .where("id", "=", lease.taskId)
          .where("lease_owner", "=", lease.owner)
          .where("status", "=", "running")
          .executeTakeFirst();
        if (held === undefined) {
          throw new LeaseLostError(`task ${lease.taskId} is no longer leased to ${lease.owner}; server ${id} was not written`);
        }
      }
      throw new StaleStateError(
        `server ${id} is in vm_state ${current.vm_state} / task_state ${String(current.task_state)}, ` +
          `expected ${expectedVm ?? "any"} / ${expectedTask === undefined ? "any" : String(expectedTask)}`,
      );
    },
    countByProject: async (projectId) => {
      const row = await this.#db
        .selectFrom("servers")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("project_id", "=", projectId)
        .where("deleted_at", "is", null)
        .executeTakeFirstOrThrow();
      return Number(fromBigint(row.n));
    },
  };

  readonly actions: Store["actions"] = {
    create: async (record) => {
      const r = checkInput("ActionRecord", actionSchema, record);
      await mapDuplicate(`action ${r.id}`, () => this.#db.insertInto("actions").values(actionToRow(r)).execute());
    },
    finish: async (id, finishTime, message) => {
      const result = await this.#db
        .updateTable("actions")
        .set({ finish_time: checkTime("finishTime", finishTime), message })
        .where("id", "=", id)
        .executeTakeFirst();
      if (!affected(result.numUpdatedRows)) throw new Error(`action ${id} does not exist`);
    },
    listForServer: async (serverId) => {
      const rows = await this.#db
        .selectFrom("actions")
        .selectAll()
        .where("server_id", "=", serverId)
        .orderBy("start_time", "desc")
        .orderBy("id", "desc")
        .execute();
      return rows.map(actionFromRow);
    },
    getByRequestId: async (serverId, requestId) => {
      const row = await this.#db
        .selectFrom("actions")
        .selectAll()
        .where("server_id", "=", serverId)
        .where("request_id", "=", requestId)
        .orderBy("start_time", "desc")
        .orderBy("id", "desc")
        .executeTakeFirst();
      return row === undefined ? undefined : actionFromRow(row);
    },
    addEvent: async (record) => {
      const r = checkInput("ActionEventRecord", actionEventSchema, record);
      await mapDuplicate(`action event ${r.id}`, () =>
        this.#db
          .insertInto("action_events")
          .values({
            id: r.id,
            action_id: r.actionId,
            event: r.event,
            start_time: r.startTime,
            finish_time: r.finishTime,
            result: r.result,
            details: r.details,
            traceback: r.traceback,
          })
          .execute(),
      );
    },
    finishEvent: async (id, finishTime, result, details, traceback = null) => {
      const update = await this.#db
        .updateTable("action_events")
        .set({
          finish_time: checkTime("finishTime", finishTime),
          result: checkInput("result", eventResultSchema, result),
          details,
          traceback,
        })
        .where("id", "=", id)
        .executeTakeFirst();
      if (!affected(update.numUpdatedRows)) throw new Error(`action event ${id} does not exist`);
    },
    listEvents: async (actionId) => {
      const rows = await this.#db
        .selectFrom("action_events")
        .selectAll()
        .where("action_id", "=", actionId)
        .orderBy("start_time")
        .orderBy("id")
        .execute();
      return rows.map(actionEventFromRow);
    },
  };

  readonly tasks: Store["tasks"] = {
    enqueue: async (record, action) => {
      const r = checkInput("TaskRecord", taskSchema, record);
      const a = action === undefined ? undefined : checkInput("ActionRecord", actionSchema, action);
      try {
        if (a === undefined) await this.#db.insertInto("tasks").values(taskToRow(r)).execute();
        else {
          await this.#atomically([
            this.#db.insertInto("actions").values(actionToRow(a)).compile(),
            this.#db.insertInto("tasks").values(taskToRow(r)).compile(),
          ]);
        }
      } catch (error: unknown) {
        throw taskInsertError(r, error);
      }
    },
    get: async (id) => {
      const row = await this.#db.selectFrom("tasks").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : taskFromRow(row);
    },
    activeForServer: async (serverId) => {
      const row = await this.#db
        .selectFrom("tasks")
        .selectAll()
        .where("server_id", "=", serverId)
        .where("status", "in", ["pending", "running"])
        .executeTakeFirst();
      return row === undefined ? undefined : taskFromRow(row);
    },
    lease: async (worker, now, leaseMs) => {
      checkTime("now", now);
      checkLeaseMs(leaseMs);
      const leasable = (column: "status" | "t.status", expires: "lease_expires_at" | "t.lease_expires_at") =>
        sql<SqlBool>`(${sql.ref(column)} = 'pending' OR (${sql.ref(column)} = 'running' AND ${sql.ref(expires)} < ${now}))`;
      // The oldest leasable task; on PostgreSQL rows another transaction is
      // leasing right now are skipped, and a row whose state changed after our
      // snapshot is re-checked against the condition before it is locked.
      const oldest = this.#db
        .selectFrom("tasks as t")
        .select("t.id")
        .where(leasable("t.status", "t.lease_expires_at"))
        .orderBy("t.created_at")
        .orderBy("t.id")
        .limit(1)
        .$if(this.kind === "postgres", (q) => q.forUpdate().skipLocked());
      const query = this.#db
        .updateTable("tasks")
        .set((eb) => ({
          status: "running",
          lease_owner: worker,
          lease_expires_at: addMs(now, leaseMs),
          attempts: eb("attempts", "+", 1),
          updated_at: now,
        }))
        .where("id", "=", oldest)
        .where(leasable("status", "lease_expires_at"))
        .returningAll();

      const options = this.#options;
      let row: Selectable<TasksTable> | undefined;
      if (options.kind === "sqlite") {
        const compiled = query.compile();
        // Hold Kysely's connection so no Kysely transaction of this Store is
        // open on the handle while we run ours.
        const rows = await this.#db.connection().execute(() => Promise.resolve(options.runImmediate([compiled])));
        // The rows come straight from SQLite; taskFromRow validates them.
        row = rows[0] as Selectable<TasksTable> | undefined;
      } else {
        row = await query.executeTakeFirst();
      }
      return row === undefined ? undefined : taskFromRow(row);
    },
    renew: async (id, worker, now, leaseMs) => {
      checkTime("now", now);
      checkLeaseMs(leaseMs);
      const result = await this.#db
        .updateTable("tasks")
        .set({ lease_expires_at: addMs(now, leaseMs), updated_at: now })
        .where("id", "=", id)
        .where("status", "=", "running")
        .where("lease_owner", "=", worker)
        .executeTakeFirst();
      return affected(result.numUpdatedRows);
    },
    finish: async (id, worker, status: Extract<TaskStatus, "done" | "failed">, lastError, now, keptParams) => {
      checkTime("now", now);
      checkInput("status", z.enum(["done", "failed"]), status);
      const params = keptParams === undefined ? {} : { params: toJson(checkInput("params", keptTaskParamsSchema, keptParams)) };
      const result = await this.#db
        .updateTable("tasks")
        .set({ status, last_error: lastError, lease_owner: null, lease_expires_at: null, updated_at: now, ...params })
        .where("id", "=", id)
        .where("status", "=", "running")
        .where("lease_owner", "=", worker)
        .executeTakeFirst();
      return affected(result.numUpdatedRows);
    },
    listActive: async () => {
      const rows = await this.#db
        .selectFrom("tasks")
        .selectAll()
        .where("status", "in", ["pending", "running"])
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(taskFromRow);
    },
  };

  readonly workers: Store["workers"] = {
    heartbeat: async (id, now) => {
      checkTime("now", now);
      await this.#db
        .insertInto("workers")
        .values({ id, started_at: now, heartbeat_at: now })
        .onConflict((oc) => oc.column("id").doUpdateSet({ heartbeat_at: now }))
        .execute();
    },
    live: async (since) => {
      checkTime("since", since);
      const rows = await this.#db
        .selectFrom("workers")
        .selectAll()
        .where("heartbeat_at", ">", since)
        .orderBy("id")
        .execute();
      return rows.map(workerFromRow);
    },
    remove: async (id) => {
      await this.#db.deleteFrom("workers").where("id", "=", id).execute();
    },
  };
}
