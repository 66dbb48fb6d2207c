// The Store contract on a real PostgreSQL (harness/postgres-process.ts). Every
// test gets the file's database emptied (TRUNCATE: ~10 ms, where a CREATE
// DATABASE per test costs ~250 ms); the two-instance tests use two Stores = two
// pools on it. Also: the harness leaves no postgres process behind.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childPids, isRunning, startPostgres, type RunningPostgres } from "../../harness/postgres-process.js";
import { DEPLOY_CAP_LOCK, DEPLOY_CAP_LOCK_WAIT_MS } from "../../src/store/kysely/tasks.js";
import { openStore } from "../../src/store/open.js";
import { postgresConnectionConfig } from "../../src/store/postgres.js";
import type { Store } from "../../src/store/store.js";
import { testSecrets } from "../support/secrets.js";
import { at, describeStoreContract, storedServer, taskRecord } from "./store-contract.js";
import { migrateUpTo, runSeed } from "./flavor-contract.js";

let postgres: RunningPostgres | undefined;
let admin: pg.Client | undefined;

function running(): RunningPostgres {
  if (postgres === undefined) throw new Error("PostgreSQL did not start");
  return postgres;
}

beforeAll(async () => {
  const started = Date.now();
  postgres = await startPostgres();
  console.log(`PostgreSQL started in ${Date.now() - started} ms`);
  admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
}, 120_000);

afterAll(async () => {
  await admin?.end();
  await postgres?.stop();
});

function adminClient(): pg.Client {
  if (admin === undefined) throw new Error("no admin connection");
  return admin;
}

/** A migrated store on the file's database, emptied (but for the view version's one row, part of the schema). */
async function openEmpty(): Promise<Store> {
  const store = await openStore({ kind: "postgres", url: running().url }, testSecrets());
  const { rows } = await adminClient().query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE 'kysely%' AND tablename <> 'view_version'",
  );
  await adminClient().query(`TRUNCATE ${rows.map((row) => `"${row.tablename}"`).join(", ")} CASCADE`);
  return store;
}

describeStoreContract("postgres", {
  open: openEmpty,
  openTwins: async () => [await openEmpty(), await openStore({ kind: "postgres", url: running().url }, testSecrets())],
  execRaw: async (_store, statement) => {
    await adminClient().query(statement);
  },
  queryRaw: async (_store, query) => (await adminClient().query<Record<string, unknown>>(query)).rows,
  openAnother: (_store, secrets) => openStore({ kind: "postgres", url: running().url }, secrets),
  openMigratedFrom: async (last, seed) => {
    // A database of its own: the file's shared one is already at the latest schema.
    const name = `migrated_${randomBytes(6).toString("hex")}`;
    await adminClient().query(`CREATE DATABASE ${name}`);
    const url = new URL(running().url);
    url.pathname = `/${name}`;
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString(), max: 1 }) }) });
    try {
      await migrateUpTo(db, last);
      await runSeed(db, seed);
    } finally {
      await db.destroy();
    }
    return openStore({ kind: "postgres", url: url.toString() }, testSecrets());
  },
});

describe("PostgreSQL sessions of a stalled worker", () => {
  // The CI failure of crash-pg (2026-12-03): a worker SIGSTOPped between the
  // statements of a capped lease kept the deploy-cap lock, and every other
  // worker's lease loop hung on it. The holder here is a session opened exactly
  // like the store's, stalled after taking the lock.
  it("hold up the others' capped leases only for a bounded wait, until the server ends the stalled session", async () => {
    const idleInTransactionTimeoutMs = DEPLOY_CAP_LOCK_WAIT_MS * 3;
    const store = await openEmpty();
    const stalled = new pg.Client(postgresConnectionConfig(running().url, { idleInTransactionTimeoutMs }));
    // Its first error is the server's FATAL; "Connection terminated" follows.
    const ended = new Promise<Error>((resolve) => stalled.on("error", resolve));
    try {
      const { server, action } = await storedServer(store);
      const create = taskRecord(server, action, { createdAt: at(0), updatedAt: at(0) });
      await store.tasks.enqueue(create);
      await stalled.connect();
      await stalled.query("BEGIN");
      await stalled.query("SELECT pg_advisory_xact_lock($1)", [DEPLOY_CAP_LOCK]);
      const lockedAt = Date.now();

      const begun = Date.now();
      expect(await store.tasks.lease("w1", at(1), 30_000, { maxDeploys: 2 })).toBeUndefined();
      const waited = Date.now() - begun;
      expect(waited).toBeGreaterThanOrEqual(DEPLOY_CAP_LOCK_WAIT_MS - 50); // it did wait for the lock
      expect(Date.now() - lockedAt).toBeLessThan(idleInTransactionTimeoutMs); // and gave up before the session ended

      // The server terminates the idle transaction: its lock goes, the lease succeeds.
      expect((await ended).message).toMatch(/idle-in-transaction timeout/);
      expect((await store.tasks.lease("w1", at(2), 30_000, { maxDeploys: 2 }))?.id).toBe(create.id);
    } finally {
      await stalled.end().catch(() => undefined);
      await store.close();
    }
  }, 30_000);
});

