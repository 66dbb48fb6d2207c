// store.serverTags over Kysely: one row per (server, tag), keyed by both.
//
// add() is INSERT … SELECT … WHERE (count) < max ON CONFLICT DO NOTHING, so the
// per-server limit is checked by the statement that writes. That alone is not
// enough on PostgreSQL (READ COMMITTED: two such inserts do not see each
// other's rows), so there it first locks the server's row (FOR UPDATE) in the
// same transaction; SQLite's BEGIN IMMEDIATE already serializes writers.

import { sql, type CompiledQuery } from "kysely";
import type { Store } from "../store.js";
import type { StoreContext } from "./context.js";
import { affected } from "./queries.js";

export function serverTagsRepository({ db, kind, atomically }: StoreContext): Store["serverTags"] {
  const has = async (serverId: string, tag: string): Promise<boolean> =>
    (await db.selectFrom("serverTags").select("tag").where("serverId", "=", serverId).where("tag", "=", tag).executeTakeFirst()) !== undefined;
  return {
    forServers: async (serverIds) => {
      const tags = new Map<string, string[]>(serverIds.map((id) => [id, []]));
      if (serverIds.length === 0) return tags;
      const rows = await db
        .selectFrom("serverTags")
        .select(["serverId", "tag"])
        .where("serverId", "in", [...serverIds])
        .orderBy("serverId")
        .orderBy("tag")
        .execute();
      for (const row of rows) tags.get(row.serverId)?.push(row.tag);
      return tags;
    },
    replace: async (serverId, tags) => {
      const unique = [...new Set(tags)];
      const statements: CompiledQuery[] = [db.deleteFrom("serverTags").where("serverId", "=", serverId).compile()];
      if (unique.length > 0) statements.push(db.insertInto("serverTags").values(unique.map((tag) => ({ serverId, tag }))).compile());
      await atomically(statements);
    },
    add: async (serverId, tag, max) => {
      if (await has(serverId, tag)) return "present";
      // Raw SQL: an INSERT from a SELECT with a WHERE and no FROM, which both
      // dialects accept; CamelCasePlugin does not touch it, so columns are snake_case.
      const insert = sql`
        INSERT INTO server_tags (server_id, tag)
        SELECT CAST(${serverId} AS text), CAST(${tag} AS text)
        WHERE (SELECT COUNT(*) FROM server_tags WHERE server_id = ${serverId}) < ${max}
        ON CONFLICT DO NOTHING
        RETURNING tag`.compile(db);
      const serialize = sql`SELECT id FROM servers WHERE id = ${serverId} FOR UPDATE`.compile(db);
      const inserted = await atomically(kind === "postgres" ? [serialize, insert] : [insert]);
      if (inserted.length > 0) return "added";
      return (await has(serverId, tag)) ? "present" : "full";
    },
    remove: async (serverId, tag) =>
      affected((await db.deleteFrom("serverTags").where("serverId", "=", serverId).where("tag", "=", tag).executeTakeFirst()).numDeletedRows),
  };
}
