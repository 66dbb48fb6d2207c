// What every repository of the Kysely store is given: the (camelCase) database
// handle, which backend it is, and the one-transaction helper.

import type { CompiledQuery, Kysely } from "kysely";
import type { Database } from "../schema.js";

export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly kind: "sqlite" | "postgres";
  /**
   * Runs `statements` as one transaction, all of them or none, and returns the
   * last one's rows (camelCase). On SQLite: BEGIN IMMEDIATE … COMMIT, synchronously.
   */
  readonly atomically: (statements: readonly CompiledQuery[]) => Promise<unknown[]>;
}
