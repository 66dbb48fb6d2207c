// store.tasks over Kysely: the durable queue the workers lease from.
//
// enqueue relies on the unique partial index "one active task per server";
// tasks.lease is one UPDATE … WHERE id = (oldest leasable) RETURNING, with
// FOR UPDATE SKIP LOCKED on PostgreSQL and inside BEGIN IMMEDIATE on SQLite.

import { sql, type SqlBool } from "kysely";
import { z } from "zod";
import type { TaskStatus } from "../records.js";
import type { Store } from "../store.js";
import type { StoreContext } from "./context.js";
import { taskInsertError } from "./errors.js";
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

export function tasksRepository({ db, kind, atomically }: StoreContext): Store["tasks"] {
  return {
    enqueue: async (record, action) => {
      const r = checkInput("TaskRecord", taskSchema, record);
      const a = action === undefined ? undefined : checkInput("ActionRecord", actionSchema, action);
      try {
        if (a === undefined) await db.insertInto("tasks").values(taskToRow(r)).execute();
        else {
          await atomically([
            db.insertInto("actions").values(actionToRow(a)).compile(),
            db.insertInto("tasks").values(taskToRow(r)).compile(),
          ]);
        }
      } catch (error: unknown) {
        throw taskInsertError(r, error);
      }
    },
    get: async (id) => {
      const row = await db.selectFrom("tasks").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : taskFromRow(row);
    },
    activeForServer: async (serverId) => {
      const row = await db
        .selectFrom("tasks")
        .selectAll()
        .where("serverId", "=", serverId)
        .where("status", "in", ["pending", "running"])
        .executeTakeFirst();
      return row === undefined ? undefined : taskFromRow(row);
    },
    lease: async (worker, now, leaseMs) => {
      checkTime("now", now);
      checkLeaseMs(leaseMs);
      // The oldest leasable task; on PostgreSQL rows another transaction is
      // leasing right now are skipped, and a row whose state changed after our
      // snapshot is re-checked against the condition before it is locked.
      const oldest = db
        .selectFrom("tasks as t")
        .select("t.id")
        .where(leasable("t.", now))
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

      // On SQLite, one BEGIN IMMEDIATE statement; taskFromRow validates the row either way.
      const row = kind === "sqlite" ? (await atomically([query.compile()]))[0] : await query.executeTakeFirst();
      return row === undefined ? undefined : taskFromRow(row as Parameters<typeof taskFromRow>[0]);
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
            .values({ ...taskToRow(r), notBefore: heldUntil })
            .compile(),
          db.updateTable("servers").set({ taskState: "deleting", updatedAt: now }).where("id", "=", r.serverId).compile(),
          db.selectFrom("tasks").select("id").where("id", "=", activeId).where("status", "=", "cancelled").compile(),
        ]);
        return rows.length > 0;
      } catch (error: unknown) {
        throw taskInsertError(r, error);
      }
    },
    acknowledgeCancel: async (id, worker) => {
      const cancelled = db
        .selectFrom("tasks")
        .select("serverId")
        .where("id", "=", id)
        .where("status", "=", "cancelled")
        .where("leaseOwner", "=", worker);
      await db
        .updateTable("tasks")
        .set({ notBefore: null })
        .where("serverId", "=", cancelled)
        .where("status", "=", "pending")
        .where("notBefore", "is not", null)
        .execute();
    },
    listActive: async () => {
      const rows = await db
        .selectFrom("tasks")
        .selectAll()
        .where("status", "in", ["pending", "running"])
        .$call(oldestFirst)
        .execute();
      return rows.map(taskFromRow);
    },
  };
}
