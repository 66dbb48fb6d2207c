// Query shapes several repositories share.
//
// Lists are ordered by (created_at, id); a `marker` means "after the record with
// this id" in that order. An unknown marker yields an empty page (the subquery
// finds no row, so the row comparison is NULL).

import {
  sql,
  type Expression,
  type Insertable,
  type Kysely,
  type Selectable,
  type SelectQueryBuilder,
  type SqlBool,
} from "kysely";
import type { z } from "zod";
import type { Database } from "../schema.js";
import type { NamedRepository, Page } from "../store.js";
import { auditedSteps, writeWithAudit } from "./admin-audit.js";
import type { StoreContext } from "./context.js";
import { mapDuplicate } from "./errors.js";
import { checkInput } from "./rows.js";

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
export function afterMarker(table: "images" | "servers" | "volumes", marker: string): Expression<SqlBool> {
  return sql<SqlBool>`(created_at, id) > (SELECT m.created_at, m.id FROM ${sql.table(table)} AS m WHERE m.id = ${marker})`;
}

type CreatedTable = "projects" | "users" | "flavors" | "images" | "keypairs" | "servers" | "tasks" | "serverGroups" | "volumes";

/** Orders a list oldest first: by (created_at, id), the order markers page in. */
export function oldestFirst<TB extends CreatedTable, O>(
  query: SelectQueryBuilder<Database, TB, O>,
): SelectQueryBuilder<Database, TB, O> {
  return query.orderBy(sql.ref("createdAt")).orderBy(sql.ref("id"));
}

/** Tables with a string primary key `id` and a unique `name`. */
type NamedTable = "projects" | "users" | "flavors";

interface NamedRow {
  id: string;
  name: string;
  createdAt: string;
}

/** create / get / getByName / list (oldest first) / delete, the same for every named table. */
export function namedTable<T extends NamedTable, R extends { id: string; name: string }>(
  context: StoreContext,
  table: T,
  record: {
    /** What a DuplicateError calls it: "project". */
    noun: string;
    /** What a TypeError calls it: "ProjectRecord". */
    typeName: string;
    schema: z.ZodType<R>;
    fromRow: (row: Selectable<Database[T]>) => R;
    toRow: (record: R) => Insertable<Database[T]>;
  },
): NamedRepository<R> {
  const { db } = context;
  // Kysely cannot type a query over a generic table name, so the three are seen
  // through the columns they share; `table` is still the real name in the SQL.
  const named = db as unknown as Kysely<{ named: NamedRow }>;
  const from = table as unknown as "named";
  const fromRow = (row: NamedRow): R => record.fromRow(row as unknown as Selectable<Database[T]>);
  const take = (row: NamedRow | undefined): R | undefined => (row === undefined ? undefined : fromRow(row));
  return {
    create: async (value, audit) => {
      const r = checkInput(record.typeName, record.schema, value);
      const insert = named
        .insertInto(from)
        .values(record.toRow(r) as unknown as NamedRow)
        .compile();
      await mapDuplicate(`${record.noun} ${JSON.stringify(r.name)} (id ${r.id})`, () => writeWithAudit(context, insert, audit));
    },
    get: async (id) => take(await named.selectFrom(from).selectAll().where("id", "=", id).executeTakeFirst()),
    getByName: async (name) => take(await named.selectFrom(from).selectAll().where("name", "=", name).executeTakeFirst()),
    list: async () => {
      const rows = await named.selectFrom(from).selectAll().orderBy("createdAt").orderBy("id").execute();
      return rows.map(fromRow);
    },
    delete: async (id, audit) =>
      audit === undefined
        ? affected((await named.deleteFrom(from).where("id", "=", id).executeTakeFirst()).numDeletedRows)
        : auditedSteps(context, [named.deleteFrom(from).where("id", "=", id).returning("id").compile()], audit),
  };
}