describe("the view version on PostgreSQL", () => {
  // schema-view-version.ts: the counter moves at commit. Moved at the first
  // write, two transactions updating servers in opposite orders deadlocked (one
  // held the counter and waited for the other's server row).
  it("two transactions writing two servers in opposite orders both commit, and the version moves once each", async () => {
    const store = await openEmpty();
    const first = new pg.Client(postgresConnectionConfig(running().url));
    const second = new pg.Client(postgresConnectionConfig(running().url));
    try {
      const a = (await storedServer(store)).server.id;
      const b = (await storedServer(store)).server.id;
      const before = (await store.viewVersion()) ?? Number.NaN;
      await first.connect();
      await second.connect();
      await first.query("BEGIN");
      await second.query("BEGIN");
      await first.query("UPDATE servers SET name = 'first' WHERE id = $1", [a]);
      await second.query("UPDATE servers SET name = 'second' WHERE id = $1", [b]);
      const waiting = first.query("UPDATE servers SET name = 'first' WHERE id = $1", [b]); // waits for second's row lock
      await second.query("UPDATE servers SET description = 'second' WHERE id = $1", [b]);
      await second.query("COMMIT");
      await waiting;
      await first.query("COMMIT");
      expect((await store.servers.get(b))?.name).toBe("first");
      expect(await store.viewVersion()).toBe(before + 2); // one per transaction, not per row or statement
    } finally {
      await first.end();
      await second.end();
      await store.close();
    }
  }, 30_000);
});

/** Waits until none of `pids` runs any more (zombies count as gone). */
async function allGone(pids: number[], ms: number): Promise<number[]> {
  const until = Date.now() + ms;
  for (;;) {
    const left = pids.filter(isRunning);
    if (left.length === 0 || Date.now() > until) return left;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("PostgreSQL harness", () => {
  it("stop() leaves no postgres process and removes its dir", async () => {
    const other = await startPostgres();
    const store = await openStore({ kind: "postgres", url: other.url });
    await store.projects.list(); // the pool's connection has a backend process
    const pids = [other.pid, ...childPids(other.pid)];
    expect(pids.length).toBeGreaterThan(4); // checkpointer, walwriter, …, the backend
    await other.stop(); // with the pool still connected
    await store.close();
    expect(await allGone(pids, 0)).toEqual([]);
    expect(existsSync(other.dir)).toBe(false);
  }, 60_000);

  it("a SIGKILLed parent leaves no postgres process (PDEATHSIG → immediate shutdown)", async () => {
    const harness = new URL("../../harness/postgres-process.js", import.meta.url).pathname;
    const open = new URL("../../src/store/open.js", import.meta.url).pathname;
    // The child starts PostgreSQL, holds a pooled connection, reports, then idles.
    const code = `
      const { startPostgres, childPids } = await import(${JSON.stringify(harness)});
      const { openStore } = await import(${JSON.stringify(open)});
      const pgr = await startPostgres();
      const store = await openStore({ kind: "postgres", url: pgr.url });
      await store.projects.list();
      process.stdout.write(JSON.stringify({ pid: pgr.pid, children: childPids(pgr.pid), dir: pgr.dir }) + "\\n");
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const report = await new Promise<{ pid: number; children: number[]; dir: string }>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split("\n")[0];
        if (out.includes("\n") && line !== undefined) resolve(JSON.parse(line) as { pid: number; children: number[]; dir: string });
      });
      child.once("exit", (exitCode) => {
        reject(new Error(`child exited early (${String(exitCode)})`));
      });
    });
    const pids = [report.pid, ...report.children];
    expect(pids.filter(isRunning)).toEqual(pids);
    child.kill("SIGKILL");
    expect(await allGone(pids, 10_000)).toEqual([]);
    // Nobody is left to remove the temp dir in this case; do it for the test.
    const { rm } = await import("node:fs/promises");
    await rm(report.dir, { recursive: true, force: true });
  }, 60_000);
});
