// Upgrades (issue 19 #3), on SQLite and on a real PostgreSQL
// (harness/postgres-process.ts):
// - a database made by the first released schema (migration 0001 only), with
//   rows in it, upgrades to the current schema; the rows survive and the store works;
// - the pending migrations run in one transaction (a failing one leaves the
//   database at its old version);
// - two openers at once (two processes on one SQLite file; two pools on one
//   PostgreSQL database) run the migrations exactly once between them;
// - a database written by a newer version refuses to open, naming both versions.

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type RunningPostgres } from "../../harness/postgres-process.js";
import { KNOWN_MIGRATIONS, LATEST_MIGRATION, MigrationFailedError, SchemaNewerError } from "../../src/store/migrations.js";
import { openStore, type StoreConfig } from "../../src/store/open.js";
import { openPostgresStore } from "../../src/store/postgres.js";
import { migrations } from "../../src/store/schema.js";
import { at, serverRecord } from "./store-contract.js";

let dir: string;
let postgres: RunningPostgres | undefined;
let files = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ironic-compute-upgrade-"));
  postgres = await startPostgres();
}, 120_000);

afterAll(async () => {
  await postgres?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Backend {
  name: "sqlite" | "postgres";
  /** A new empty database: its config and a raw Kysely handle on it (no plugin). */
  fresh(): Promise<{ config: StoreConfig; raw: Kysely<unknown>; close: () => Promise<void> }>;
}

const sqliteBackend: Backend = {
  name: "sqlite",
  fresh: () => {
    const path = join(dir, `db-${++files}.sqlite`);
    const raw = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(path) }) });
    return Promise.resolve({ config: { kind: "sqlite", path }, raw, close: () => raw.destroy() });
  },
};

const postgresBackend: Backend = {
  name: "postgres",
  fresh: async () => {
    if (postgres === undefined) throw new Error("PostgreSQL did not start");
    const url = await postgres.createDatabase();
    const raw = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) });
    return { config: { kind: "postgres", url }, raw, close: () => raw.destroy() };
  },
};

/** Migrates `raw` as the first release did: 0001_initial only. */
async function firstRelease(raw: Kysely<unknown>): Promise<void> {
  const initial = migrations["0001_initial"];
  if (initial === undefined) throw new Error("no 0001_initial");
  const migrator = new Migrator({ db: raw, provider: { getMigrations: () => Promise.resolve({ "0001_initial": initial }) } });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw new Error("the first release's migration failed", { cause: error });
}

const IDS = {
  project: "11111111-1111-4111-8111-111111111111",
  user: "22222222-2222-4222-8222-222222222222",
  flavor: "33333333-3333-4333-8333-333333333333",
  server: "44444444-4444-4444-8444-444444444444",
  node: "55555555-5555-4555-8555-555555555555",
  action: "66666666-6666-4666-8666-666666666666",
  event: "77777777-7777-4777-8777-777777777777",
};

