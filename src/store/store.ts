// The persistence contract of ironic-compute. Two implementations (sqlite.ts,
// postgres.ts) share one Kysely query layer; the compute layer sees only this.
//
// Concurrency rules the implementations guarantee across processes (S1, S13):
//  - at most one active (pending or running) task per server: `tasks.enqueue`
//    throws ServerBusyError otherwise (a unique partial index, not a read-check);
//  - `tasks.lease` hands a task to exactly one worker until its lease expires;
//  - `servers.update` with `expect` is a compare-and-set on task/vm state.

import type { SchemaStatus } from "./migrations.js";
import type { NetworkStore } from "./network-store.js";
import type * as records from "./records.js";

/** A unique name or id is taken (project name, user name, flavor name, keypair name …). */
export class DuplicateError extends Error {
  override readonly name = "DuplicateError";
}

/** The server already has an operation in progress. */
export class ServerBusyError extends Error {
  override readonly name = "ServerBusyError";
}

/**
 * A write fenced by a task lease (`expect.lease`) found that the task is no
 * longer running under that owner: another worker has it now, or it ended.
 */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
}

/** The task was cancelled (its server is being deleted): a LeaseLostError, since the worker no longer holds it. */
export class TaskCancelledError extends LeaseLostError {}

/** A compare-and-set found the record in another state. */
export class StaleStateError extends Error {
  override readonly name = "StaleStateError";
}

/**
 * A quota-checked create found the project at its limit of `resource`
 * ("instances" or "class:<resource class>"): nothing was written.
 */
export class OverQuotaError extends Error {
  override readonly name = "OverQuotaError";
  constructor(
    readonly resource: string,
    readonly used: number,
    readonly limit: number,
    /** How many the refused request asked for. */
    readonly requested = 1,
  ) {
    super(`project over quota for ${resource}: ${used} of ${limit} in use, ${requested} more requested`);
  }
}

/** The quota resource of a project's server count. */
export const INSTANCES_RESOURCE = "instances";

/** The quota resource of a resource class (Nova's unified-limits name: `class:CUSTOM_GPU`). */
export function classResource(resourceClass: string): string {
  return `class:${resourceClass}`;
}

/**
 * What a quota-checked create counts against: the server's resource class and
 * the limits that apply when no admin set one for the project (-1: unlimited).
 */
export interface QuotaClaim {
  resourceClass: string;
  defaultInstances: number;
  defaultClassLimit: number;
}

/** The quota resources of server groups (Nova's names). */
export const SERVER_GROUPS_RESOURCE = "server_groups";
export const SERVER_GROUP_MEMBERS_RESOURCE = "server_group_members";

/** A server that joins a group at create: counted against `maxMembers` (-1 = unlimited) in the create's transaction. */
export interface GroupMembership {
  groupId: string;
  maxMembers: number;
}

/** The server group named by a create (or a reservation) no longer exists. */
export class UnknownServerGroupError extends Error {
  override readonly name = "UnknownServerGroupError";
  constructor(readonly groupId: string) {
    super(`server group ${groupId} does not exist`);
  }
}

/** What a project has in use: live (not deleted) servers, and per resource class. */
export interface QuotaUsage {
  instances: number;
  resourceClasses: Record<string, number>;
}

/** A row read back from the database does not match its schema. */
export class CorruptRecordError extends Error {
  override readonly name = "CorruptRecordError";
}

export interface Page {
  /** Return records after this id in list order. */
  marker?: string;
  limit?: number;
}

