// Migration 0016: the "view version", a counter the database itself moves on
// every write to what a server's view shows (the server row, its tags, groups,
// flavor, ports, addresses, networks). The API's answer cache (api/answer-cache.ts)
// keeps a server list only for as long as the counter has not moved, so every
// process sharing the database — other `serve` hosts on PostgreSQL, a CLI on the
// SQLite file — invalidates it by writing, with no message between them.
//
// Triggers, not application code: one home for "this table changed", which no
// writer (a new repository method, a migration, an operator's SQL) can forget.
// The counter moves in the writer's transaction, so it is committed with what it
// announces: a reader that reads the counter first and the rows after sees rows
// at least as new as the counter says (never older, which would be a stale hit).
//
// Tasks are not watched: they change on every lease renewal, and the only view
// field they feed (the deploy queue position) is left out of caching instead
// (compute/servers.ts waitsForDeploySlot).

import { PostgresAdapter, sql, type ColumnType, type Kysely, type Migration } from "kysely";

/** The one-row table (id 1). */
export interface ViewVersionTable {
  id: number;
  /** BIGINT: a string when read from PostgreSQL. */
  version: ColumnType<number | string, number, number>;
}

/** The tables whose rows a server's view reads (compute/servers.ts view, server-networks.ts). */
export const VIEW_TABLES = [
  "servers",
  "server_tags",
  "server_groups",
  "server_group_members",
  "flavors",
  "flavor_extra_specs",
  "networks",
  "ports",
  "port_fixed_ips",
] as const;

const BUMP = "UPDATE view_version SET version = version + 1 WHERE id = 1";

async function sqliteTriggers(db: Kysely<unknown>): Promise<void> {
  // SQLite triggers are per row and per event.
  for (const table of VIEW_TABLES) {
    for (const event of ["INSERT", "UPDATE", "DELETE"] as const) {
      const name = `view_version_${table}_${event.toLowerCase()}`;
      await sql.raw(`CREATE TRIGGER ${name} AFTER ${event} ON ${table} BEGIN ${BUMP}; END`).execute(db);
    }
  }
}

/**
 * PostgreSQL: a constraint trigger deferred to the commit. Moving the counter
 * takes its row's lock until the transaction ends; taken at the first write, it
 * would be held while the transaction goes on to lock other rows, and two
 * writers locking in opposite orders would deadlock (one holding the counter,
 * waiting for the other's server row). Taken at commit, nothing waits for a row
 * while holding it. Row-level (constraint triggers are), but a transaction
 * moves the counter once: a transaction-local setting says it already did.
 * TRUNCATE (no row trigger sees it) has a statement trigger of its own.
 */
async function postgresTriggers(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `CREATE FUNCTION bump_view_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        IF current_setting('ironic_compute.view_version_moved', true) IS DISTINCT FROM 'yes' THEN
          PERFORM set_config('ironic_compute.view_version_moved', 'yes', true);
          ${BUMP};
        END IF;
        RETURN NULL;
      END $$`,
    )
    .execute(db);
  for (const table of VIEW_TABLES) {
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER view_version_${table} AFTER INSERT OR UPDATE OR DELETE ON ${table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_view_version()`)
      .execute(db);
    await sql.raw(`CREATE TRIGGER view_version_${table}_truncate AFTER TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION bump_view_version()`).execute(db);
  }
}

export const viewVersionMigration: Migration = {
  async up(db): Promise<void> {
    await db.schema
      .createTable("view_version")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("version", "bigint", (c) => c.notNull())
      .execute();
    await sql`INSERT INTO view_version (id, version) VALUES (1, 0)`.execute(db);
    if (db.getExecutor().adapter instanceof PostgresAdapter) await postgresTriggers(db);
    else await sqliteTriggers(db);
  },
};
