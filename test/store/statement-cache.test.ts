import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { StatementCache } from "../../src/store/statement-cache.js";

describe("StatementCache", () => {
  const db = new Database(":memory:");
  db.exec("create table t (id integer primary key, v text)");
  afterAll(() => db.close());

  it("prepares a SQL text once and hands the same statement back", () => {
    const cache = new StatementCache(db);
    const insert = cache.prepare("insert into t (v) values (?)");
    expect(cache.prepare("insert into t (v) values (?)")).toBe(insert);
    insert.run("a");
    cache.prepare("insert into t (v) values (?)").run("b");
    expect(cache.prepare("select v from t order by id").all()).toEqual([{ v: "a" }, { v: "b" }]);
  });

  it("keeps at most its bound, dropping the least recently used first", () => {
    const cache = new StatementCache(db, 2);
    const one = cache.prepare("select 1");
    const two = cache.prepare("select 2");
    expect(cache.prepare("select 1")).toBe(one); // now most recent
    cache.prepare("select 3"); // evicts "select 2"
    expect(cache.prepare("select 1")).toBe(one);
    expect(cache.prepare("select 2")).not.toBe(two);
  });

  it("still answers after the schema changed under a cached statement", () => {
    const cache = new StatementCache(db);
    const count = cache.prepare("select count(*) as n from t");
    db.exec("alter table t add column w text");
    expect(cache.prepare("select count(*) as n from t")).toBe(count);
    expect(count.get()).toEqual({ n: 2 });
  });
});
