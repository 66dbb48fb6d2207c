// store.actions over Kysely: instance actions and their events.

import type { Store } from "../store.js";
import type { StoreContext } from "./context.js";
import { mapDuplicate } from "./errors.js";
import { affected } from "./queries.js";
import { actionEventSchema, actionSchema, eventResultSchema } from "./record-schemas.js";
import { actionEventFromRow, actionEventToRow, actionFromRow, actionToRow, checkInput, checkTime } from "./rows.js";

export function actionsRepository({ db }: StoreContext): Store["actions"] {
  /** A server's actions, newest first. */
  const forServer = (serverId: string) =>
    db
      .selectFrom("actions")
      .selectAll()
      .where("serverId", "=", serverId)
      .orderBy("startTime", "desc")
      .orderBy("id", "desc");

  return {
    create: async (record) => {
      const r = checkInput("ActionRecord", actionSchema, record);
      await mapDuplicate(`action ${r.id}`, () => db.insertInto("actions").values(actionToRow(r)).execute());
    },
    finish: async (id, finishTime, message) => {
      const result = await db
        .updateTable("actions")
        .set({ finishTime: checkTime("finishTime", finishTime), message })
        .where("id", "=", id)
        .executeTakeFirst();
      if (!affected(result.numUpdatedRows)) throw new Error(`action ${id} does not exist`);
    },
    listForServer: async (serverId) => {
      const rows = await forServer(serverId).execute();
      return rows.map(actionFromRow);
    },
    getByRequestId: async (serverId, requestId) => {
      const row = await forServer(serverId).where("requestId", "=", requestId).executeTakeFirst();
      return row === undefined ? undefined : actionFromRow(row);
    },
    addEvent: async (record) => {
      const r = checkInput("ActionEventRecord", actionEventSchema, record);
      await mapDuplicate(`action event ${r.id}`, () =>
        db.insertInto("actionEvents").values(actionEventToRow(r)).execute(),
      );
    },
    finishEvent: async (id, finishTime, result, details, traceback = null) => {
      const update = await db
        .updateTable("actionEvents")
        .set({
          finishTime: checkTime("finishTime", finishTime),
          result: checkInput("result", eventResultSchema, result),
          details,
          traceback,
        })
        .where("id", "=", id)
        .executeTakeFirst();
      if (!affected(update.numUpdatedRows)) throw new Error(`action event ${id} does not exist`);
    },
    listEvents: async (actionId) => {
      const rows = await db
        .selectFrom("actionEvents")
        .selectAll()
        .where("actionId", "=", actionId)
        .orderBy("startTime")
        .orderBy("id")
        .execute();
      return rows.map(actionEventFromRow);
    },
  };
}
