// Running the schema's migrations (schema.ts holds the list) and saying where a
// database stands.
//
// - Forward only: the migrations have no `down`, and nothing here migrates down.
// - Versioned: a database's version is the last migration it ran, as recorded
//   by Kysely's Migrator in `kysely_migration`; this binary's version is the last
//   name in `migrations`.
// - One transaction, one migrator at a time, on both backends: Kysely's Migrator
//   runs every pending migration in one transaction under its lock when the
//   adapter says DDL is transactional. On PostgreSQL that is
//   pg_advisory_lock + BEGIN, so a second process waits and then finds nothing
//   pending. On SQLite Kysely's adapter says no (and takes no lock, trusting one
//   connection per process); our SQLite dialect says yes (SQLite's DDL is
//   transactional) and begins with BEGIN IMMEDIATE (sqlite.ts), so the file's
//   write lock is the migration lock across processes.
// - A database that ran a migration this binary does not know was written by a
//   newer ironic-compute: it refuses to start (SchemaNewerError) rather than run
//   against columns it does not understand.

import { Migrator, sql, type Kysely } from "kysely";
import { migrationProvider, migrations } from "./schema.js";

const MIGRATION_TABLE = "kysely_migration";

/** The schema versions this binary knows, in order. */
export const KNOWN_MIGRATIONS: readonly string[] = Object.keys(migrations).sort();

/** The newest schema version this binary knows. */
export const LATEST_MIGRATION: string = KNOWN_MIGRATIONS[KNOWN_MIGRATIONS.length - 1] ?? "none";

/** The database was migrated by a newer ironic-compute than this one. */
export class SchemaNewerError extends Error {
  constructor(
    readonly databaseVersion: string,
    readonly binaryVersion: string,
    readonly unknown: readonly string[],
  ) {
    super(
      `the database's schema version ${databaseVersion} is newer than this ironic-compute's ${binaryVersion} ` +
        `(unknown migrations: ${unknown.join(", ")}); run the ironic-compute that wrote it, or restore a backup taken by this version`,
    );
    this.name = "SchemaNewerError";
  }
}

/** A migration failed; the transaction it ran in was rolled back. */
export class MigrationFailedError extends Error {
  constructor(readonly migration: string | undefined, cause: unknown) {
    super(`database migration${migration === undefined ? "" : ` ${migration}`} failed`, { cause });
    this.name = "MigrationFailedError";
  }
}

export interface SchemaStatus {
  /** Migrations the database ran, in name order. */
  applied: string[];
  /** Known to this binary, not yet run. */
  pending: string[];
  /** Run on the database, unknown to this binary (a newer version wrote it). */
  unknown: string[];
  /** The database's version: its last migration, "none" for an empty database. */
  databaseVersion: string;
  binaryVersion: string;
}

/** The migrations the database ran; [] when it has no migration table yet. */
export async function appliedMigrations(db: Kysely<unknown>): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((table) => table.name === MIGRATION_TABLE)) return [];
  const { rows } = await sql<{ name: unknown }>`SELECT name FROM ${sql.table(MIGRATION_TABLE)}`.execute(db);
  return rows.map((row) => String(row.name)).sort();
}

/** Compares what the database ran with what this binary knows. Pure. */
export function statusOf(applied: readonly string[]): SchemaStatus {
  const ran = new Set(applied);
  const known = new Set(KNOWN_MIGRATIONS);
  const sorted = [...applied].sort();
  return {
    applied: sorted,
    pending: KNOWN_MIGRATIONS.filter((name) => !ran.has(name)),
    unknown: sorted.filter((name) => !known.has(name)),
    databaseVersion: sorted[sorted.length - 1] ?? "none",
    binaryVersion: LATEST_MIGRATION,
  };
}

export async function schemaStatus(db: Kysely<unknown>): Promise<SchemaStatus> {
  return statusOf(await appliedMigrations(db));
}

function refuseNewer(status: SchemaStatus): void {
  if (status.unknown.length > 0) throw new SchemaNewerError(status.databaseVersion, status.binaryVersion, status.unknown);
}

/**
 * Brings the schema to this binary's version; returns the migrations this call
 * ran (none when another process got there first). `db` must not carry the
 * CamelCasePlugin.
 */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  // Checked before the migrator runs, whose own message for this case
  // ("previously executed migration … is missing") does not say what to do.
  refuseNewer(await schemaStatus(db));
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    // A newer process may have migrated between the check and the lock.
    refuseNewer(await schemaStatus(db));
    throw new MigrationFailedError(results?.find((result) => result.status === "Error")?.migrationName, error);
  }
  return (results ?? []).filter((result) => result.status === "Success").map((result) => result.migrationName);
}
