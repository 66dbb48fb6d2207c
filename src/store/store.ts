// The persistence contract of ironic-compute. Two implementations (sqlite.ts,
// postgres.ts) share one Kysely query layer; the compute layer sees only this.
//
// Concurrency rules the implementations guarantee across processes (S1, S13):
//  - at most one active (pending or running) task per server: `tasks.enqueue`
//    throws ServerBusyError otherwise (a unique partial index, not a read-check);
//  - `tasks.lease` hands a task to exactly one worker until its lease expires;
//  - `servers.update` with `expect` is a compare-and-set on task/vm state.

import type {
  ActionEventRecord,
  ActionRecord,
  FlavorRecord,
  ImageRecord,
  KeypairRecord,
  ProjectRecord,
  ServerRecord,
  TaskKind,
  TaskRecord,
  TaskStatus,
  UserRecord,
  WorkerRecord,
} from "./records.js";

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

/** A compare-and-set found the record in another state. */
export class StaleStateError extends Error {
  override readonly name = "StaleStateError";
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
}

export type ServerPatch = Partial<
  Pick<
    ServerRecord,
    | "name"
    | "nodeUuid"
    | "vmState"
    | "taskState"
    | "powerState"
    | "progress"
    | "fault"
    | "launchedAt"
    | "imageId"
    | "deletedAt"
    | "metadata"
    | "userData"
  >
>;

export interface ServerExpectation {
  taskState?: ServerRecord["taskState"];
  vmState?: ServerRecord["vmState"];
  lease?: { taskId: string; owner: string };
}

export interface Store {
  /** Creates or upgrades the schema; safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** "sqlite" or "postgres". */
  readonly kind: "sqlite" | "postgres";

  projects: {
    create(record: ProjectRecord): Promise<void>;
    get(id: string): Promise<ProjectRecord | undefined>;
    getByName(name: string): Promise<ProjectRecord | undefined>;
    list(): Promise<ProjectRecord[]>;
    delete(id: string): Promise<boolean>;
  };

  users: {
    create(record: UserRecord): Promise<void>;
    get(id: string): Promise<UserRecord | undefined>;
    getByName(name: string): Promise<UserRecord | undefined>;
    list(projectId?: string): Promise<UserRecord[]>;
    setPasswordHash(id: string, passwordHash: string): Promise<boolean>;
    delete(id: string): Promise<boolean>;
  };

  flavors: {
    create(record: FlavorRecord): Promise<void>;
    get(id: string): Promise<FlavorRecord | undefined>;
    getByName(name: string): Promise<FlavorRecord | undefined>;
    list(): Promise<FlavorRecord[]>;
    delete(id: string): Promise<boolean>;
  };

  images: {
    create(record: ImageRecord): Promise<void>;
    get(id: string): Promise<ImageRecord | undefined>;
    /** Sorted by created time then id; `page` as for servers. */
    list(page?: Page & { name?: string }): Promise<ImageRecord[]>;
    delete(id: string): Promise<boolean>;
  };

  keypairs: {
    create(record: KeypairRecord): Promise<void>;
    get(userId: string, name: string): Promise<KeypairRecord | undefined>;
    list(userId: string): Promise<KeypairRecord[]>;
    delete(userId: string, name: string): Promise<boolean>;
  };

  servers: {
    create(record: ServerRecord): Promise<void>;
    /**
     * The server, its first action and its first task in one transaction: either
     * all three exist afterwards or none does.
     */
    createWithTask(server: ServerRecord, action: ActionRecord, task: TaskRecord): Promise<void>;
    /** Every server row, deleted ones included. */
    total(): Promise<number>;
    /** Deleted servers only with `includeDeleted`. */
    get(id: string, options?: { includeDeleted?: boolean }): Promise<ServerRecord | undefined>;
    /** Sorted by created time then id (stable for markers). */
    list(filter?: ServerFilter): Promise<ServerRecord[]>;
    /** Servers holding a node, deleted ones included (the reconciler's view). */
    listWithNodes(): Promise<ServerRecord[]>;
    /**
     * Applies `patch`; with `expect`, only if the current task/vm state matches
     * (throws StaleStateError otherwise) and, with `expect.lease`, only while that
     * task is running under that owner (throws LeaseLostError otherwise): a
     * handler that lost its lease cannot overwrite what the new holder wrote.
     * Returns the updated record.
     */
    update(id: string, patch: ServerPatch, expect?: ServerExpectation): Promise<ServerRecord>;
    countByProject(projectId: string): Promise<number>;
  };

  actions: {
    create(record: ActionRecord): Promise<void>;
    finish(id: string, finishTime: string, message: string | null): Promise<void>;
    /** Newest first. */
    listForServer(serverId: string): Promise<ActionRecord[]>;
    getByRequestId(serverId: string, requestId: string): Promise<ActionRecord | undefined>;
    addEvent(record: ActionEventRecord): Promise<void>;
    /** `traceback`: the admin-only detail (default null). */
    finishEvent(id: string, finishTime: string, result: "Success" | "Error", details: string | null, traceback?: string | null): Promise<void>;
    listEvents(actionId: string): Promise<ActionEventRecord[]>;
  };

  tasks: {
    /**
     * Throws ServerBusyError if the server has a pending or running task. With
     * `action`, the task's audit action is created in the same transaction.
     */
    enqueue(record: TaskRecord, action?: ActionRecord): Promise<void>;
    get(id: string): Promise<TaskRecord | undefined>;
    /** The server's pending or running task, if any. */
    activeForServer(serverId: string): Promise<TaskRecord | undefined>;
    /**
     * Atomically leases one pending task, or a running one whose lease expired,
     * to `worker` until now + leaseMs; increments attempts. Oldest first.
     */
    lease(worker: string, now: string, leaseMs: number): Promise<TaskRecord | undefined>;
    /** Extends the lease if `worker` still holds it; false if it lost it. */
    renew(id: string, worker: string, now: string, leaseMs: number): Promise<boolean>;
    /**
     * Ends the task if `worker` still holds the lease; false otherwise. With
     * `keptParams`, the row's params are replaced by them (secrets dropped).
     */
    finish(
      id: string,
      worker: string,
      status: Extract<TaskStatus, "done" | "failed">,
      lastError: string | null,
      now: string,
      keptParams?: Record<string, unknown>,
    ): Promise<boolean>;
    /** Active tasks (pending or running), oldest first. */
    listActive(): Promise<TaskRecord[]>;
  };

  workers: {
    /** Registers or refreshes a worker's heartbeat. */
    heartbeat(id: string, now: string): Promise<void>;
    /** Workers whose heartbeat is newer than `since`. */
    live(since: string): Promise<WorkerRecord[]>;
    remove(id: string): Promise<void>;
  };
}

export type { TaskKind };