/** Rows as the first release wrote them (its columns, its JSON shapes). */
async function firstReleaseRows(raw: Kysely<unknown>): Promise<void> {
  const t = at(0);
  await sql`INSERT INTO projects (id, name, description, created_at) VALUES (${IDS.project}, 'tenant', 'a tenant', ${t})`.execute(raw);
  await sql`INSERT INTO users (id, name, password_hash, project_id, role, created_at)
    VALUES (${IDS.user}, 'alice', '$2b$05$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234', ${IDS.project}, 'member', ${t})`.execute(raw);
  await sql`INSERT INTO flavors (id, name, description, resource_class, required_traits, forbidden_traits, capabilities,
      vcpus, ram_mb, disk_gb, ephemeral_gb, swap_mb, is_public, created_at)
    VALUES (${IDS.flavor}, 'baremetal', '', 'baremetal', '[]', '[]', '{}', 4, 8192, 100, 0, 0, 1, ${t})`.execute(raw);
  await sql`INSERT INTO servers (id, name, hostname, project_id, user_id, flavor_id, image_id, key_name, node_uuid, vm_state,
      task_state, power_state, progress, networks, metadata, user_data, availability_zone, fault, launched_at, created_at, updated_at, deleted_at)
    VALUES (${IDS.server}, 'web-1', 'web-1', ${IDS.project}, ${IDS.user}, ${IDS.flavor}, NULL, NULL, ${IDS.node}, 'active',
      NULL, 'running', 100, '{"kind":"auto","vifs":[]}', '{"role":"web"}', NULL, 'nova', NULL, ${t}, ${t}, ${t}, NULL)`.execute(raw);
  await sql`INSERT INTO actions (id, server_id, project_id, user_id, action, request_id, message, start_time, finish_time)
    VALUES (${IDS.action}, ${IDS.server}, ${IDS.project}, ${IDS.user}, 'create', 'req-1', NULL, ${t}, ${t})`.execute(raw);
  await sql`INSERT INTO action_events (id, action_id, event, start_time, finish_time, result, details)
    VALUES (${IDS.event}, ${IDS.action}, 'compute_spawn', ${t}, ${t}, 'Error', 'a first-release detail')`.execute(raw);
}

describe.each([sqliteBackend, postgresBackend])("upgrades on $name", (backend) => {
  it("upgrades a database of the first released schema with rows in it; the rows survive and the store works", async () => {
    const { config, raw, close } = await backend.fresh();
    await firstRelease(raw);
    await firstReleaseRows(raw);
    await close();

    const store = await openStore(config);
    try {
      const status = await store.schemaStatus();
      expect(status).toMatchObject({ pending: [], unknown: [], databaseVersion: LATEST_MIGRATION, binaryVersion: LATEST_MIGRATION });
      expect(status.applied).toEqual([...KNOWN_MIGRATIONS]);

      expect(await store.projects.get(IDS.project)).toMatchObject({ name: "tenant" });
      expect(await store.users.getByName("alice")).toMatchObject({ id: IDS.user, projectId: IDS.project, role: "member" });
      expect(await store.flavors.get(IDS.flavor)).toMatchObject({ name: "baremetal", vcpus: 4 });
      // The later columns have their defaults, the old ones their values.
      expect(await store.servers.get(IDS.server)).toMatchObject({
        name: "web-1", nodeUuid: IDS.node, vmState: "active", metadata: { role: "web" }, networks: { kind: "auto", vifs: [] },
        locked: false, blockDevices: [], diskConfig: "MANUAL", launchIndex: 0, description: null,
      });
      // 0002 moved the admin-only detail to traceback; 0005 counted the server against its flavor's class.
      expect(await store.actions.listEvents(IDS.action)).toMatchObject([{ details: null, traceback: "a first-release detail" }]);
      expect((await store.quotas.usage(IDS.project)).instances).toBe(1);

      // The store works on the upgraded database.
      const added = serverRecord({ projectId: IDS.project, userId: IDS.user, flavorId: IDS.flavor });
      await store.servers.create(added);
      expect((await store.servers.list()).map((server) => server.id).sort()).toEqual([IDS.server, added.id].sort());
      expect(await store.migrate()).toEqual([]); // nothing left to run
    } finally {
      await store.close();
    }
  }, 60_000);

  it("runs the pending migrations in one transaction: one that fails leaves the database at its old version", async () => {
    const { config, raw, close } = await backend.fresh();
    await firstRelease(raw);
    await firstReleaseRows(raw);
    // In the way of 0003_identity_tokens, which creates this table: 0002 succeeds, then 0003 fails.
    await sql`CREATE TABLE application_credentials (id TEXT PRIMARY KEY)`.execute(raw);

    const opened = openStore(config);
    await expect(opened).rejects.toBeInstanceOf(MigrationFailedError);
    await expect(opened).rejects.toThrow("database migration 0003_identity_tokens failed");
    const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(raw);
    expect(rows.map((row) => row.name)).toEqual(["0001_initial"]);
    // 0002's change went with it: the detail is still where the first release put it, and no traceback column exists.
    const events = await sql<Record<string, unknown>>`SELECT * FROM action_events`.execute(raw);
    expect(events.rows).toHaveLength(1);
    expect(events.rows[0]).toMatchObject({ details: "a first-release detail" });
    expect(events.rows[0]).not.toHaveProperty("traceback");
    await close();
  }, 60_000);

  it("refuses a database written by a newer version, naming both versions", async () => {
    const { config, raw, close } = await backend.fresh();
    await (await openStore(config)).close();
    const future = "9999_from_a_newer_release";
    await sql`INSERT INTO kysely_migration (name, timestamp) VALUES (${future}, ${new Date().toISOString()})`.execute(raw);
    await close();

    const opened = openStore(config);
    await expect(opened).rejects.toBeInstanceOf(SchemaNewerError);
    await expect(opened).rejects.toThrow(`schema version ${future} is newer than this ironic-compute's ${LATEST_MIGRATION}`);
  }, 60_000);
});

