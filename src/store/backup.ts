// Backup and restore of the SQLite database (issue 19 #4). PostgreSQL has its
// own tools (pg_dump / pg_restore), which the CLI names instead.
//
// - Backup uses SQLite's online backup API (better-sqlite3's backup()): a
//   consistent copy taken page by page while the service keeps writing (WAL
//   included); the copy is made 0600 before a byte lands in it and is then
//   checked as a restore would check it.
// - Restore refuses while a service runs on the database (a worker with a fresh
//   heartbeat: workers.ts), refuses a file that is not an ironic-compute
//   database of a schema this binary knows, and then copies it over the
//   database through the same backup API, so SQLite, not a file rename, deals
//   with the target's WAL and locks. The target keeps (or gets) mode 0600.
// - After a restore from an older backup the database lacks servers created
//   since; their nodes are claimed for instances it has no record of, which the
//   reconciler reports and leaves alone (compute/reconciler.ts).

import { access, chmod, stat } from "node:fs/promises";
import BetterSqlite3 from "better-sqlite3";
import { statusOf, type SchemaStatus } from "./migrations.js";
import { createPrivately, openSqliteStore } from "./sqlite.js";

/** The file is not something this binary can restore. */
export class InvalidBackupError extends Error {
  constructor(file: string, reason: string) {
    super(`${file} is not a usable ironic-compute backup: ${reason}`);
    this.name = "InvalidBackupError";
  }
}

/** A service runs on the database (or died less than the worker timeout ago). */
export class ServiceRunningError extends Error {
  constructor(readonly workers: readonly { id: string; heartbeatAt: string }[]) {
    super(
      `the service is running on this database (live workers: ${workers.map((worker) => `${worker.id}, last heartbeat ${worker.heartbeatAt}`).join("; ")}); ` +
        "stop every ironic-compute serve process first (a process that died counts as live until compute.workerTimeoutMs after its last heartbeat)",
    );
    this.name = "ServiceRunningError";
  }
}

/** Something is in the way of the backup file. */
export class BackupTargetExistsError extends Error {
  constructor(file: string) {
    super(`${file} exists; refusing to overwrite it (choose a new file name)`);
    this.name = "BackupTargetExistsError";
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Checks that `file` is a sound ironic-compute SQLite database of a known schema version; its status. */
export async function inspectBackup(file: string): Promise<SchemaStatus> {
  if (!(await exists(file))) throw new InvalidBackupError(file, "no such file");
  let raw: BetterSqlite3.Database;
  try {
    raw = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new InvalidBackupError(file, `SQLite cannot open it (${(error as Error).message})`);
  }
  try {
    let check: unknown;
    try {
      check = raw.pragma("quick_check", { simple: true });
    } catch (error) {
      throw new InvalidBackupError(file, `not an SQLite database (${(error as Error).message})`);
    }
    if (check !== "ok") throw new InvalidBackupError(file, `SQLite's quick_check failed: ${String(check)}`);
    const table = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'kysely_migration'").get();
    if (table === undefined) throw new InvalidBackupError(file, "it has no ironic-compute schema (no migration table)");
    const names = (raw.prepare("SELECT name FROM kysely_migration").all() as Array<{ name: unknown }>).map((row) => String(row.name));
    const status = statusOf(names);
    if (status.applied.length === 0) throw new InvalidBackupError(file, "it has no ironic-compute schema (no migration ran)");
    if (status.unknown.length > 0) {
      throw new InvalidBackupError(file, `its schema version ${status.databaseVersion} is newer than this ironic-compute's ${status.binaryVersion}`);
    }
    return status;
  } finally {
    raw.close();
  }
}

/** Copies the live database at `databasePath` into the new file `file` (0600), consistently; the copy's status. */
export async function backupSqlite(databasePath: string, file: string): Promise<SchemaStatus> {
  if (!(await exists(databasePath))) throw new InvalidBackupError(databasePath, "no such database file");
  if (await exists(file)) throw new BackupTargetExistsError(file);
  await createPrivately(file);
  const source = new BetterSqlite3(databasePath, { fileMustExist: true });
  try {
    await source.backup(file);
  } finally {
    source.close();
  }
  return await inspectBackup(file);
}

/**
 * Replaces the database at `databasePath` with the backup `file`, after the
 * checks above; `workerTimeoutMs` says how recent a heartbeat means a running
 * service. Returns the restored database's status.
 */
export async function restoreSqlite(file: string, databasePath: string, workerTimeoutMs: number): Promise<SchemaStatus> {
  const status = await inspectBackup(file);
  if (await exists(databasePath)) {
    const store = await openSqliteStore(databasePath);
    try {
      if ((await store.schemaStatus()).applied.length > 0) {
        const live = await store.workers.live(new Date(Date.now() - workerTimeoutMs).toISOString());
        if (live.length > 0) throw new ServiceRunningError(live.map((worker) => ({ id: worker.id, heartbeatAt: worker.heartbeatAt })));
      }
    } finally {
      await store.close();
    }
  }
  await createPrivately(databasePath);
  const source = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    await source.backup(databasePath);
  } finally {
    source.close();
  }
  // createPrivately made it 0600 (or found it so); the page copy keeps the mode. Said once more, in case.
  if (((await stat(databasePath)).mode & 0o077) !== 0) await chmod(databasePath, 0o600);
  return status;
}