export interface ServerFilter extends Page {
  /** Omit for all projects (admin). */
  projectId?: string;
  /** Exact name match. */
  name?: string;
  includeDeleted?: boolean;
  /** Nova's tag filters (each list non-empty when given). */
  tags?: TagFilter;
  locked?: boolean;
  /** The servers of one create request (Nova's reservation_id filter). */
  reservationId?: string;
  imageId?: string;
  flavorId?: string;
  /** true: only servers on a node; false: only those on none (Nova's host filter, one host here). */
  placed?: boolean;
  /** ISO instants, inclusive: updated_at >= changedSince, <= changedBefore (Nova's changes-since / changes-before). */
  changedSince?: string;
  changedBefore?: string;
  /** Servers with a port whose fixed IP contains one of these texts (Nova's ip/ip6 through Neutron's ip_address_substr). */
  ipContains?: readonly string[];
  /**
   * The order, first key first; (created_at, id) follow in the first key's
   * direction when not given, as Nova's process_sort_params. Without it:
   * oldest first. The marker means "after that server in this order".
   */
  sort?: readonly ServerSort[];
  /**
   * Keeps only the rows it says yes to: what SQL cannot say the same way on
   * both databases (a bounded regular expression, Nova's derived status). Applied
   * while a few columns of the rows are read in batches, before the limit, so a
   * page is full and memory holds one batch beyond the page.
   */
  keep?: (server: ServerListFields) => boolean;
}

/**
 * What `keep` sees of a row: enough for Nova's name and node patterns and its
 * derived status, read without the row's JSON columns; the full records are
 * read for the rows kept only.
 */
export type ServerListFields = Pick<records.ServerRecord, "id" | "name" | "nodeUuid" | "vmState" | "taskState">;

/**
 * What a server list can be ordered by: a column, or `placed` (on a node or
 * not: Nova's `host`, as this service is the one host). Nullable columns sort
 * as the empty text (first when ascending), on both databases.
 */
export type ServerSortKey =
  | "accessIpv4"
  | "accessIpv6"
  | "availabilityZone"
  | "createdAt"
  | "deletedAt"
  | "description"
  | "diskConfig"
  | "flavorId"
  | "hostname"
  | "id"
  | "imageId"
  | "keyName"
  | "launchIndex"
  | "launchedAt"
  | "locked"
  | "lockedBy"
  | "name"
  | "nodeUuid"
  | "placed"
  | "powerState"
  | "progress"
  | "projectId"
  | "taskState"
  | "updatedAt"
  | "userId"
  | "vmState";

export interface ServerSort {
  key: ServerSortKey;
  direction: "asc" | "desc";
}

/**
 * Nova's four tag filters, combined with AND: `all` — has every one of these
 * tags (`tags`); `any` — has at least one (`tags-any`); `notAll` — lacks at
 * least one (`not-tags`); `notAny` — has none of them (`not-tags-any`).
 */
export interface TagFilter {
  all?: readonly string[];
  any?: readonly string[];
  notAll?: readonly string[];
  notAny?: readonly string[];
}

export type ServerPatch = Partial<
  Pick<
    records.ServerRecord,
    | "name"
    | "nodeUuid"
    | "vmState"
    | "taskState"
    | "powerState"
    | "progress"
    | "fault"
    | "launchedAt"
    | "imageId"
    | "keyName"
    | "deletedAt"
    | "metadata"
    | "userData"
    | "hostname"
    | "description"
    | "locked"
    | "lockedBy"
    | "lockedReason"
    | "networks"
    | "accessIPv4"
    | "accessIPv6"
    | "diskConfig"
  >
>;

export interface ServerExpectation {
  taskState?: records.ServerRecord["taskState"];
  vmState?: records.ServerRecord["vmState"];
  lease?: { taskId: string; owner: string };
}

/**
 * Records with an id and a unique name (projects, flavors; users add to it).
 * With `audit`, its row is written in the same transaction as the change (and
 * not at all when the create fails or the delete finds nothing).
 */
export interface NamedRepository<R> {
  create(record: R, audit?: records.AdminAuditRecord): Promise<void>;
  get(id: string): Promise<R | undefined>;
  getByName(name: string): Promise<R | undefined>;
  /** Oldest first. */
  list(): Promise<R[]>;
  delete(id: string, audit?: records.AdminAuditRecord): Promise<boolean>;
}

/** What `adminAudit.list` selects; times are ISO-8601 UTC, both bounds inclusive. */
export interface AuditFilter extends Page {
  resourceType?: records.AuditResourceType;
  resourceId?: string;
  userId?: string;
  since?: string;
  until?: string;
}