/** A child process that opens the SQLite file once told "go" on stdin; prints the migrations it ran. */
const SQLITE_OPENER = `
import { openSqliteStore } from "./src/store/sqlite.ts";
const path = process.env.STORE_CHILD_PATH;
const store = await openSqliteStore(path);
process.stdout.write("ready\\n");
await new Promise((resolve) => process.stdin.once("data", resolve));
const ran = await store.migrate();
await store.close();
process.stdout.write(JSON.stringify(ran) + "\\n");
process.exit(0);
`;

interface Opener {
  ready: Promise<void>;
  go(): void;
  result: Promise<string[]>;
}

function sqliteOpener(path: string): Opener {
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", SQLITE_OPENER], {
    env: { ...process.env, STORE_CHILD_PATH: path },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith("ready\n")) onReady();
  });
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const result = new Promise<string[]>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      if (code !== 0) reject(new Error(`opener exited ${String(code)}: ${err}`));
      else resolve(JSON.parse(out.slice("ready\n".length)) as string[]);
    });
  });
  return { ready, go: () => child.stdin.end("go\n"), result };
}

/** Between them the openers ran every migration exactly once; the database holds each once. */
function expectMigratedOnce(ran: readonly string[][], applied: readonly string[]): void {
  expect(ran.flat().sort()).toEqual([...KNOWN_MIGRATIONS]);
  expect(ran.filter((list) => list.length > 0)).toHaveLength(1); // one transaction did it all
  expect([...applied].sort()).toEqual([...KNOWN_MIGRATIONS]);
}

describe("two openers at once migrate exactly once", () => {
  it("two processes on one new SQLite file", async () => {
    for (let round = 0; round < 3; round++) {
      const path = join(dir, `race-${round}.sqlite`);
      const openers = [sqliteOpener(path), sqliteOpener(path)];
      await Promise.all(openers.map((opener) => opener.ready));
      for (const opener of openers) opener.go();
      const ran = await Promise.all(openers.map((opener) => opener.result));
      const raw = new BetterSqlite3(path, { readonly: true });
      const applied = (raw.prepare("SELECT name FROM kysely_migration").all() as Array<{ name: string }>).map((row) => row.name);
      raw.close();
      expectMigratedOnce(ran, applied);
    }
  }, 120_000);

  it("two pools on one new PostgreSQL database", async () => {
    for (let round = 0; round < 3; round++) {
      const { config, raw, close } = await postgresBackend.fresh();
      if (config.kind !== "postgres") throw new Error("not postgres");
      const stores = [await openPostgresStore(config.url), await openPostgresStore(config.url)];
      const ran = await Promise.all(stores.map((store) => store.migrate()));
      const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(raw);
      expectMigratedOnce(ran, rows.map((row) => row.name));
      await Promise.all(stores.map((store) => store.close()));
      await close();
    }
  }, 120_000);
});
