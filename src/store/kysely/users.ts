// store.users over Kysely.

import { z } from "zod";
import type { Store } from "../store.js";
import type { StoreContext } from "./context.js";
import { affected, namedTable, oldestFirst } from "./queries.js";
import { userSchema } from "./record-schemas.js";
import { checkInput, userFromRow, userToRow } from "./rows.js";

export function usersRepository({ db }: StoreContext): Store["users"] {
  const named = namedTable(db, "users", {
    noun: "user",
    typeName: "UserRecord",
    schema: userSchema,
    fromRow: userFromRow,
    toRow: userToRow,
  });
  return {
    ...named,
    list: async (projectId) => {
      if (projectId === undefined) return named.list();
      const rows = await db.selectFrom("users").selectAll().where("projectId", "=", projectId).$call(oldestFirst).execute();
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
