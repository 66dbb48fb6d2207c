// The Store contract on SQLite (a temp file per test, WAL), plus what only a
// shared file shows: two Stores on one file, and two separate OS processes.

import { spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.js";
import type { SecretBox } from "../../src/store/secret-box.js";
import type { Store } from "../../src/store/store.js";
import { testSecrets } from "../support/secrets.js";
import { at, describeStoreContract, serverRecord, storedServer } from "./store-contract.js";
import { migrateUpTo, runSeed } from "./flavor-contract.js";

let dir: string;
let files = 0;
const pathOf = new WeakMap<Store, string>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ironic-compute-sqlite-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openAt(path: string, secrets: SecretBox = testSecrets()): Promise<Store> {
  const store = await openStore({ kind: "sqlite", path }, secrets);
  pathOf.set(store, path);
  return store;
}

function fileOf(store: Store): string {
  const path = pathOf.get(store);
  if (path === undefined) throw new Error("store not opened by this file");
  return path;
}

function freshPath(): string {
  return join(dir, `nested-${++files}`, "store.db"); // the parent dir does not exist yet
}

describeStoreContract("sqlite", {
  open: () => openAt(freshPath()),
  openTwins: async () => {
    const path = freshPath();
    return [await openAt(path), await openAt(path)];
  },
  execRaw: (store, statement) => {
    const raw = new BetterSqlite3(fileOf(store));
    try {
      raw.exec(statement);
    } finally {
      raw.close();
    }
    return Promise.resolve();
  },
  queryRaw: (store, query) => {
    const raw = new BetterSqlite3(fileOf(store), { readonly: true });
    try {
      return Promise.resolve(raw.prepare(query).all() as Record<string, unknown>[]);
    } finally {
      raw.close();
    }
  },
  openAnother: (store, secrets) => openAt(fileOf(store), secrets),
  openMigratedFrom: async (last, seed) => {
    const path = freshPath();
    await mkdir(dirname(path), { recursive: true });
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(path) }) });
    try {
      await migrateUpTo(db, last);
      await runSeed(db, seed);
    } finally {
      await db.destroy();
    }
    return openAt(path);
  },
});

describe("SQLite specifics", () => {
  it("creates the database file 0600 in a 0700 directory, and makes an existing readable file private (issue 8 #9)", async () => {
    const path = freshPath();
    const store = await openAt(path);
    await store.migrate();
    await store.workers.heartbeat("w1", at(0)); // a write, so the WAL file exists
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(`${path}-wal`)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(path))).mode & 0o777).toBe(0o700);
    await store.close();

    const loose = join(dir, "loose.db");
    await writeFile(loose, "", { mode: 0o644 });
    await chmod(loose, 0o644);
    const reopened = await openAt(loose);
    expect((await stat(loose)).mode & 0o777).toBe(0o600);
    await reopened.close();
  });

  it("opens :memory: and sets the pragmas on a file", async () => {
    const memory = await openStore({ kind: "sqlite", path: ":memory:" });
    await memory.workers.heartbeat("w", at(0));
    expect(await memory.workers.live(at(-1))).toHaveLength(1);
    await memory.close();

    const path = freshPath();
    const store = await openAt(path);
    await store.close();
    const raw = new BetterSqlite3(path);
    try {
      expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      raw.close();
    }
  });

  it("separate OS processes racing on one file: one enqueue winner per server, each task leased once", async () => {
    const path = freshPath();
    const store = await openAt(path);
    const servers = [];
    for (let i = 0; i < COUNT; i++) servers.push(await storedServer(store));
    await store.close();

    const startAt = Date.now() + 3_000; // both children start their loops together
    const pairs = servers.map((s) => [s.server.id, s.action.id]);
    // Opposite orders, so that the two meet in the middle instead of one trailing
    // the other and losing every race.
    const children = [runChild(path, "p1", startAt, pairs), runChild(path, "p2", startAt, [...pairs].reverse())];
    const [r1, r2] = await Promise.all(children);
    if (r1 === undefined || r2 === undefined) throw new Error("child gave no result");
    // Enqueue race: per server exactly one child won.
    expect([...r1.enqueued, ...r2.enqueued].sort()).toEqual(servers.map((s) => s.server.id).sort());
    expect(r1.busy + r2.busy).toBe(COUNT);
    // Lease race: every task exactly once.
    const leased = [...r1.leased, ...r2.leased];
    expect(leased).toHaveLength(COUNT);
    expect(new Set(leased).size).toBe(COUNT);
    // Whether the loops really overlapped depends on scheduling: reported, not asserted.
    console.log(`cross-process split: enqueue ${r1.enqueued.length}/${r2.enqueued.length}, lease ${r1.leased.length}/${r2.leased.length}`);
  }, 60_000);
});

const COUNT = 300;

