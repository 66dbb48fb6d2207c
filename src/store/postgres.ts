// The PostgreSQL backend: a pg Pool (at most 10 connections per Store) under
// Kysely's PostgresDialect, for several hosts sharing one database.
//
// pg returns BIGINT and COUNT(*) as strings; the store converts where it reads
// them. An idle pooled connection that the server drops (restart, failover)
// makes the pool emit 'error'; without a listener that would crash the process,
// so it is logged and the pool replaces the connection on next use.

import pg from "pg";
import { Kysely, PostgresDialect } from "kysely";
import { silentLogger, type Logger } from "../log/logger.js";
import { KyselyStore } from "./kysely-store.js";
import { SecretBox } from "./secret-box.js";
import type { Store } from "./store.js";

const POOL_MAX = 10;

export interface PostgresStoreOptions {
  logger?: Logger;
  /** Seals the secrets rows keep; default: a key of this process only (see SecretBox.ephemeral). */
  secrets?: SecretBox;
}

/** Connects lazily (the first query opens a connection). Does not migrate: see openStore(). */
export function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const logger = options.logger ?? silentLogger;
  const pool = new pg.Pool({ connectionString: url, max: POOL_MAX });
  pool.on("error", (error) => {
    logger.warn({ err: error }, "idle PostgreSQL connection failed; the pool will replace it");
  });
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  return Promise.resolve(new KyselyStore(db, { kind: "postgres" }, options.secrets ?? SecretBox.ephemeral()));
}
