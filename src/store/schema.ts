// The database schema of ironic-compute: Kysely table types and the one list of
// migrations, shared by SQLite and PostgreSQL.
//
// Portable representation, identical on both backends:
// - times: TEXT holding ISO-8601 UTC with milliseconds ("2026-11-22T04:30:00.000Z"),
//   which sorts chronologically as a string (the store only writes that form);
// - JSON fields (traits, capabilities, metadata, networks, params, properties,
//   fault): TEXT holding JSON, parsed and validated on read;
// - booleans (flavors.is_public): INTEGER 0/1;
// - images.size_bytes: BIGINT (PostgreSQL hands it back as a string; the store
//   converts), every other number is INTEGER.
// - "one active task per server" is a UNIQUE partial index, so two processes
//   racing to enqueue cannot both succeed; the database decides, not a read-check.
//
// Table types are camelCase: the store runs its queries through Kysely's
// CamelCasePlugin, which maps createdAt <-> created_at. The columns themselves are
// snake_case, as the migrations below create them (they run without the plugin).
//
// Migrations are append-only: never edit one that has shipped, add "0002_…".
// DDL uses only what both dialects accept (raw `sql` for the partial index,
// since Kysely would send the IN-list as bind parameters, which PostgreSQL
// rejects in DDL).

import { sql, type ColumnType, type Migration, type MigrationProvider } from "kysely";
import type { AdminAuditRecord, ServerGroupRecord } from "./records.js";
import { networksMigration, type NetworkTables } from "./schema-networks.js";
import { flavorExtraSpecsMigration } from "./schema-flavor-specs.js";
import { viewVersionMigration, type ViewVersionTable } from "./schema-view-version.js";

export interface ProjectsTable {
  id: string;
  name: string;
  description: string;
  createdAt: string;
}

export interface UsersTable {
  id: string;
  name: string;
  passwordHash: string;
  projectId: string;
  role: string;
  createdAt: string;
}

export interface TokensTable {
  id: string;
  userId: string;
  projectId: string | null;
  role: string;
  /** JSON string[] */
  methods: string;
  auditId: string;
  applicationCredentialId: string | null;
  issuedAt: string;
  expiresAt: string;
}

export interface ApplicationCredentialsTable {
  id: string;
  userId: string;
  projectId: string;
  name: string;
  description: string;
  secretHash: string;
  /** JSON string[] */
  roles: string;
  /** 0 or 1 */
  unrestricted: number;
  expiresAt: string | null;
  createdAt: string;
}

export interface FlavorsTable {
  id: string;
  name: string;
  description: string;
  vcpus: number;
  ramMb: number;
  diskGb: number;
  ephemeralGb: number;
  swapMb: number;
  /** 0 or 1 */
  isPublic: number;
  createdAt: string;
}

export interface ImagesTable {
  id: string;
  name: string;
  url: string;
  checksum: string | null;
  osHashAlgo: string | null;
  osHashValue: string | null;
  diskFormat: string;
  visibility: string;
  ownerProjectId: string | null;
  /** BIGINT: a string when read from PostgreSQL. */
  sizeBytes: ColumnType<number | string | null, number | null, number | null>;
  /** JSON Record<string, string> */
  properties: string;
  createdAt: string;
  updatedAt: string;
}

export interface KeypairsTable {
  id: string;
  userId: string;
  name: string;
  type: string;
  publicKey: string;
  fingerprint: string;
  createdAt: string;
}

export interface ServersTable {
  id: string;
  name: string;
  hostname: string;
  projectId: string;
  userId: string;
  flavorId: string;
  imageId: string | null;
  keyName: string | null;
  nodeUuid: string | null;
  vmState: string;
  taskState: string | null;
  powerState: string;
  progress: number;
  /** JSON ServerNetwork */
  networks: string;
  /** Added by 0011: JSON ServerBlockDevice[] ('[]' for servers made before). */
  blockDevices: string;
  /** JSON Record<string, string> */
  metadata: string;
  userData: string | null;
  availabilityZone: string;
  /** JSON ServerFault, or NULL */
  fault: string | null;
  launchedAt: string | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  /** Added by 0004: Nova's display_description (2.19). */
  description: string | null;
  /** Added by 0004: 0 or 1. */
  locked: number;
  /** Added by 0004: "owner" or "admin" while locked, else NULL. */
  lockedBy: string | null;
  lockedReason: string | null;
  /** Added by 0013: Nova's accessIPv4 / accessIPv6, NULL when unset. */
  accessIpv4: string | null;
  accessIpv6: string | null;
  /** Added by 0013: "AUTO" or "MANUAL" (OS-DCF:diskConfig). */
  diskConfig: string;
  /** Added by 0013: the create request's reservation (r-xxxxxxxx); NULL for servers made before. */
  reservationId: string | null;
  /** Added by 0013: the server's place in its request (0-based). */
  launchIndex: number;
}

