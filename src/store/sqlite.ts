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
// - Kysely transactions (the migrator's: see TransactionalDdlSqliteAdapter) start
//   with BEGIN IMMEDIATE: taking the write lock up front means two processes
//   migrating at once queue on busy_timeout instead of failing with SQLITE_BUSY
//   when a read lock cannot be upgraded, and the second finds nothing pending.

import { constants } from "node:fs";
import { chmod, mkdir, open, stat } from "node:fs/promises";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  Kysely,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDialectConfig,
} from "kysely";
import type { CheckedStatement } from "./kysely/context.js";
import { KyselyStore } from "./kysely-store.js";
import { SecretBox } from "./secret-box.js";
import { StatementCache } from "./statement-cache.js";
import type { Store } from "./store.js";

const BUSY_TIMEOUT_MS = 5_000;

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

/**
 * SQLite's DDL is transactional; Kysely's adapter says otherwise, which would
 * make its Migrator run migrations outside any transaction and without a lock
 * between processes. Saying yes makes it run them all in one transaction, which
 * our driver begins IMMEDIATE: the file's write lock is the migration lock.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
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

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** Only the service's user may read the database: it holds password hashes and tasks. */
const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;

/**
 * Creates the database's directory (0700) and file (0600) before SQLite opens it,
 * so the file is never readable by others, not even for a moment; an existing
 * file that others can read is made private. SQLite gives its -wal and -shm files
 * the database file's mode.
 */
export async function createPrivately(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: DIRECTORY_MODE });
  try {
    const handle = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, FILE_MODE);
    await handle.close();
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, FILE_MODE);
  }
}

/**
 * Opens (creating if needed) the SQLite database at `path`; ":memory:" gives a
 * private in-memory database (tests). Does not migrate: see openStore().
 */
export async function openSqliteStore(path: string, options: { secrets?: SecretBox } = {}): Promise<Store> {
  const memory = path === ":memory:" || path === "";
  if (!memory) await createPrivately(path);
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

  const statementCache = new StatementCache(raw);
  const runImmediate = (queries: readonly CheckedStatement[]): unknown[] => {
    if (raw.inTransaction) {
      // better-sqlite3 would silently nest with a SAVEPOINT, which is not atomic
      // against other processes the way BEGIN IMMEDIATE is.
      throw new Error("runImmediate called while a transaction is open on the SQLite handle");
    }
    const statements = queries.map(({ query, check }) => ({ statement: statementCache.prepare(query.sql), parameters: [...query.parameters], check }));
    return raw
      .transaction((): unknown[] => {
        let rows: unknown[] = [];
        for (const { statement, parameters, check } of statements) {
          if (statement.reader) rows = statement.all(parameters);
          else {
            statement.run(parameters);
            rows = [];
          }
          // A throw here rolls the transaction back (better-sqlite3's transaction()).
          check(rows);
        }
        return rows;
      })
      .immediate();
  };

  const database: SqliteDialectConfig["database"] = {
    prepare: (sql: string) => statementCache.prepare(sql),
    close: () => {
      statementCache.clear();
      raw.close();
    },
  };
  const db = new Kysely<unknown>({ dialect: new ImmediateSqliteDialect({ database }) });
  const setBusyTimeout = (ms: number | undefined): void => {
    raw.pragma(`busy_timeout = ${ms ?? BUSY_TIMEOUT_MS}`);
  };
  return new KyselyStore(db, { kind: "sqlite", runImmediate, setBusyTimeout }, options.secrets ?? SecretBox.ephemeral());
}
