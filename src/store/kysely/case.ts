// The one CamelCasePlugin of the store: queries are written camelCase against
// schema.ts's Database type, the plugin turns identifiers into the snake_case
// columns on the way out and result keys back into camelCase on the way in.
//
// What it does not reach, and so stays explicit:
// - rows that bypass Kysely's executor (SQLite's runImmediate hands back raw
//   better-sqlite3 rows): camelRows() applies the same plugin's result mapping;
// - column names written inside raw `sql` text (the marker subquery): spelled
//   snake_case there;
// - migrations, which run without the plugin and name their columns as created.
//
// maintainNestedObjectKeys: no column holds an object today (JSON is TEXT),
// but if a driver ever parsed one, its keys are data, not identifiers.

import { CamelCasePlugin, type UnknownRow } from "kysely";

class StoreCamelCase extends CamelCasePlugin {
  /** The stored column of a camelCase field (for messages that name the column). */
  column(field: string): string {
    return this.snakeCase(field);
  }

  /** Rows fetched outside Kysely, keyed the way Kysely would have keyed them. */
  camelRows(rows: readonly unknown[]): unknown[] {
    return rows.map((row) => this.mapRow(row as UnknownRow));
  }
}

export const camelCase = new StoreCamelCase({ maintainNestedObjectKeys: true });
