// store.quotas over Kysely, and the quota check that createWithTask runs in its
// transaction.
//
// Usage is never stored: it is counted, in the create's own transaction, from
// the servers that are not deleted (server_allocations says which resource
// class each counts against). So a delete releases its quota by the very write
// that marks the server deleted, and no counter can drift.
//
// Why the count cannot over-commit:
// - SQLite: the transaction is BEGIN IMMEDIATE, so it holds the database's one
//   write lock from its first statement; creates of every process run one
//   after the other, each counting what the previous ones committed.
// - PostgreSQL (READ COMMITTED): the transaction first upserts the project's
//   quota_locks row, which row-locks it until commit; a second create of the
//   project waits there (a first-ever insert of the row waits on the other's
//   uncommitted key, then takes the update path). Its count is the next
//   statement, and READ COMMITTED gives each statement a fresh snapshot, taken
//   after the lock was granted: it sees the server the first one committed.

import { sql, type Kysely } from "kysely";
import { classResource, INSTANCES_RESOURCE, OverQuotaError, type QuotaClaim, type Store } from "../store.js";
import type { Database } from "../schema.js";
import { withAudit } from "./admin-audit.js";
import type { StoreContext, TransactionStep } from "./context.js";
import { fromBigint } from "./rows.js";

/** The upsert that takes the project's quota lock (see the head of this file). */
export function lockProject(db: Kysely<Database>, projectId: string) {
  return db
    .insertInto("quotaLocks")
    .values({ projectId, generation: 1 })
    .onConflict((oc) => oc.column("projectId").doUpdateSet((eb) => ({ generation: eb("quotaLocks.generation", "+", 1) })))
    .compile();
}

function liveServers(db: Kysely<Database>, projectId: string) {
  return db
    .selectFrom("servers")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("servers.projectId", "=", projectId)
    .where("servers.deletedAt", "is", null);
}

function liveOfClass(db: Kysely<Database>, projectId: string, resourceClass: string) {
  return db
    .selectFrom("serverAllocations")
    .innerJoin("servers", "servers.id", "serverAllocations.serverId")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("serverAllocations.projectId", "=", projectId)
    .where("serverAllocations.resourceClass", "=", resourceClass)
    .where("servers.deletedAt", "is", null);
}

function limitOf(db: Kysely<Database>, projectId: string, resource: string, fallback: number) {
  const set = db.selectFrom("quotaLimits").select("hardLimit").where("projectId", "=", projectId).where("resource", "=", resource);
  return sql<number>`coalesce((${set}), ${fallback})`;
}

/** A count column of a raw (checked) row: PostgreSQL hands COUNT(*) back as a string. */
export const countRow = (row: unknown, field: string): number => Number(fromBigint((row as Record<string, unknown> | undefined)?.[field]));

/**
 * The steps that go before `count` quota-checked server inserts (one create
 * request): lock, then count and compare (the check throws OverQuotaError,
 * rolling the transaction back).
 */
export function quotaCheckSteps(db: Kysely<Database>, projectId: string, claim: QuotaClaim, count = 1): TransactionStep[] {
  const klass = classResource(claim.resourceClass);
  const counts = db
    .selectNoFrom([
      liveServers(db, projectId).as("instancesUsed"),
      limitOf(db, projectId, INSTANCES_RESOURCE, claim.defaultInstances).as("instancesLimit"),
      liveOfClass(db, projectId, claim.resourceClass).as("classUsed"),
      limitOf(db, projectId, klass, claim.defaultClassLimit).as("classLimit"),
    ])
    .compile();
  const check = (rows: readonly unknown[]): void => {
    const row = rows[0];
    for (const [resource, used, limit] of [
      [INSTANCES_RESOURCE, countRow(row, "instancesUsed"), countRow(row, "instancesLimit")],
      [klass, countRow(row, "classUsed"), countRow(row, "classLimit")],
    ] as const) {
      if (limit >= 0 && used + count > limit) throw new OverQuotaError(resource, used, limit, count);
    }
  };
  return [lockProject(db, projectId), { query: counts, check }];
}

export function quotasRepository({ db, atomically }: StoreContext): Store["quotas"] {
  return {
    limits: async (projectId) => {
      const rows = await db.selectFrom("quotaLimits").select(["resource", "hardLimit"]).where("projectId", "=", projectId).orderBy("resource").execute();
      return Object.fromEntries(rows.map((row) => [row.resource, Number(fromBigint(row.hardLimit))]));
    },
    setLimits: async (projectId, limits, now, audit) => {
      const upserts = Object.entries(limits).map(([resource, hardLimit]) => {
        if (!Number.isSafeInteger(hardLimit) || hardLimit < -1) throw new RangeError(`quota limit of ${resource} must be an integer >= -1`);
        return db
          .insertInto("quotaLimits")
          .values({ projectId, resource, hardLimit, updatedAt: now })
          .onConflict((oc) => oc.columns(["projectId", "resource"]).doUpdateSet({ hardLimit, updatedAt: now }))
          .compile();
      });
      // The lock first: a create of the project counts against the old limits or the new ones, never a mix.
      await atomically(withAudit(db, [lockProject(db, projectId), ...upserts], audit));
    },
    clearLimits: async (projectId, audit) => {
      await atomically(withAudit(db, [lockProject(db, projectId), db.deleteFrom("quotaLimits").where("projectId", "=", projectId).compile()], audit));
    },
    usage: async (projectId) => {
      const instances = await liveServers(db, projectId).executeTakeFirstOrThrow();
      const classes = await db
        .selectFrom("serverAllocations")
        .innerJoin("servers", "servers.id", "serverAllocations.serverId")
        .select((eb) => ["serverAllocations.resourceClass", eb.fn.countAll().as("n")])
        .where("serverAllocations.projectId", "=", projectId)
        .where("servers.deletedAt", "is", null)
        .groupBy("serverAllocations.resourceClass")
        .orderBy("serverAllocations.resourceClass")
        .execute();
      return {
        instances: countRow(instances, "n"),
        resourceClasses: Object.fromEntries(classes.map((row) => [row.resourceClass, countRow(row, "n")])),
      };
    },
  };
}
