// What every repository of the Kysely store is given: the (camelCase) database
// handle, which backend it is, and the one-transaction helper.

import type { CompiledQuery, Kysely } from "kysely";
import type { Database } from "../schema.js";
import type { SecretBox } from "../secret-box.js";

/**
 * A statement of a transaction whose rows decide whether it goes on: `check`
 * throws to roll everything back (rows camelCase, on both backends). It runs
 * synchronously between two statements, so on SQLite it stays inside BEGIN
 * IMMEDIATE … COMMIT.
 */
export interface CheckedStatement {
  readonly query: CompiledQuery;
  readonly check: (rows: readonly unknown[]) => void;
}

export type TransactionStep = CompiledQuery | CheckedStatement;

export function isChecked(step: TransactionStep): step is CheckedStatement {
  return "check" in step;
}

export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly kind: "sqlite" | "postgres";
  /** Seals the secrets a row keeps (a CHAP secret, a running task's passwords). */
  readonly secrets: SecretBox;
  /**
   * Runs `statements` as one transaction, all of them or none, and returns the
   * last one's rows (camelCase). On SQLite: BEGIN IMMEDIATE … COMMIT, synchronously.
   * A CheckedStatement's check may end it early: it throws, nothing is kept.
   */
  readonly atomically: (statements: readonly TransactionStep[]) => Promise<unknown[]>;
}