/** What `volumes.list` selects; oldest first, `marker`/`limit` as for servers. */
export interface VolumeFilter extends Page {
  /** Only the volumes this project sees: its own and the shared ones. */
  visibleTo?: string;
  name?: string;
  status?: "available" | "in-use";
}

/** What `volumes.update` may change. */
export interface VolumePatch {
  name?: string;
  description?: string;
}

export interface Store extends NetworkStore {
  /**
   * Creates or upgrades the schema (migrations.ts); safe to call on every start.
   * Returns the migrations this call ran. Throws SchemaNewerError for a database
   * written by a newer version.
   */
  migrate(): Promise<string[]>;
  /** Where the database's schema stands against this binary's (readiness, restore). */
  schemaStatus(): Promise<SchemaStatus>;
  /**
   * A number the database moves on every write to what a server's view shows
   * (schema-view-version.ts); undefined when its row is missing (an emptied
   * database), in which case nothing may be cached against it.
   */
  viewVersion(): Promise<number | undefined>;
  close(): Promise<void>;
  /** "sqlite" or "postgres". */
  readonly kind: "sqlite" | "postgres";

  projects: NamedRepository<records.ProjectRecord>;

  users: {
    create(record: records.UserRecord, audit?: records.AdminAuditRecord): Promise<void>;
    get(id: string): Promise<records.UserRecord | undefined>;
    getByName(name: string): Promise<records.UserRecord | undefined>;
    list(projectId?: string): Promise<records.UserRecord[]>;
    setPasswordHash(id: string, passwordHash: string): Promise<boolean>;
    /**
     * A new password hash and/or role, in one transaction with the revocation it
     * calls for: every token of the user, and the application credentials named
     * in `dropApplicationCredentials` (those granting a role the user loses).
     * False when there is no such user (nothing changes).
     */
    changeCredentials(
      id: string,
      patch: { passwordHash?: string; role?: records.Role },
      dropApplicationCredentials: readonly string[],
      audit?: records.AdminAuditRecord,
    ): Promise<boolean>;
    /** With its tokens and application credentials. */
    delete(id: string, audit?: records.AdminAuditRecord): Promise<boolean>;
  };

  tokens: {
    create(record: records.TokenRecord): Promise<void>;
    /** By the token's SHA-256 (expired ones too: the caller judges the time). */
    get(id: string): Promise<records.TokenRecord | undefined>;
    delete(id: string): Promise<boolean>;
    /** Tokens of the user that expire after `now`. */
    countLive(userId: string, now: string): Promise<number>;
    /** Removes tokens that expired at or before `now`; how many. */
    deleteExpired(now: string): Promise<number>;
  };

  applicationCredentials: {
    create(record: records.ApplicationCredentialRecord): Promise<void>;
    get(id: string): Promise<records.ApplicationCredentialRecord | undefined>;
    getByName(userId: string, name: string): Promise<records.ApplicationCredentialRecord | undefined>;
    /** Oldest first. */
    list(userId: string): Promise<records.ApplicationCredentialRecord[]>;
    /** With the tokens it issued. */
    delete(id: string): Promise<boolean>;
  };

  flavors: NamedRepository<records.FlavorRecord> & {
    /**
     * Merges `specs` into the flavor's extra specs (a key given replaces its
     * value, the others stay), in one transaction with `audit`. False when
     * there is no such flavor: nothing is written.
     */
    setExtraSpecs(id: string, specs: Readonly<Record<string, string>>, audit?: records.AdminAuditRecord): Promise<boolean>;
    /** False when the flavor has no such key (or there is no such flavor): nothing is written. */
    deleteExtraSpec(id: string, key: string, audit?: records.AdminAuditRecord): Promise<boolean>;
  };

  images: {
    /** `audit`: as NamedRepository's. */
    create(record: records.ImageRecord, audit?: records.AdminAuditRecord): Promise<void>;
    get(id: string): Promise<records.ImageRecord | undefined>;
    /** Sorted by created time then id; `page` as for servers. */
    list(page?: Page & { name?: string }): Promise<records.ImageRecord[]>;
    delete(id: string, audit?: records.AdminAuditRecord): Promise<boolean>;
  };

