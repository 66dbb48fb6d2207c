// store.tasks over Kysely: the durable queue the workers lease from.
//
// enqueue relies on the unique partial index "one active task per server";
// tasks.lease is one UPDATE … WHERE id = (oldest leasable) RETURNING, with
// FOR UPDATE SKIP LOCKED on PostgreSQL and inside BEGIN IMMEDIATE on SQLite.
// With a deploy cap (`maxDeploys`), a create or rebuild is leasable only while
// fewer deploys hold an unexpired lease; see `lease` for why that holds.

import { sql, type SqlBool } from "kysely";
import { z } from "zod";
import type { TaskStatus } from "../records.js";
import type { Store } from "../store.js";
import type { StoreContext } from "./context.js";
import { isLockTimeout, taskInsertError } from "./errors.js";
import { affected, oldestFirst } from "./queries.js";
import { actionSchema, taskSchema } from "./record-schemas.js";
import { keptTaskParamsSchema } from "../task-params.js";
import { actionToRow, checkInput, checkTime, taskFromRow, taskToRow, toJson } from "./rows.js";

function addMs(time: string, ms: number): string {
  return new Date(Date.parse(time) + ms).toISOString();
}

function checkLeaseMs(leaseMs: number): void {
  if (!Number.isInteger(leaseMs) || leaseMs <= 0) {
    throw new RangeError(`leaseMs must be a positive integer, got ${String(leaseMs)}`);
  }
}

/** Pending (and not held back by `not_before`), or running with its lease expired
 * by `now`. Raw SQL (an OR of an AND); the plugin does rewrite the `sql.ref`
 * identifiers to their columns. */
function leasable(alias: "" | "t.", now: string) {
  const status = sql.ref(`${alias}status`);
  const expires = sql.ref(`${alias}leaseExpiresAt`);
  const notBefore = sql.ref(`${alias}notBefore`);
  return sql<SqlBool>`((${status} = 'pending' AND (${notBefore} IS NULL OR ${notBefore} <= ${now})) OR (${status} = 'running' AND ${expires} < ${now}))`;
}

/** The task kinds that deploy a node: what `maxDeploys` caps. */
const DEPLOY_KINDS = ["create", "rebuild"] as const;

/**
 * PostgreSQL advisory lock key of "leasing under the deploy cap": any constant no
 * other code on this database uses (the ASCII of "ICDP"; an exact JS number).
 */
export const DEPLOY_CAP_LOCK = 0x4943_4450;

/**
 * How long a capped lease on PostgreSQL waits for that lock before it leases
 * nothing this round. A holder is a few milliseconds, unless its process
 * stalled inside the transaction (paused, swapped out): then the server ends
 * that session (postgres.ts, idle_in_transaction_session_timeout) and the lock
 * is free again; until then no waiter's poll loop hangs on it.
 */
export const DEPLOY_CAP_LOCK_WAIT_MS = 2_000;

function checkMaxDeploys(maxDeploys: number): void {
  if (!Number.isInteger(maxDeploys) || maxDeploys < 0) {
    throw new RangeError(`maxDeploys must be a non-negative integer, got ${String(maxDeploys)}`);
  }
}