// Each child: open the file, wait for the common start, try `tries` quota-checked
// creates in one project (limit 5), report how many went through.
const QUOTA_CHILD = `
const { openStore } = await import(${JSON.stringify(new URL("../../src/store/open.js", import.meta.url).pathname)});
const { OverQuotaError } = await import(${JSON.stringify(new URL("../../src/store/store.js", import.meta.url).pathname)});
const { randomUUID } = await import("node:crypto");
const input = JSON.parse(process.env.STORE_CHILD_INPUT);
const store = await openStore({ kind: "sqlite", path: input.path });
await new Promise((r) => setTimeout(r, Math.max(0, input.startAt - Date.now())));
const now = new Date().toISOString();
let created = 0;
let refused = 0;
for (let i = 0; i < input.tries; i++) {
  const id = randomUUID();
  const server = { ...input.server, id, createdAt: now, updatedAt: now };
  const action = { id: randomUUID(), serverId: id, projectId: server.projectId, userId: server.userId, action: "create",
    requestId: "req-" + randomUUID(), message: null, startTime: now, finishTime: null };
  const task = { id: randomUUID(), serverId: id, kind: "create", params: {}, status: "pending", leaseOwner: null,
    leaseExpiresAt: null, attempts: 0, lastError: null, actionId: action.id, createdAt: now, updatedAt: now };
  try {
    await store.servers.createWithTask(server, action, task, { resourceClass: "CUSTOM_X", defaultInstances: 5, defaultClassLimit: -1 });
    created++;
  } catch (error) {
    if (!(error instanceof OverQuotaError)) throw error;
    refused++;
  }
}
await store.close();
process.stdout.write(JSON.stringify({ created, refused }));
`;

function runQuotaChild(path: string, startAt: number, server: unknown): Promise<{ created: number; refused: number }> {
  return runStoreChild(QUOTA_CHILD, "quota child", { path, startAt, server, tries: 10 });
}

describe("SQLite quota across OS processes (issue 11 #5)", () => {
  it("two processes creating in one project with a limit of 5: exactly 5 servers in all", async () => {
    const path = freshPath();
    const store = await openAt(path);
    await store.migrate();
    await store.close();
    const startAt = Date.now() + 3_000;
    const server = serverRecord({ projectId: "p-race" });
    const results = await Promise.all([runQuotaChild(path, startAt, server), runQuotaChild(path, startAt, server)]);
    expect(results.reduce((sum, r) => sum + r.created, 0)).toBe(5);
    expect(results.reduce((sum, r) => sum + r.refused, 0)).toBe(15);
    const after = await openAt(path);
    try {
      expect(await after.quotas.usage("p-race")).toEqual({ instances: 5, resourceClasses: { CUSTOM_X: 5 } });
    } finally {
      await after.close();
    }
    console.log(`cross-process quota split: ${results.map((r) => r.created).join("/")}`);
  }, 60_000);
});

interface ChildResult {
  enqueued: string[];
  busy: number;
  leased: string[];
}

// The child: open the same file, wait for the common start time, try to enqueue a
// task for every server (counting ServerBusyError), then lease until empty.
const CHILD = `
const { openStore } = await import(${JSON.stringify(new URL("../../src/store/open.js", import.meta.url).pathname)});
const { ServerBusyError } = await import(${JSON.stringify(new URL("../../src/store/store.js", import.meta.url).pathname)});
const { randomUUID } = await import("node:crypto");
const input = JSON.parse(process.env.STORE_CHILD_INPUT);
const store = await openStore({ kind: "sqlite", path: input.path });
await new Promise((r) => setTimeout(r, Math.max(0, input.startAt - Date.now())));
const enqueued = [];
let busy = 0;
const now = new Date().toISOString();
for (const [serverId, actionId] of input.servers) {
  try {
    await store.tasks.enqueue({ id: randomUUID(), serverId, kind: "create", params: {}, status: "pending",
      leaseOwner: null, leaseExpiresAt: null, attempts: 0, lastError: null, actionId, createdAt: now, updatedAt: now });
    enqueued.push(serverId);
  } catch (error) {
    if (!(error instanceof ServerBusyError)) throw error;
    busy++;
  }
}
const leased = [];
for (;;) {
  const task = await store.tasks.lease(input.worker, new Date().toISOString(), 600000);
  if (task === undefined) break;
  leased.push(task.id);
}
await store.close();
process.stdout.write(JSON.stringify({ enqueued, busy, leased }));
`;

function runChild(path: string, worker: string, startAt: number, servers: string[][]): Promise<ChildResult> {
  return runStoreChild(CHILD, `child ${worker}`, { path, worker, startAt, servers });
}

/** Runs `script` in a new Node process with `input` as STORE_CHILD_INPUT; its stdout is JSON. */
function runStoreChild<T>(script: string, label: string, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      env: { ...process.env, STORE_CHILD_INPUT: JSON.stringify(input) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code !== 0) reject(new Error(`${label} exited ${String(code)}: ${err}`));
      else resolve(JSON.parse(out) as T);
    });
  });
}