  keypairs: {
    create(record: records.KeypairRecord): Promise<void>;
    get(userId: string, name: string): Promise<records.KeypairRecord | undefined>;
    list(userId: string): Promise<records.KeypairRecord[]>;
    delete(userId: string, name: string): Promise<boolean>;
  };

  servers: {
    create(record: records.ServerRecord): Promise<void>;
    /**
     * The server, its first action and its first task in one transaction: either
     * all three exist afterwards or none does. With `claim`, the same transaction
     * first counts the project's live servers (and those of the claim's resource
     * class) against its limits and throws OverQuotaError, writing nothing, when
     * one more would exceed one: concurrent creates, in any process, cannot
     * over-commit (the per-project lock row orders them on PostgreSQL).
     */
    createWithTask(
      server: records.ServerRecord,
      action: records.ActionRecord,
      task: records.TaskRecord,
      claim?: QuotaClaim,
      /**
       * The group the server joins, in the same transaction: its live members are
       * counted (OverQuotaError "server_group_members" at the limit), and
       * UnknownServerGroupError when the group is gone. Ordered with other
       * creates and reservations of the group by the group's row lock on PostgreSQL.
       */
      membership?: GroupMembership,
    ): Promise<void>;
    /**
     * createWithTask for the servers of one create request (Nova's multi-create),
     * all or none: the quota is counted once for all of them, each joins
     * `membership`'s group. A task with `heldUntil` is not leasable before then
     * (tasks.releaseHeld makes it leasable at once).
     */
    createBatchWithTasks(
      entries: ReadonlyArray<{ server: records.ServerRecord; action: records.ActionRecord; task: records.TaskRecord; heldUntil?: string }>,
      claim?: QuotaClaim,
      membership?: GroupMembership,
    ): Promise<void>;
    /** Every server row, deleted ones included. */
    total(): Promise<number>;
    /** Servers not deleted, in every project. */
    countLive(): Promise<number>;
    /** Deleted servers only with `includeDeleted`. */
    get(id: string, options?: { includeDeleted?: boolean }): Promise<records.ServerRecord | undefined>;
    /** Sorted by created time then id (stable for markers). */
    list(filter?: ServerFilter): Promise<records.ServerRecord[]>;
    /** Servers holding a node, deleted ones included (the reconciler's view). */
    listWithNodes(): Promise<records.ServerRecord[]>;
    /**
     * Applies `patch`; with `expect`, only if the current task/vm state matches
     * (throws StaleStateError otherwise) and, with `expect.lease`, only while that
     * task is running under that owner (throws LeaseLostError otherwise): a
     * handler that lost its lease cannot overwrite what the new holder wrote.
     * Returns the updated record.
     */
    update(id: string, patch: ServerPatch, expect?: ServerExpectation): Promise<records.ServerRecord>;
    countByProject(projectId: string): Promise<number>;
  };

  /** Nova's server tags: a set of strings per server. */
  serverTags: {
    /** The tags of each server, sorted; a server without tags maps to []. */
    forServers(serverIds: readonly string[]): Promise<Map<string, string[]>>;
    /** Replaces every tag of the server, in one transaction. */
    replace(serverId: string, tags: readonly string[]): Promise<void>;
    /**
     * Adds `tag` unless the server has it ("present") or already has `max` tags
     * ("full"); the count is checked by the INSERT itself, so two racing adds
     * cannot pass the limit together.
     */
    add(serverId: string, tag: string, max: number): Promise<"added" | "present" | "full">;
    /** false when the server did not have it. */
    remove(serverId: string, tag: string): Promise<boolean>;
  };

