// The PostgreSQL backend: a pg Pool (at most 10 connections per Store) under
// Kysely's PostgresDialect, for several hosts sharing one database.
//
// pg returns BIGINT and COUNT(*) as strings; the store converts where it reads
// them. An idle pooled connection that the server drops (restart, failover)
// makes the pool emit 'error'; without a listener that would crash the process,
// so it is logged and the pool replaces the connection on next use.
//
// Every session is opened with idle_in_transaction_session_timeout: a process
// that stalls between the statements of a transaction (paused, swapped out, an
// event loop blocked) would otherwise keep its locks, and the deploy-cap lock of
// kysely/tasks.ts would stop every other worker leasing deploys. The server ends
// such a session instead; its transaction rolls back, nothing half-done is kept.

import pg from "pg";
import { Kysely, PostgresDialect } from "kysely";
import { silentLogger, type Logger } from "../log/logger.js";
import { KyselyStore } from "./kysely-store.js";
import { SecretBox } from "./secret-box.js";
import type { Store } from "./store.js";

const POOL_MAX = 10;
/** Our transactions are a few statements sent back to back: 10 s idle inside one is a stalled process. */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;

export interface PostgresStoreOptions {
  logger?: Logger;
  /** Seals the secrets rows keep; default: a key of this process only (see SecretBox.ephemeral). */
  secrets?: SecretBox;
  /** Default IDLE_IN_TRANSACTION_TIMEOUT_MS (tests shorten it). */
  idleInTransactionTimeoutMs?: number;
}

/** How the store connects: the one home of its session settings (the pool uses it; tests open a session like the store's). */
export function postgresConnectionConfig(url: string, options: Pick<PostgresStoreOptions, "idleInTransactionTimeoutMs"> = {}): pg.ClientConfig {
  return { connectionString: url, idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? IDLE_IN_TRANSACTION_TIMEOUT_MS };
}

/** Connects lazily (the first query opens a connection). Does not migrate: see openStore(). */
export function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const logger = options.logger ?? silentLogger;
  const pool = new pg.Pool({ ...postgresConnectionConfig(url, options), max: POOL_MAX });
  pool.on("error", (error) => {
    logger.warn({ err: error }, "idle PostgreSQL connection failed; the pool will replace it");
  });
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  return Promise.resolve(new KyselyStore(db, { kind: "postgres" }, options.secrets ?? SecretBox.ephemeral()));
}
