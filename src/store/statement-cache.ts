// Prepared statements of the SQLite handle, kept by their SQL text.
//
// Kysely's SQLite driver prepares every query it runs; preparing (parsing and
// planning the SQL) cost as much as running it on the create path (bench/api.ts
// profile: better-sqlite3's prepare on top). Our queries are a few hundred
// distinct texts, so each is prepared once and reused. Reuse is safe here:
// better-sqlite3 runs a statement to completion synchronously, nothing
// iterates one across an await (no streaming queries), and SQLite re-prepares a
// statement by itself when the schema changes under it (migrations).
import type BetterSqlite3 from "better-sqlite3";

/** Enough for every query text of the service; `in (?, ?, …)` lists of many lengths make the rest, evicted oldest first. */
const MAX_STATEMENTS = 500;

export class StatementCache {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(
    private readonly database: BetterSqlite3.Database,
    private readonly max = MAX_STATEMENTS,
  ) {}

  prepare(sql: string): BetterSqlite3.Statement {
    const cached = this.statements.get(sql);
    if (cached !== undefined) {
      // Most recently used last: the Map's order is the eviction order.
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    const statement = this.database.prepare(sql);
    this.statements.set(sql, statement);
    if (this.statements.size > this.max) {
      const oldest = this.statements.keys().next().value;
      if (oldest !== undefined) this.statements.delete(oldest);
    }
    return statement;
  }

  clear(): void {
    this.statements.clear();
  }
}
