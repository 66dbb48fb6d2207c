// store.users over Kysely.

import { z } from "zod";
import type { Store } from "../store.js";
import type { StoreContext } from "./context.js";
import { mapDuplicate } from "./errors.js";
import { affected, namedTableQueries } from "./queries.js";
import { userSchema } from "./record-schemas.js";
import { checkInput, userFromRow, userToRow } from "./rows.js";

export function usersRepository({ db }: StoreContext): Store["users"] {
  const { list: listAll, ...named } = namedTableQueries(db, "users", userFromRow);
  return {
    create: async (record) => {
      const r = checkInput("UserRecord", userSchema, record);
      await mapDuplicate(`user ${JSON.stringify(r.name)} (id ${r.id})`, () =>
        db.insertInto("users").values(userToRow(r)).execute(),
      );
    },
    ...named,
    list: async (projectId) => {
      if (projectId === undefined) return listAll();
      const rows = await db
        .selectFrom("users")
        .selectAll()
        .where("projectId", "=", projectId)
        .orderBy("createdAt")
        .orderBy("id")
        .execute();
      return rows.map(userFromRow);
    },
    setPasswordHash: async (id, passwordHash) => {
      const result = await db
        .updateTable("users")
        .set({ passwordHash: checkInput("passwordHash", z.string(), passwordHash) })
        .where("id", "=", id)
        .executeTakeFirst();
      return affected(result.numUpdatedRows);
    },
  };
}
