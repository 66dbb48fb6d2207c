// store.servers.list over Kysely: Nova's list filters and sort keys in SQL (the
// same SQL on SQLite and PostgreSQL), keyset paging after a marker in any
// order, and the `keep` predicate applied while rows are read in batches.
//
// Keyset paging: every order ends with (created_at, id), so it is total; "after
// the marker" is the lexicographic comparison of the sort values, written out
// as OR-ed prefixes because directions may differ per key.

import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SelectQueryBuilder, type SqlBool } from "kysely";
import type { Database, ServersTable } from "../schema.js";
import type { ServerFilter, ServerSort, ServerSortKey, TagFilter } from "../store.js";
import type { ServerRecord } from "../records.js";
import type { StoreContext } from "./context.js";
import { serverFromRow } from "./rows.js";

/** Rows read per query while `keep` filters: one batch is what memory holds beyond the page. */
export const SERVER_SCAN_BATCH = 200;

const NULLABLE = new Set<ServerSortKey>([
  "accessIpv4",
  "accessIpv6",
  "deletedAt",
  "description",
  "imageId",
  "keyName",
  "launchedAt",
  "lockedBy",
  "nodeUuid",
  "taskState",
]);

/** The value a key sorts by, the same expression in ORDER BY, in the cursor and in the comparison. */
function sortValue(key: ServerSortKey): RawBuilder<unknown> {
  if (key === "placed") return sql`(CASE WHEN ${sql.ref("nodeUuid")} IS NULL THEN 0 ELSE 1 END)`;
  // Nova's power_state integers, so the order is Nova's, not alphabetical.
  if (key === "powerState") {
    return sql`(CASE ${sql.ref("powerState")} WHEN 'running' THEN 1 WHEN 'shutdown' THEN 4 WHEN 'crashed' THEN 6 ELSE 0 END)`;
  }
  // NULL as '' so both databases put it first ascending (PostgreSQL would put it last).
  if (NULLABLE.has(key)) return sql`COALESCE(${sql.ref(key)}, '')`;
  return sql`${sql.ref(key)}`;
}

/** The sort with Nova's (created_at, id) tie-breakers; oldest first when none is given. */
export function totalOrder(sort: readonly ServerSort[] | undefined): ServerSort[] {
  const given = sort ?? [];
  const direction = given[0]?.direction ?? "asc";
  const order = [...given];
  for (const key of ["createdAt", "id"] as const) {
    if (!order.some((entry) => entry.key === key)) order.push({ key, direction });
  }
  return order;
}

/** (k1, k2, …) after (v1, v2, …) in `order`: k1 beyond v1, or k1 = v1 and k2 beyond v2, … */
function after(order: readonly ServerSort[], values: readonly unknown[]): Expression<SqlBool> {
  const prefixes = order.map((entry, index) => {
    const equal = order.slice(0, index).map((previous, at) => sql`${sortValue(previous.key)} = ${values[at]}`);
    const beyond = entry.direction === "asc" ? sql`${sortValue(entry.key)} > ${values[index]}` : sql`${sortValue(entry.key)} < ${values[index]}`;
    return sql`(${sql.join([...equal, beyond], sql` AND `)})`;
  });
  return sql<SqlBool>`(${sql.join(prefixes, sql` OR `)})`;
}

/**
 * Nova's tag filters as EXISTS subqueries on server_tags, each answered from its
 * primary key (server_id, tag).
 */
function tagCondition(eb: ExpressionBuilder<Database, "servers">, filter: TagFilter): Expression<SqlBool> {
  const tagged = (tags: readonly string[]) =>
    eb.exists(
      eb
        .selectFrom("serverTags")
        .select("serverTags.tag")
        .whereRef("serverTags.serverId", "=", "servers.id")
        .where("serverTags.tag", "in", [...tags]),
    );
  const hasAll = (tags: readonly string[]) => eb.and([...new Set(tags)].map((tag) => tagged([tag])));
  const conditions: Array<Expression<SqlBool>> = [];
  if (filter.all !== undefined && filter.all.length > 0) conditions.push(hasAll(filter.all));
  if (filter.any !== undefined && filter.any.length > 0) conditions.push(tagged(filter.any));
  if (filter.notAll !== undefined && filter.notAll.length > 0) conditions.push(eb.not(hasAll(filter.notAll)));
  if (filter.notAny !== undefined && filter.notAny.length > 0) conditions.push(eb.not(tagged(filter.notAny)));
  return eb.and(conditions);
}

