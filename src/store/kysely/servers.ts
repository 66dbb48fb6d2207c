// store.servers over Kysely.
//
// servers.update with `expect` is one UPDATE … WHERE state matches … RETURNING
// (compare-and-set); createWithTask writes server, action and task in one
// transaction, after the quota check when given a claim.

import type { ServerFilter, Store } from "../store.js";
import { DuplicateError, LeaseLostError, StaleStateError } from "../store.js";
import type { StoreContext } from "./context.js";
import { quotaCheckSteps } from "./quotas.js";
import { membershipSteps } from "./server-groups.js";
import { isActiveTaskViolation, isUniqueViolation, mapDuplicate, taskInsertError } from "./errors.js";
import { checkPage, oldestFirst } from "./queries.js";
import { listServers } from "./server-list.js";
import { actionSchema, serverPatchSchema, serverSchema, taskSchema } from "./record-schemas.js";
import { actionToRow, checkInput, fromBigint, serverFromRow, serverPatchToRow, serverToRow, taskToRow } from "./rows.js";

export function serversRepository(context: StoreContext): Store["servers"] {
  const { db, kind, atomically, secrets } = context;
  /**
   * The servers of one create request, each with its action and task, in one
   * transaction: the quota is counted once for all of them (kysely/quotas.ts),
   * and each membership goes after the server row it names (kysely/server-groups.ts),
   * counted with the members inserted before it.
   */
  const createBatch: Store["servers"]["createBatchWithTasks"] = async (entries, claim, membership) => {
    const checked = entries.map(({ server, action, task, heldUntil }) => ({
      s: checkInput("ServerRecord", serverSchema, server),
      a: checkInput("ActionRecord", actionSchema, action),
      t: checkInput("TaskRecord", taskSchema, task),
      heldUntil: heldUntil ?? null,
    }));
    const first = checked[0];
    if (first === undefined) return;
    const statements = [
      ...(claim === undefined ? [] : quotaCheckSteps(db, first.s.projectId, claim, checked.length)),
      ...checked.flatMap(({ s, a, t, heldUntil }) => [
        db.insertInto("servers").values(serverToRow(s, secrets)).compile(),
        ...(claim === undefined
          ? []
          : [db.insertInto("serverAllocations").values({ serverId: s.id, projectId: s.projectId, resourceClass: claim.resourceClass }).compile()]),
        db.insertInto("actions").values(actionToRow(a)).compile(),
        db.insertInto("tasks").values({ ...taskToRow(t, secrets), notBefore: heldUntil }).compile(),
        ...(membership === undefined ? [] : membershipSteps(db, kind, s.id, membership)),
      ]),
    ];
    try {
      await atomically(statements);
    } catch (error: unknown) {
      if (isActiveTaskViolation(error)) throw taskInsertError(first.t, error);
      if (isUniqueViolation(error)) throw new DuplicateError(`server ${first.s.id} or its action or task already exists`, { cause: error });
      throw error;
    }
  };
  return {
    create: async (record) => {
      const r = checkInput("ServerRecord", serverSchema, record);
      await mapDuplicate(`server ${r.id}`, () => db.insertInto("servers").values(serverToRow(r, secrets)).execute());
    },
    createWithTask: (server, action, task, claim, membership) => createBatch([{ server, action, task }], claim, membership),
    createBatchWithTasks: (entries, claim, membership) => createBatch(entries, claim, membership),
    total: async () => {
      const row = await db
        .selectFrom("servers")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    countLive: async () => {
      const row = await db
        .selectFrom("servers")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("deletedAt", "is", null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    get: async (id, options) => {
      const row = await db
        .selectFrom("servers")
        .selectAll()
        .where("id", "=", id)
        .$if(options?.includeDeleted !== true, (q) => q.where("deletedAt", "is", null))
        .executeTakeFirst();
      return row === undefined ? undefined : serverFromRow(row, secrets);
    },
    list: async (filter?: ServerFilter) => {
      checkPage(filter);
      return listServers(context, filter);
    },
    listWithNodes: async () => {
      const rows = await db
        .selectFrom("servers")
        .selectAll()
        .where("nodeUuid", "is not", null)
        .$call(oldestFirst)
        .execute();
      return rows.map((row) => serverFromRow(row, secrets));
    },
    update: async (id, patch, expect) => {
      const p = checkInput("ServerPatch", serverPatchSchema, patch);
      const values = { updatedAt: new Date().toISOString(), ...serverPatchToRow(id, p, secrets) };

      // One statement: the state check and the write cannot be split by another
      // writer (compare-and-set); RETURNING gives the row as written.
      const expectedTask = expect?.taskState;
      const expectedVm = expect?.vmState;
      const lease = expect?.lease;
      const row = await db
        .updateTable("servers")
        .set(values)
        .where("id", "=", id)
        .$if(lease !== undefined, (q) =>
          q.where((eb) =>
            eb.exists(
              eb
                .selectFrom("tasks")
                .select("tasks.id")
                .where("tasks.id", "=", lease?.taskId ?? "")
                .where("tasks.leaseOwner", "=", lease?.owner ?? "")
                .where("tasks.status", "=", "running"),
            ),
          ),
        )
        .$if(expectedTask !== undefined, (q) =>
          expectedTask === null ? q.where("taskState", "is", null) : q.where("taskState", "=", expectedTask ?? ""),
        )
        .$if(expectedVm !== undefined, (q) => q.where("vmState", "=", expectedVm ?? ""))
        .returningAll()
        .executeTakeFirst();
      if (row !== undefined) return serverFromRow(row, secrets);

      const current = await db.selectFrom("servers").select(["taskState", "vmState"]).where("id", "=", id).executeTakeFirst();
      if (current === undefined) throw new Error(`server ${id} does not exist`);
      if (lease !== undefined) {
        const held = await db
          .selectFrom("tasks")
          .select("id")
          .where("id", "=", lease.taskId)
          .where("leaseOwner", "=", lease.owner)
          .where("status", "=", "running")
          .executeTakeFirst();
        if (held === undefined) {
          throw new LeaseLostError(`task ${lease.taskId} is no longer leased to ${lease.owner}; server ${id} was not written`);
        }
      }
      throw new StaleStateError(
        `server ${id} is in vm_state ${current.vmState} / task_state ${String(current.taskState)}, ` +
          `expected ${expectedVm ?? "any"} / ${expectedTask === undefined ? "any" : String(expectedTask)}`,
      );
    },
    countByProject: async (projectId) => {
      const row = await db
        .selectFrom("servers")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("projectId", "=", projectId)
        .where("deletedAt", "is", null)
        .executeTakeFirstOrThrow();
      return Number(fromBigint(row.n));
    },
  };
}
