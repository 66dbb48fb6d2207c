// Database errors → the store's typed errors. Unique violations become
// DuplicateError, except the partial index "one active task per server", which
// becomes ServerBusyError.

import type { TaskRecord } from "../records.js";
import { ACTIVE_TASK_INDEX } from "../schema.js";
import { DuplicateError, ServerBusyError } from "../store.js";

function errorField(error: unknown, field: "code" | "constraint" | "message"): string | undefined {
  if (typeof error !== "object" || error === null || !(field in error)) return undefined;
  const value: unknown = (error as Record<string, unknown>)[field];
  return typeof value === "string" ? value : undefined;
}

/** SQLite (better-sqlite3 SqliteError) or PostgreSQL (pg DatabaseError, 23505). */
export function isUniqueViolation(error: unknown): boolean {
  const code = errorField(error, "code");
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "23505";
}

/** The violated index is the "one active task per server" one. SQLite names the
 * columns ("UNIQUE constraint failed: tasks.server_id"), PostgreSQL the index. */
export function isActiveTaskViolation(error: unknown): boolean {
  if (!isUniqueViolation(error)) return false;
  if (errorField(error, "code") === "23505") return errorField(error, "constraint") === ACTIVE_TASK_INDEX;
  return errorField(error, "message")?.includes("tasks.server_id") === true;
}

/** Runs `work`; a unique violation becomes DuplicateError("<what> already exists"). */
export async function mapDuplicate<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error: unknown) {
    if (isUniqueViolation(error)) throw new DuplicateError(`${what} already exists`, { cause: error });
    throw error;
  }
}

/** The typed error for a failed task insert. */
export function taskInsertError(task: TaskRecord, error: unknown): unknown {
  if (isActiveTaskViolation(error)) {
    return new ServerBusyError(`server ${task.serverId} already has an operation in progress`, { cause: error });
  }
  if (isUniqueViolation(error)) return new DuplicateError(`task ${task.id} already exists`, { cause: error });
  return error;
}

/** PostgreSQL gave up waiting for a lock (lock_not_available, 55P03: lock_timeout passed). */
export function isLockTimeout(error: unknown): boolean {
  return errorField(error, "code") === "55P03";
}

/** SQLite (SQLITE_CONSTRAINT_FOREIGNKEY) or PostgreSQL (23503). */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = errorField(error, "code");
  return code === "SQLITE_CONSTRAINT_FOREIGNKEY" || code === "23503";
}

/**
 * The unique violation is of this key: PostgreSQL names the constraint,
 * SQLite the columns ("UNIQUE constraint failed: ports.network_id, ports.mac_address").
 */
export function isUniqueViolationOf(error: unknown, key: { constraint: string; sqliteColumns: string }): boolean {
  if (!isUniqueViolation(error)) return false;
  if (errorField(error, "code") === "23505") return errorField(error, "constraint") === key.constraint;
  return errorField(error, "message")?.endsWith(key.sqliteColumns) === true;
}