/** Added by 0004: one row per tag of a server (Nova's `tags` table). */
export interface ServerTagsTable {
  serverId: string;
  tag: string;
}

export interface ActionsTable {
  id: string;
  serverId: string;
  projectId: string;
  userId: string;
  action: string;
  requestId: string;
  message: string | null;
  startTime: string;
  finishTime: string | null;
}

export interface ActionEventsTable {
  id: string;
  actionId: string;
  event: string;
  startTime: string;
  finishTime: string | null;
  result: string | null;
  details: string | null;
  /** Added by 0002: the admin-only detail of a failed event. */
  traceback: string | null;
}

export interface TasksTable {
  id: string;
  serverId: string;
  kind: string;
  /** JSON Record<string, unknown> */
  params: string;
  status: string;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  attempts: number;
  lastError: string | null;
  actionId: string;
  createdAt: string;
  updatedAt: string;
  /** Added by 0006: not leasable before this time (a delete waiting for the task it superseded). */
  notBefore: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface WorkersTable {
  id: string;
  startedAt: string;
  heartbeatAt: string;
}

/** Added by 0005: an admin's limit for one project and resource ("instances", "class:<RC>"). */
export interface QuotaLimitsTable {
  projectId: string;
  resource: string;
  /** -1: unlimited. */
  hardLimit: number;
  updatedAt: string;
}

/** Added by 0005: the resource class a server counts against (its flavor's, at create). */
export interface ServerAllocationsTable {
  serverId: string;
  projectId: string;
  resourceClass: string;
}

/**
 * Added by 0005: one row per project that every quota-checked create (and every
 * limit change) writes first, in its transaction. On PostgreSQL that write is a
 * row lock held to commit, so two creates of one project count one after the
 * other; on SQLite BEGIN IMMEDIATE already orders them.
 */
export interface QuotaLocksTable {
  projectId: string;
  generation: number;
}

/**
 * Added by 0007: one row per admin change (store.adminAudit): the record's
 * columns, with its enums as TEXT and `changes` as JSON text.
 */
export type AdminAuditTable = Omit<AdminAuditRecord, "resourceType" | "action" | "changes"> & {
  resourceType: string;
  action: string;
  changes: string;
};

/** Added by 0008: Nova's server groups; the policy as TEXT (checked on read). */
export type ServerGroupsTable = Omit<ServerGroupRecord, "policy"> & { policy: string };

/**
 * Added by 0008: which server is in which group (at most one each), and the
 * failure domain a member holds or has reserved for the node it is claiming
 * (null until the scheduler reserved one).
 */
export interface ServerGroupMembersTable {
  groupId: string;
  serverId: string;
  failureDomain: string | null;
}

/**
 * Added by 0010: registered volumes (issue 13). `target` is JSON text (the
 * record's VolumeTarget, no secret); `chapSecret` is the iSCSI CHAP secret,
 * read only by store.volumes.chapSecret; the attachment is three nullable
 * columns, set and cleared together by one conditional UPDATE.
 */
export interface VolumesTable {
  id: string;
  name: string;
  description: string;
  sizeGb: number;
  projectId: string | null;
  bootable: number;
  target: string;
  chapSecret: string | null;
  metadata: string;
  attachmentId: string | null;
  attachedServerId: string | null;
  attachedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Database extends NetworkTables {
  projects: ProjectsTable;
  users: UsersTable;
  tokens: TokensTable;
  applicationCredentials: ApplicationCredentialsTable;
  flavors: FlavorsTable;
  flavorExtraSpecs: FlavorExtraSpecsTable;
  images: ImagesTable;
  keypairs: KeypairsTable;
  servers: ServersTable;
  serverTags: ServerTagsTable;
  actions: ActionsTable;
  actionEvents: ActionEventsTable;
  tasks: TasksTable;
  workers: WorkersTable;
  quotaLimits: QuotaLimitsTable;
  serverAllocations: ServerAllocationsTable;
  quotaLocks: QuotaLocksTable;
  adminAudit: AdminAuditTable;
  serverGroups: ServerGroupsTable;
  serverGroupMembers: ServerGroupMembersTable;
  volumes: VolumesTable;
  viewVersion: ViewVersionTable;
}

/** Added by 0014: one row per extra spec of a flavor (Nova's flavor_extra_specs). */
export interface FlavorExtraSpecsTable {
  flavorId: string;
  key: string;
  value: string;
}

/** Name of the unique partial index behind ServerBusyError. */
export const ACTIVE_TASK_INDEX = "tasks_one_active_per_server";

// A migration must not use today's Database type (that describes the latest
// schema, not the one this migration starts from): only the schema builder and
// raw SQL here.
const initial: Migration = {
  async up(db): Promise<void> {
    const schema = db.schema;

    await schema
      .createTable("projects")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull().unique())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .execute();

    // No foreign key to projects: which deletions are allowed is the compute
    // layer's rule, and the Store interface has no "in use" error to report it.
    await schema
      .createTable("users")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull().unique())
      .addColumn("password_hash", "text", (c) => c.notNull())
      .addColumn("project_id", "text", (c) => c.notNull())
      .addColumn("role", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .execute();
    await schema.createIndex("users_project").on("users").columns(["project_id", "created_at", "id"]).execute();

    await schema
      .createTable("flavors")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull().unique())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("resource_class", "text", (c) => c.notNull())
      .addColumn("required_traits", "text", (c) => c.notNull())
      .addColumn("forbidden_traits", "text", (c) => c.notNull())
      .addColumn("capabilities", "text", (c) => c.notNull())
      .addColumn("vcpus", "integer", (c) => c.notNull())
      .addColumn("ram_mb", "integer", (c) => c.notNull())
      .addColumn("disk_gb", "integer", (c) => c.notNull())
      .addColumn("ephemeral_gb", "integer", (c) => c.notNull())
      .addColumn("swap_mb", "integer", (c) => c.notNull())
      .addColumn("is_public", "integer", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .execute();

    await schema
      .createTable("images")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("url", "text", (c) => c.notNull())
      .addColumn("checksum", "text")
      .addColumn("os_hash_algo", "text")
      .addColumn("os_hash_value", "text")
      .addColumn("disk_format", "text", (c) => c.notNull())
      .addColumn("visibility", "text", (c) => c.notNull())
      .addColumn("owner_project_id", "text")
      .addColumn("size_bytes", "bigint")
      .addColumn("properties", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();
    await schema.createIndex("images_created").on("images").columns(["created_at", "id"]).execute();

    // A user's keypairs go with the user.
    await schema
      .createTable("keypairs")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("public_key", "text", (c) => c.notNull())
      .addColumn("fingerprint", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addUniqueConstraint("keypairs_user_name", ["user_id", "name"])
      .execute();

    // Servers are soft-deleted (deleted_at) and never removed, so the tables
    // below may reference them. No foreign keys to projects/users/flavors/
    // images: Nova lets flavors and images go while servers still name them.
    await schema
      .createTable("servers")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("hostname", "text", (c) => c.notNull())
      .addColumn("project_id", "text", (c) => c.notNull())
      .addColumn("user_id", "text", (c) => c.notNull())
      .addColumn("flavor_id", "text", (c) => c.notNull())
      .addColumn("image_id", "text")
      .addColumn("key_name", "text")
      .addColumn("node_uuid", "text")
      .addColumn("vm_state", "text", (c) => c.notNull())
      .addColumn("task_state", "text")
      .addColumn("power_state", "text", (c) => c.notNull())
      .addColumn("progress", "integer", (c) => c.notNull())
      .addColumn("networks", "text", (c) => c.notNull())
      .addColumn("metadata", "text", (c) => c.notNull())
      .addColumn("user_data", "text")
      .addColumn("availability_zone", "text", (c) => c.notNull())
      .addColumn("fault", "text")
      .addColumn("launched_at", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .addColumn("deleted_at", "text")
      .execute();
    await schema
      .createIndex("servers_project_created")
      .on("servers")
      .columns(["project_id", "created_at", "id"])
      .execute();
    await schema.createIndex("servers_created").on("servers").columns(["created_at", "id"]).execute();
    await schema.createIndex("servers_node").on("servers").column("node_uuid").execute();

    await schema
      .createTable("actions")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("server_id", "text", (c) => c.notNull().references("servers.id"))
      .addColumn("project_id", "text", (c) => c.notNull())
      .addColumn("user_id", "text", (c) => c.notNull())
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("request_id", "text", (c) => c.notNull())
      .addColumn("message", "text")
      .addColumn("start_time", "text", (c) => c.notNull())
      .addColumn("finish_time", "text")
      .execute();
    await schema.createIndex("actions_server").on("actions").columns(["server_id", "start_time", "id"]).execute();
    await schema.createIndex("actions_request").on("actions").columns(["server_id", "request_id"]).execute();

    await schema
      .createTable("action_events")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("action_id", "text", (c) => c.notNull().references("actions.id"))
      .addColumn("event", "text", (c) => c.notNull())
      .addColumn("start_time", "text", (c) => c.notNull())
      .addColumn("finish_time", "text")
      .addColumn("result", "text")
      .addColumn("details", "text")
      .execute();
    await schema
      .createIndex("action_events_action")
      .on("action_events")
      .columns(["action_id", "start_time", "id"])
      .execute();

    await schema
      .createTable("tasks")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("server_id", "text", (c) => c.notNull().references("servers.id"))
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("params", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("lease_owner", "text")
      .addColumn("lease_expires_at", "text")
      .addColumn("attempts", "integer", (c) => c.notNull())
      .addColumn("last_error", "text")
      .addColumn("action_id", "text", (c) => c.notNull().references("actions.id"))
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();
    await sql`CREATE UNIQUE INDEX ${sql.id(ACTIVE_TASK_INDEX)} ON tasks (server_id) WHERE status IN ('pending', 'running')`.execute(
      db,
    );
    await schema.createIndex("tasks_status_lease").on("tasks").columns(["status", "lease_expires_at"]).execute();
    await schema.createIndex("tasks_status_created").on("tasks").columns(["status", "created_at", "id"]).execute();

    await schema
      .createTable("workers")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("started_at", "text", (c) => c.notNull())
      .addColumn("heartbeat_at", "text", (c) => c.notNull())
      .execute();
    await schema.createIndex("workers_heartbeat").on("workers").column("heartbeat_at").execute();
  },
};

// Events keep two texts from here on: `details`, public (what Nova shows every
// caller from 2.84), and `traceback`, the admin-only detail. Older events held
// the detail in `details`: it moves to `traceback`, so no tenant sees it.
const actionEventTraceback: Migration = {
  async up(db): Promise<void> {
    await db.schema.alterTable("action_events").addColumn("traceback", "text").execute();
    await sql`UPDATE action_events SET traceback = details, details = NULL WHERE details IS NOT NULL`.execute(db);
  },
};

// Identity v3: tokens (stored as their SHA-256) and application credentials.
// Both go with their user (ON DELETE CASCADE), a token also with the
// application credential that issued it.
const identityTokens: Migration = {
  async up(db): Promise<void> {
    const schema = db.schema;
    await schema
      .createTable("application_credentials")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("project_id", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("secret_hash", "text", (c) => c.notNull())
      .addColumn("roles", "text", (c) => c.notNull())
      .addColumn("unrestricted", "integer", (c) => c.notNull())
      .addColumn("expires_at", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addUniqueConstraint("application_credentials_user_name", ["user_id", "name"])
      .execute();
    await schema
      .createTable("tokens")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("project_id", "text")
      .addColumn("role", "text", (c) => c.notNull())
      .addColumn("methods", "text", (c) => c.notNull())
      .addColumn("audit_id", "text", (c) => c.notNull())
      .addColumn("application_credential_id", "text", (c) => c.references("application_credentials.id").onDelete("cascade"))
      .addColumn("issued_at", "text", (c) => c.notNull())
      .addColumn("expires_at", "text", (c) => c.notNull())
      .execute();
    await schema.createIndex("tokens_user_expiry").on("tokens").columns(["user_id", "expires_at"]).execute();
    await schema.createIndex("tokens_expiry").on("tokens").column("expires_at").execute();
    await schema.createIndex("tokens_application_credential").on("tokens").column("application_credential_id").execute();
  },
};

// Server details (issue 11): description, lock and tags. Tags are rows of
// their own table, not a JSON column: the list filters (tags, tags-any,
// not-tags, not-tags-any) are then plain EXISTS subqueries that both SQLite and
// PostgreSQL answer from the primary key (server_id, tag), with no dialect's
// JSON functions, and "one tag once per server" is the key itself. The second
// index (tag, server_id) serves a filter that starts from the tag.
const serverDetails: Migration = {
  async up(db): Promise<void> {
    const schema = db.schema;
    await schema.alterTable("servers").addColumn("description", "text").execute();
    await schema.alterTable("servers").addColumn("locked", "integer", (c) => c.notNull().defaultTo(0)).execute();
    await schema.alterTable("servers").addColumn("locked_by", "text").execute();
    await schema.alterTable("servers").addColumn("locked_reason", "text").execute();
    await schema
      .createTable("server_tags")
      .addColumn("server_id", "text", (c) => c.notNull().references("servers.id"))
      .addColumn("tag", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("server_tags_pkey", ["server_id", "tag"])
      .execute();
    await schema.createIndex("server_tags_tag").on("server_tags").columns(["tag", "server_id"]).execute();
  },
};

// Quotas: per-project limits set by admins (the defaults live in the config),
// which resource class each server counts against, and the per-project lock row.
// Servers created before this migration get their flavor's class; one whose
// flavor is gone counts as an instance but against no class.
const quotas: Migration = {
  async up(db): Promise<void> {
    const schema = db.schema;
    await schema
      .createTable("quota_limits")
      .addColumn("project_id", "text", (c) => c.notNull())
      .addColumn("resource", "text", (c) => c.notNull())
      .addColumn("hard_limit", "integer", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("quota_limits_pk", ["project_id", "resource"])
      .execute();
    await schema
      .createTable("server_allocations")
      .addColumn("server_id", "text", (c) => c.primaryKey().references("servers.id"))
      .addColumn("project_id", "text", (c) => c.notNull())
      .addColumn("resource_class", "text", (c) => c.notNull())
      .execute();
    await schema
      .createIndex("server_allocations_project_class")
      .on("server_allocations")
      .columns(["project_id", "resource_class"])
      .execute();
    await schema
      .createTable("quota_locks")
      .addColumn("project_id", "text", (c) => c.primaryKey())
      .addColumn("generation", "integer", (c) => c.notNull())
      .execute();
    await sql`INSERT INTO server_allocations (server_id, project_id, resource_class)
      SELECT s.id, s.project_id, f.resource_class FROM servers s JOIN flavors f ON f.id = s.flavor_id`.execute(db);
  },
};

// A delete that supersedes a running task must not start before that task's
// worker has stopped: the new task waits until `not_before` (the superseded
// lease's expiry), or until that worker says it stopped (tasks.acknowledgeCancel).
const taskNotBefore: Migration = {
  async up(db): Promise<void> {
    await db.schema.alterTable("tasks").addColumn("not_before", "text").execute();
  },
};

// The audit of admin changes: written in the change's own transaction, read
// newest first (by time, then id, the order markers page in) and by resource.
const adminAudit: Migration = {
  async up(db): Promise<void> {
    const schema = db.schema;
    await schema
      .createTable("admin_audit")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("user_id", "text", (c) => c.notNull())
      .addColumn("user_name", "text", (c) => c.notNull())
      .addColumn("project_id", "text", (c) => c.notNull())
      .addColumn("request_id", "text", (c) => c.notNull())
      .addColumn("resource_type", "text", (c) => c.notNull())
      .addColumn("resource_id", "text", (c) => c.notNull())
      .addColumn("resource_name", "text", (c) => c.notNull())
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("changes", "text", (c) => c.notNull())
      .execute();
    await schema.createIndex("admin_audit_created").on("admin_audit").columns(["created_at", "id"]).execute();
    await schema.createIndex("admin_audit_resource").on("admin_audit").columns(["resource_type", "resource_id", "created_at"]).execute();
  },
};

// Server groups: a group per project; members are servers, one group each. No
// foreign keys: the store deletes a group's members with it, in one
// transaction, and members of deleted servers are ignored by every read.
const serverGroups: Migration = {
  async up(db): Promise<void> {
    const schema = db.schema;
    await schema
      .createTable("server_groups")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("project_id", "text", (c) => c.notNull())
      .addColumn("user_id", "text", (c) => c.notNull())
      .addColumn("policy", "text", (c) => c.notNull())
      .addColumn("max_server_per_host", "integer")
      .addColumn("created_at", "text", (c) => c.notNull())
      .execute();
    await schema.createIndex("server_groups_project").on("server_groups").columns(["project_id", "created_at", "id"]).execute();
    await schema
      .createTable("server_group_members")
      .addColumn("group_id", "text", (c) => c.notNull())
      .addColumn("server_id", "text", (c) => c.notNull().unique())
      .addColumn("failure_domain", "text")
      .addPrimaryKeyConstraint("server_group_members_pk", ["group_id", "server_id"])
      .execute();
  },
};

// Registered volumes (issue 13). No foreign key to servers (as everywhere
// here): compute detaches a server's volumes when it deletes the server.
const volumes: Migration = {
  async up(db): Promise<void> {
    const schema = db.schema;
    await schema
      .createTable("volumes")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("size_gb", "integer", (c) => c.notNull())
      .addColumn("project_id", "text")
      .addColumn("bootable", "integer", (c) => c.notNull())
      .addColumn("target", "text", (c) => c.notNull())
      .addColumn("chap_secret", "text")
      .addColumn("metadata", "text", (c) => c.notNull())
      .addColumn("attachment_id", "text", (c) => c.unique())
      .addColumn("attached_server_id", "text")
      .addColumn("attached_at", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();
    await schema.createIndex("volumes_listing").on("volumes").columns(["created_at", "id"]).execute();
    await schema.createIndex("volumes_attached_server").on("volumes").column("attached_server_id").execute();
  },
};

// Boot from volume (issue 13): a server's registered volumes and boot order.
const serverBlockDevices: Migration = {
  async up(db): Promise<void> {
    await db.schema.alterTable("servers").addColumn("block_devices", "text", (c) => c.notNull().defaultTo("[]")).execute();
  },
};

// Nova's create options (issue 18 #2): access IPs, disk config, and the
// reservation a multi-create's servers share (list filter: reservation_id).
const serverCreateOptions: Migration = {
  async up(db): Promise<void> {
    const schema = db.schema;
    await schema.alterTable("servers").addColumn("access_ipv4", "text").execute();
    await schema.alterTable("servers").addColumn("access_ipv6", "text").execute();
    await schema.alterTable("servers").addColumn("disk_config", "text", (c) => c.notNull().defaultTo("MANUAL")).execute();
    await schema.alterTable("servers").addColumn("reservation_id", "text").execute();
    await schema.alterTable("servers").addColumn("launch_index", "integer", (c) => c.notNull().defaultTo(0)).execute();
    await schema.createIndex("servers_reservation").on("servers").column("reservation_id").execute();
  },
};

// The create path's reads of a project's live servers (the quota count in the
// create's transaction, a multi-create's siblings by reservation) scanned every
// server of the project through servers_project_created, a row lookup each for
// deleted_at: O(servers) per create (bench/api.ts). With (project_id,
// deleted_at, reservation_id, created_at, id) the count reads this index alone
// and the siblings are an equality lookup already in their order.
const serversProjectLive: Migration = {
  async up(db): Promise<void> {
    await db.schema.createIndex("servers_project_live").on("servers").columns(["project_id", "deleted_at", "reservation_id", "created_at", "id"]).execute();
  },
};

/** Every migration, in order. Names sort lexicographically = application order. */
export const migrations: Readonly<Record<string, Migration>> = {
  "0001_initial": initial,
  "0002_action_event_traceback": actionEventTraceback,
  "0003_identity_tokens": identityTokens,
  "0004_server_details": serverDetails,
  "0005_quotas": quotas,
  "0006_task_not_before": taskNotBefore,
  "0007_admin_audit": adminAudit,
  "0008_server_groups": serverGroups,
  "0009_networks": networksMigration,
  "0010_volumes": volumes,
  "0011_server_block_devices": serverBlockDevices,
  "0013_server_create_options": serverCreateOptions,
  "0014_flavor_extra_specs": flavorExtraSpecsMigration,
  "0015_servers_project_live": serversProjectLive,
  "0016_view_version": viewVersionMigration,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...migrations }),
};
