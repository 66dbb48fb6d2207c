// The SQLite backend: better-sqlite3 under Kysely's SqliteDialect, for a single
// host (one or a few processes sharing one file).
//
// - WAL: readers never block the writer and vice versa; other processes on the
//   same file see committed writes at once.
// - busy_timeout 5000: a writer that finds the file locked by another process
//   waits up to 5 s instead of failing at once. (better-sqlite3 is synchronous,
//   so the wait blocks this thread; every write we issue is one short statement,
//   never a transaction held across awaits, which keeps those waits short.)
// - foreign_keys ON (SQLite's default is off), synchronous NORMAL (safe with WAL:
//   a power loss may drop the last commits, never corrupt the file).
// - Kysely transactions (the migrator's) start with BEGIN IMMEDIATE: taking the
//   write lock up front means two processes migrating at once queue on
//   busy_timeout instead of failing with SQLITE_BUSY when a read lock cannot be
//   upgraded.

import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  Kysely,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
} from "kysely";
import { KyselyStore } from "./kysely-store.js";
import type { Database } from "./schema.js";
import type { Store } from "./store.js";

const BUSY_TIMEOUT_MS = 5_000;

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

/**
 * Opens (creating if needed) the SQLite database at `path`; ":memory:" gives a
 * private in-memory database (tests). Does not migrate: see openStore().
 */
export async function openSqliteStore(path: string): Promise<Store> {
  const memory = path === ":memory:" || path === "";
  if (!memory) await mkdir(dirname(path), { recursive: true });
  const raw = new BetterSqlite3(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    if (!memory) raw.pragma("journal_mode = WAL");
    raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    raw.pragma("foreign_keys = ON");
    raw.pragma("synchronous = NORMAL");
  } catch (error: unknown) {
    raw.close();
    throw error;
  }

  const runImmediate = (query: CompiledQuery): unknown[] => {
    if (raw.inTransaction) {
      // better-sqlite3 would silently nest with a SAVEPOINT, which is not atomic
      // against other processes the way BEGIN IMMEDIATE is.
      throw new Error("runImmediate called while a transaction is open on the SQLite handle");
    }
    const statement = raw.prepare(query.sql);
    const parameters = [...query.parameters];
    return raw
      .transaction((): unknown[] => {
        if (statement.reader) return statement.all(parameters);
        statement.run(parameters);
        return [];
      })
      .immediate();
  };

  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: raw }) });
  return new KyselyStore(db, { kind: "sqlite", runImmediate });
}
