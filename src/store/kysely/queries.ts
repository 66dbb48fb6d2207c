// Query shapes several repositories share.
//
// Lists are ordered by (created_at, id); a `marker` means "after the record with
// this id" in that order. An unknown marker yields an empty page (the subquery
// finds no row, so the row comparison is NULL).

import { sql, type Expression, type Kysely, type Selectable, type SqlBool } from "kysely";
import type { Database } from "../schema.js";
import type { Page } from "../store.js";

export function affected(count: bigint | undefined): boolean {
  return count !== undefined && count > 0n;
}

export function checkPage(page: Page | undefined): void {
  const limit = page?.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new RangeError(`limit must be a non-negative integer, got ${String(limit)}`);
  }
}

/**
 * `(created_at, id) > (marker's)`, for the table being listed. Raw SQL (a row
 * comparison Kysely has no builder for), so its columns are spelled as stored:
 * CamelCasePlugin does not rewrite text inside `sql`.
 */
export function afterMarker(table: "images" | "servers", marker: string): Expression<SqlBool> {
  return sql<SqlBool>`(created_at, id) > (SELECT m.created_at, m.id FROM ${sql.table(table)} AS m WHERE m.id = ${marker})`;
}

/** Tables with a string primary key `id` and a unique `name`. */
type NamedTable = "projects" | "users" | "flavors";

/** get / getByName / list (by creation) / delete, the same for every named table. */
export function namedTableQueries<T extends NamedTable, R>(
  db: Kysely<Database>,
  table: T,
  fromRow: (row: Selectable<Database[T]>) => R,
): {
  get: (id: string) => Promise<R | undefined>;
  getByName: (name: string) => Promise<R | undefined>;
  list: () => Promise<R[]>;
  delete: (id: string) => Promise<boolean>;
} {
  // Kysely cannot type a query over a generic table name, so the three are seen
  // through the columns they share; `table` is still the real name in the SQL.
  const named = db as unknown as Kysely<{ named: { id: string; name: string; createdAt: string } }>;
  const from = table as unknown as "named";
  const take = (row: unknown): R | undefined => (row === undefined ? undefined : fromRow(row as Selectable<Database[T]>));
  return {
    get: async (id) => take(await named.selectFrom(from).selectAll().where("id", "=", id).executeTakeFirst()),
    getByName: async (name) => take(await named.selectFrom(from).selectAll().where("name", "=", name).executeTakeFirst()),
    list: async () => {
      const rows = await named.selectFrom(from).selectAll().orderBy("createdAt").orderBy("id").execute();
      return rows.map((row) => fromRow(row as unknown as Selectable<Database[T]>));
    },
    delete: async (id) => affected((await named.deleteFrom(from).where("id", "=", id).executeTakeFirst()).numDeletedRows),
  };
}
