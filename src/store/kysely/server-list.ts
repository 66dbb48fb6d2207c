// store.servers.list over Kysely: Nova's list filters and sort keys in SQL (the
// same SQL on SQLite and PostgreSQL), keyset paging after a marker in any
// order, and the `keep` predicate applied while rows are read in batches.
//
// Keyset paging: every order ends with (created_at, id), so it is total; "after
// the marker" is the lexicographic comparison of the sort values, written out
// as OR-ed prefixes because directions may differ per key.

import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SelectQueryBuilder, type SqlBool } from "kysely";
import type { Database } from "../schema.js";
import type { ServerFilter, ServerSort, ServerSortKey, TagFilter } from "../store.js";
import type { ServerRecord } from "../records.js";
import type { StoreContext } from "./context.js";
import { serverSchema } from "./record-schemas.js";
import { checkRow, serverFromRow } from "./rows.js";

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

function filtered<O>(query: SelectQueryBuilder<Database, "servers", O>, filter: ServerFilter): SelectQueryBuilder<Database, "servers", O> {
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

/** The columns `keep` is given (ServerListFields), checked as every row is. */
const SCANNED = ["id", "name", "nodeUuid", "vmState", "taskState"] as const;
const scannedSchema = serverSchema.pick({ id: true, name: true, nodeUuid: true, vmState: true, taskState: true });

function cursorOf(order: readonly ServerSort[], row: unknown): unknown[] {
  const values = row as Record<string, unknown>;
  return order.map((_, index) => values[cursorAlias(index)]);
}

export async function listServers({ db, secrets }: StoreContext, filter: ServerFilter = {}): Promise<ServerRecord[]> {
  const order = totalOrder(filter.sort);
  const sortValues = order.map((entry, index) => sortValue(entry.key).as(cursorAlias(index)));
  const ordered = <O>(query: SelectQueryBuilder<Database, "servers", O>, cursor: unknown[] | undefined) =>
    order.reduce((q, entry) => q.orderBy(sortValue(entry.key), entry.direction), cursor === undefined ? query : query.where(after(order, cursor)));
  let cursor: unknown[] | undefined;
  if (filter.marker !== undefined) {
    const marker = await db.selectFrom("servers").select(sortValues).where("id", "=", filter.marker).executeTakeFirst();
    // An unknown marker yields an empty page (the compute layer answers 400 first).
    if (marker === undefined) return [];
    cursor = cursorOf(order, marker);
  }
  const { keep, limit } = filter;
  if (limit === 0) return [];
  if (keep === undefined) {
    const rows = await ordered(filtered(db.selectFrom("servers").selectAll(), filter), cursor)
      .$if(limit !== undefined, (q) => q.limit(limit ?? 0))
      .execute();
    return rows.map((row) => serverFromRow(row, secrets));
  }
  const kept: ServerRecord[] = [];
  for (;;) {
    const rows = await ordered(filtered(db.selectFrom("servers").select([...SCANNED, ...sortValues]), filter), cursor).limit(SERVER_SCAN_BATCH).execute();
    const wanted: string[] = [];
    let scanned: unknown;
    for (const row of rows) {
      scanned = row;
      const fields = checkRow("servers", row.id, scannedSchema, { id: row.id, name: row.name, nodeUuid: row.nodeUuid, vmState: row.vmState, taskState: row.taskState });
      if (keep(fields)) wanted.push(fields.id);
      if (limit !== undefined && kept.length + wanted.length >= limit) break;
    }
    if (wanted.length > 0) {
      // The whole records of this batch's kept rows only, in scan order.
      const full = new Map((await db.selectFrom("servers").selectAll().where("id", "in", wanted).execute()).map((row) => [row.id, serverFromRow(row, secrets)] as const));
      for (const id of wanted) {
        const record = full.get(id);
        if (record !== undefined) kept.push(record);
      }
    }
    if ((limit !== undefined && kept.length >= limit) || rows.length < SERVER_SCAN_BATCH || scanned === undefined) return kept;
    // After the last row tested (a row deleted since the scan leaves the page short, not skipped).
    cursor = cursorOf(order, scanned);
  }
}