  /**
   * Nova's server groups. A member is live while its server is not deleted; a
   * live member holds its failure domain while its server holds a node or is
   * still building (its reservation stands for the node it is claiming).
   */
  serverGroups: {
    /** OverQuotaError "server_groups" when the project already has `maxPerProject` (-1 = unlimited). */
    create(record: records.ServerGroupRecord, maxPerProject: number): Promise<void>;
    get(id: string): Promise<records.ServerGroupRecord | undefined>;
    /** Oldest first; `offset`/`limit` as Nova pages them. */
    list(filter?: { projectId?: string; limit?: number; offset?: number }): Promise<records.ServerGroupRecord[]>;
    countByProject(projectId: string): Promise<number>;
    /** The group and its memberships, in one transaction; false when it did not exist. */
    delete(id: string): Promise<boolean>;
    /** The live member server ids of each group (oldest server first); [] for a group without any. */
    members(groupIds: readonly string[]): Promise<Map<string, string[]>>;
    /** The group of each server that is in one. */
    ofServers(serverIds: readonly string[]): Promise<Map<string, string>>;
    /** The failure domains the group's other live members hold, one entry per member. */
    domains(groupId: string, exceptServerId: string): Promise<string[]>;
    /**
     * Records `domain` as the one `serverId` holds, if `admits` (given the domains
     * the other members hold, read in the same transaction) says yes: two
     * members, in any processes, cannot both take a domain only one of them may
     * have. "gone" when the group or the membership no longer exists.
     */
    reserveDomain(groupId: string, serverId: string, domain: string, admits: (held: readonly string[]) => boolean): Promise<"reserved" | "refused" | "gone">;
    /** The server holds no failure domain any more (its claim failed). */
    releaseDomain(serverId: string): Promise<void>;
  };

  /**
   * Registered volumes (issue 13). A volume is attached to at most one server:
   * `attach` is one conditional UPDATE (… WHERE attached_server_id IS NULL),
   * so of two concurrent attaches, in any processes, exactly one wins. The
   * CHAP secret is written by `create` and read only by `chapSecret`: no
   * record, list or error carries it.
   */
  volumes: {
    /** DuplicateError for a taken id; `audit` as NamedRepository's (it must not hold the secret). */
    create(record: records.VolumeRecord, chapSecret: string | null, audit?: records.AdminAuditRecord): Promise<void>;
    get(id: string): Promise<records.VolumeRecord | undefined>;
    list(filter?: VolumeFilter): Promise<records.VolumeRecord[]>;
    /** The volume as changed; undefined when there is none. */
    update(id: string, patch: VolumePatch, updatedAt: string): Promise<records.VolumeRecord | undefined>;
    /** Deletes only a volume that is not attached, in one statement (with `audit` in its transaction). */
    delete(id: string, audit?: records.AdminAuditRecord): Promise<"deleted" | "attached" | "missing">;
    /** Attaches the volume if it is attached to nothing: "in-use" when another attach came first. */
    attach(id: string, attachment: records.VolumeAttachmentRecord): Promise<"attached" | "in-use" | "missing">;
    /** Detaches the volume if it is attached to `serverId`; false otherwise (idempotent). */
    detach(id: string, serverId: string): Promise<boolean>;
    /** The volumes attached to the server, oldest attachment first. */
    ofServer(serverId: string): Promise<records.VolumeRecord[]>;
    /** The CHAP secret (null: none); undefined when there is no such volume. For the driver only. */
    chapSecret(id: string): Promise<string | null | undefined>;
  };

  quotas: {
    /** The limits an admin set for the project, by resource ("instances", "class:<RC>"). */
    limits(projectId: string): Promise<Record<string, number>>;
    /** Sets (or replaces) limits of the project in one transaction, ordered with its creates. */
    setLimits(projectId: string, limits: Readonly<Record<string, number>>, now: string, audit?: records.AdminAuditRecord): Promise<void>;
    /** Removes every limit an admin set for the project (the defaults apply again). */
    clearLimits(projectId: string, audit?: records.AdminAuditRecord): Promise<void>;
    usage(projectId: string): Promise<QuotaUsage>;
  };

  actions: {
    create(record: records.ActionRecord): Promise<void>;
    finish(id: string, finishTime: string, message: string | null): Promise<void>;
    /** Newest first. */
    listForServer(serverId: string): Promise<records.ActionRecord[]>;
    getByRequestId(serverId: string, requestId: string): Promise<records.ActionRecord | undefined>;
    addEvent(record: records.ActionEventRecord): Promise<void>;
    /** `traceback`: the admin-only detail (default null). */
    finishEvent(id: string, finishTime: string, result: "Success" | "Error", details: string | null, traceback?: string | null): Promise<void>;
    listEvents(actionId: string): Promise<records.ActionEventRecord[]>;
  };