/** LIKE pattern for "contains `text`": its own %, _ and \ escaped (ESCAPE '\' on both databases). */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/** A port of the server (device_id) has a fixed IP containing one of `texts`. */
function ipCondition(eb: ExpressionBuilder<Database, "servers">, texts: readonly string[]): Expression<SqlBool> {
  return eb.exists(
    eb
      .selectFrom("ports")
      .innerJoin("portFixedIps", "portFixedIps.portId", "ports.id")
      .select("ports.id")
      .whereRef("ports.deviceId", "=", "servers.id")
      .where((inner) => inner.or(texts.map((text) => sql<SqlBool>`${sql.ref("portFixedIps.ipAddress")} LIKE ${containsPattern(text)} ESCAPE '\\'`))),
  );
}

type ServerQuery = SelectQueryBuilder<Database, "servers", ServersTable>;

function filtered(query: ServerQuery, filter: ServerFilter): ServerQuery {
  const { projectId, name, includeDeleted, tags, locked, reservationId, imageId, flavorId, placed, changedSince, changedBefore, ipContains } = filter;
  return query
    .$if(projectId !== undefined, (q) => q.where("projectId", "=", projectId ?? ""))
    .$if(name !== undefined, (q) => q.where("name", "=", name ?? ""))
    .$if(includeDeleted !== true, (q) => q.where("deletedAt", "is", null))
    .$if(locked !== undefined, (q) => q.where("locked", "=", locked === true ? 1 : 0))
    .$if(reservationId !== undefined, (q) => q.where("reservationId", "=", reservationId ?? ""))
    .$if(imageId !== undefined, (q) => q.where("imageId", "=", imageId ?? ""))
    .$if(flavorId !== undefined, (q) => q.where("flavorId", "=", flavorId ?? ""))
    .$if(placed !== undefined, (q) => q.where("nodeUuid", placed === true ? "is not" : "is", null))
    // ISO texts of one format (record-schemas' isoTime) compare as the instants they name.
    .$if(changedSince !== undefined, (q) => q.where("updatedAt", ">=", changedSince ?? ""))
    .$if(changedBefore !== undefined, (q) => q.where("updatedAt", "<=", changedBefore ?? ""))
    .$if(tags !== undefined, (q) => q.where((eb) => tagCondition(eb, tags ?? {})))
    .$if(ipContains !== undefined, (q) => q.where((eb) => ipCondition(eb, ipContains ?? [])));
}

const cursorAlias = (index: number) => `sortValue${index}`;

export async function listServers({ db }: StoreContext, filter: ServerFilter = {}): Promise<ServerRecord[]> {
  const order = totalOrder(filter.sort);
  const base = filtered(db.selectFrom("servers").selectAll(), filter);
  let cursor: unknown[] | undefined;
  if (filter.marker !== undefined) {
    const marker = await db
      .selectFrom("servers")
      .select(order.map((entry, index) => sortValue(entry.key).as(cursorAlias(index))))
      .where("id", "=", filter.marker)
      .executeTakeFirst();
    // An unknown marker yields an empty page (the compute layer answers 400 first).
    if (marker === undefined) return [];
    cursor = order.map((_, index) => (marker as Record<string, unknown>)[cursorAlias(index)]);
  }
  const { keep, limit } = filter;
  if (limit === 0) return [];
  const batch = keep === undefined ? limit : SERVER_SCAN_BATCH;
  const kept: ServerRecord[] = [];
  for (;;) {
    const after_ = cursor;
    const rows = await base
      .select(order.map((entry, index) => sortValue(entry.key).as(cursorAlias(index))))
      .$if(after_ !== undefined, (q) => q.where(after(order, after_ ?? [])))
      .$call((q) => order.reduce((ordered, entry) => ordered.orderBy(sortValue(entry.key), entry.direction), q))
      .$if(batch !== undefined, (q) => q.limit(batch ?? 0))
      .execute();
    for (const row of rows) {
      const values = row as unknown as Record<string, unknown>;
      const plain = Object.fromEntries(Object.entries(values).filter(([key]) => !key.startsWith("sortValue")));
      const record = serverFromRow(plain as unknown as ServersTable);
      if (keep === undefined || keep(record)) kept.push(record);
      if (limit !== undefined && kept.length >= limit) return kept;
    }
    const last = rows.at(-1) as unknown as Record<string, unknown> | undefined;
    if (batch === undefined || last === undefined || rows.length < batch) return kept;
    cursor = order.map((_, index) => last[cursorAlias(index)]);
  }
}
