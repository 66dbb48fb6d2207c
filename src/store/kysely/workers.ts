// store.workers over Kysely: heartbeats of the worker processes.

import type { Store } from "../store.js";
import type { StoreContext } from "./context.js";
import { checkTime, workerFromRow, workerToRow } from "./rows.js";

export function workersRepository({ db }: StoreContext): Store["workers"] {
  return {
    heartbeat: async (id, now) => {
      checkTime("now", now);
      await db
        .insertInto("workers")
        .values(workerToRow({ id, startedAt: now, heartbeatAt: now }))
        .onConflict((oc) => oc.column("id").doUpdateSet({ heartbeatAt: now }))
        .execute();
    },
    live: async (since) => {
      checkTime("since", since);
      const rows = await db.selectFrom("workers").selectAll().where("heartbeatAt", ">", since).orderBy("id").execute();
      return rows.map(workerFromRow);
    },
    remove: async (id) => {
      await db.deleteFrom("workers").where("id", "=", id).execute();
    },
  };
}