  tasks: {
    /**
     * Throws ServerBusyError if the server has a pending or running task. With
     * `action`, the task's audit action is created in the same transaction.
     */
    enqueue(record: records.TaskRecord, action?: records.ActionRecord): Promise<void>;
    get(id: string): Promise<records.TaskRecord | undefined>;
    /** Makes the pending tasks of these servers that are held (createBatchWithTasks' heldUntil) leasable now. */
    releaseHeld(serverIds: readonly string[]): Promise<void>;
    /** The server's pending or running task, if any. */
    activeForServer(serverId: string): Promise<records.TaskRecord | undefined>;
    /**
     * Atomically leases one pending task, or a running one whose lease expired,
     * to `worker` until now + leaseMs; increments attempts. Oldest first.
     * With `maxDeploys` > 0 (0 or left out: no cap), a create or rebuild task is
     * leased only while fewer than `maxDeploys` create/rebuild tasks are running
     * with an unexpired lease, across every Store on the database; other kinds
     * are never held back by it.
     */
    lease(worker: string, now: string, leaseMs: number, options?: { maxDeploys?: number }): Promise<records.TaskRecord | undefined>;
    /**
     * 1-based position of the server's pending create/rebuild task among the
     * pending ones (oldest first, the order they are leased in); null when the
     * server has no pending deploy task.
     */
    queuePosition(serverId: string): Promise<number | null>;
    /** Extends the lease if `worker` still holds it; false if it lost it. */
    renew(id: string, worker: string, now: string, leaseMs: number): Promise<boolean>;
    /**
     * Ends the task if `worker` still holds the lease; false otherwise. With
     * `keptParams`, the row's params are replaced by them (secrets dropped).
     */
    finish(
      id: string,
      worker: string,
      status: Extract<records.TaskStatus, "done" | "failed">,
      lastError: string | null,
      now: string,
      keptParams?: Record<string, unknown>,
    ): Promise<boolean>;
    /** Active tasks (pending or running), oldest first. */
    listActive(): Promise<records.TaskRecord[]>;
    /**
     * A delete that may come at any moment, in one transaction: the server's
     * active task `activeId` (if still active) becomes `cancelled`, `action` and
     * `task` (pending) are written and the server's task state becomes
     * `deleting`. If the superseded task was running, `task` is not leasable
     * before that lease's expiry (its worker is fenced by then), unless the
     * worker says sooner that it stopped (acknowledgeCancel). ServerBusyError if
     * another task became active meanwhile. True when `activeId` was cancelled.
     */
    supersede(activeId: string, task: records.TaskRecord, action: records.ActionRecord, now: string): Promise<boolean>;
    /** The worker of cancelled task `id` has stopped it: its server's waiting task may start now. */
    acknowledgeCancel(id: string, worker: string): Promise<void>;
    /**
     * The worker of cancelled task `id` is still stopping it (a request may be on
     * its way to Ironic): its server's waiting task stays held until now + leaseMs.
     */
    holdCancelled(id: string, worker: string, now: string, leaseMs: number): Promise<void>;
  };

  /** The audit of admin changes; its rows are mostly written by the changes' own transactions. */
  adminAudit: {
    /** One row on its own (for a change the store makes in no transaction of its own). */
    record(audit: records.AdminAuditRecord): Promise<void>;
    /** Newest first (time, then id); `marker`: after that row in this order. */
    list(filter?: AuditFilter): Promise<records.AdminAuditRecord[]>;
  };

  workers: {
    /** Registers or refreshes a worker's heartbeat. */
    heartbeat(id: string, now: string): Promise<void>;
    /** Workers whose heartbeat is newer than `since`. */
    live(since: string): Promise<records.WorkerRecord[]>;
    remove(id: string): Promise<void>;
  };
}

export type { TaskKind } from "./records.js";
export * from "./network-store.js";