export function tasksRepository({ db, kind, atomically, secrets }: StoreContext): Store["tasks"] {
  /**
   * Sets `not_before` of the task waiting for cancelled task `id` (its server's
   * pending, held-back task), only while `worker` is the one that held `id`.
   */
  const setSuccessorNotBefore = async (id: string, worker: string, notBefore: string | null): Promise<void> => {
    const cancelled = db
      .selectFrom("tasks")
      .select("serverId")
      .where("id", "=", id)
      .where("status", "=", "cancelled")
      .where("leaseOwner", "=", worker);
    await db
      .updateTable("tasks")
      .set({ notBefore })
      .where("serverId", "=", cancelled)
      .where("status", "=", "pending")
      .where("notBefore", "is not", null)
      .execute();
  };

  return {
    enqueue: async (record, action) => {
      const r = checkInput("TaskRecord", taskSchema, record);
      const a = action === undefined ? undefined : checkInput("ActionRecord", actionSchema, action);
      try {
        if (a === undefined) await db.insertInto("tasks").values(taskToRow(r, secrets)).execute();
        else {
          await atomically([
            db.insertInto("actions").values(actionToRow(a)).compile(),
            db.insertInto("tasks").values(taskToRow(r, secrets)).compile(),
          ]);
        }
      } catch (error: unknown) {
        throw taskInsertError(r, error);
      }
    },
    get: async (id) => {
      const row = await db.selectFrom("tasks").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : taskFromRow(row, secrets);
    },
    releaseHeld: async (serverIds) => {
      if (serverIds.length === 0) return;
      await db
        .updateTable("tasks")
        .set({ notBefore: null })
        .where("serverId", "in", [...serverIds])
        .where("status", "=", "pending")
        .where("notBefore", "is not", null)
        .execute();
    },
    activeForServer: async (serverId) => {
      const row = await db
        .selectFrom("tasks")
        .selectAll()
        .where("serverId", "=", serverId)
        .where("status", "in", ["pending", "running"])
        .executeTakeFirst();
      return row === undefined ? undefined : taskFromRow(row, secrets);
    },
    lease: async (worker, now, leaseMs, { maxDeploys = 0 } = {}) => {
      checkTime("now", now);
      checkLeaseMs(leaseMs);
      checkMaxDeploys(maxDeploys);
      // Deploys holding an unexpired lease (an expired one is leasable again, so it does not count).
      const runningDeploys = db
        .selectFrom("tasks as d")
        .select((eb) => eb.fn.countAll().as("running"))
        .where("d.status", "=", "running")
        .where("d.kind", "in", DEPLOY_KINDS)
        .where("d.leaseExpiresAt", ">=", now);
      // The oldest leasable task; on PostgreSQL rows another transaction is
      // leasing right now are skipped, and a row whose state changed after our
      // snapshot is re-checked against the condition before it is locked.
      const oldest = db
        .selectFrom("tasks as t")
        .select("t.id")
        .where(leasable("t.", now))
        .$if(maxDeploys > 0, (q) => q.where((eb) => eb.or([eb("t.kind", "not in", DEPLOY_KINDS), eb(runningDeploys, "<", maxDeploys)])))
        .orderBy("t.createdAt")
        .orderBy("t.id")
        .limit(1)
        .$if(kind === "postgres", (q) => q.forUpdate().skipLocked());
      const query = db
        .updateTable("tasks")
        .set((eb) => ({
          status: "running",
          leaseOwner: worker,
          leaseExpiresAt: addMs(now, leaseMs),
          attempts: eb("attempts", "+", 1),
          updatedAt: now,
        }))
        .where("id", "=", oldest)
        .where(leasable("", now))
        .returningAll();

      // The cap is a count, read and acted on in one statement. On SQLite that
      // statement runs inside BEGIN IMMEDIATE: leases are serialized, so no two
      // see the same count. On PostgreSQL, two transactions (READ COMMITTED) could
      // both count cap-1 and lease one deploy each (SKIP LOCKED lets them pass
      // each other): so a capped lease first takes a transaction-scoped advisory
      // lock, as its own statement. The UPDATE then takes its snapshot after the
      // lock is granted, i.e. after the previous holder committed: every capped
      // lease counts what all the earlier ones leased. Ending a deploy (finish,
      // supersede) only lowers the count, so those need not take the lock.
      // taskFromRow validates the row either way.
      let row: unknown;
      if (kind === "sqlite") row = (await atomically([query.compile()]))[0];
      else if (maxDeploys > 0) {
        try {
          const wait = sql`SELECT set_config('lock_timeout', ${`${DEPLOY_CAP_LOCK_WAIT_MS}ms`}, true)`.compile(db);
          row = (await atomically([wait, sql`SELECT pg_advisory_xact_lock(${DEPLOY_CAP_LOCK})`.compile(db), query.compile()]))[0];
        } catch (error: unknown) {
          if (!isLockTimeout(error)) throw error;
          return undefined; // another lease holds the cap lock (or stalled holding it): next round
        }
      } else row = await query.executeTakeFirst();
      return row === undefined ? undefined : taskFromRow(row as Parameters<typeof taskFromRow>[0], secrets);
    },
    queuePosition: async (serverId) => {
      // The server's pending deploy, and the pending deploys up to it in lease order.
      const row = await db
        .selectFrom("tasks as me")
        .innerJoin("tasks as q", (join) => join.on(sql<SqlBool>`(q.created_at, q.id) <= (me.created_at, me.id)`))
        .select((eb) => eb.fn.countAll().as("position"))
        .where("me.serverId", "=", serverId)
        .where("me.status", "=", "pending")
        .where("me.kind", "in", DEPLOY_KINDS)
        .where("q.status", "=", "pending")
        .where("q.kind", "in", DEPLOY_KINDS)
        .executeTakeFirstOrThrow();
      const position = Number(row.position);
      return position === 0 ? null : position;
    },
    renew: async (id, worker, now, leaseMs) => {
      checkTime("now", now);
      checkLeaseMs(leaseMs);
      const result = await db
        .updateTable("tasks")
        .set({ leaseExpiresAt: addMs(now, leaseMs), updatedAt: now })
        .where("id", "=", id)
        .where("status", "=", "running")
        .where("leaseOwner", "=", worker)
        .executeTakeFirst();
      return affected(result.numUpdatedRows);
    },
    finish: async (id, worker, status: Extract<TaskStatus, "done" | "failed">, lastError, now, keptParams) => {
      checkTime("now", now);
      checkInput("status", z.enum(["done", "failed"]), status);
      const params = keptParams === undefined ? {} : { params: toJson(checkInput("params", keptTaskParamsSchema, keptParams)) };
      const result = await db
        .updateTable("tasks")
        .set({ status, lastError, leaseOwner: null, leaseExpiresAt: null, updatedAt: now, ...params })
        .where("id", "=", id)
        .where("status", "=", "running")
        .where("leaseOwner", "=", worker)
        .executeTakeFirst();
      return affected(result.numUpdatedRows);
    },
    supersede: async (activeId, record, action, now) => {
      checkTime("now", now);
      const r = checkInput("TaskRecord", taskSchema, record);
      const a = checkInput("ActionRecord", actionSchema, action);
      // The superseded task keeps its lease columns: the new task's not_before is
      // read from them inside the transaction, after the last renewal that can land.
      const heldUntil = db
        .selectFrom("tasks")
        .select("leaseExpiresAt")
        .where("id", "=", activeId)
        .where("status", "=", "cancelled")
        .where("leaseOwner", "is not", null);
      try {
        const rows = await atomically([
          db
            .updateTable("tasks")
            .set({ status: "cancelled", lastError: `superseded by ${r.kind} task ${r.id}`, updatedAt: now })
            .where("id", "=", activeId)
            .where("status", "in", ["pending", "running"])
            .compile(),
          db.insertInto("actions").values(actionToRow(a)).compile(),
          db
            .insertInto("tasks")
            .values({ ...taskToRow(r, secrets), notBefore: heldUntil })
            .compile(),
          db.updateTable("servers").set({ taskState: "deleting", updatedAt: now }).where("id", "=", r.serverId).compile(),
          db.selectFrom("tasks").select("id").where("id", "=", activeId).where("status", "=", "cancelled").compile(),
        ]);
        return rows.length > 0;
      } catch (error: unknown) {
        throw taskInsertError(r, error);
      }
    },
    holdCancelled: async (id, worker, now, leaseMs) => {
      checkTime("now", now);
      checkLeaseMs(leaseMs);
      await setSuccessorNotBefore(id, worker, addMs(now, leaseMs));
    },
    acknowledgeCancel: async (id, worker) => {
      await setSuccessorNotBefore(id, worker, null);
    },
    listActive: async () => {
      const rows = await db
        .selectFrom("tasks")
        .selectAll()
        .where("status", "in", ["pending", "running"])
        .$call(oldestFirst)
        .execute();
      return rows.map((row) => taskFromRow(row, secrets));
    },
  };
}
