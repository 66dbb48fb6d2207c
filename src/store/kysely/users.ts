// store.users over Kysely.

import { z } from "zod";
import type { Store } from "../store.js";
import { auditedSteps } from "./admin-audit.js";
import type { StoreContext } from "./context.js";
import { affected, namedTable, oldestFirst } from "./queries.js";
import { userSchema } from "./record-schemas.js";
import { checkInput, userFromRow, userToRow } from "./rows.js";

export function usersRepository(context: StoreContext): Store["users"] {
  const { db, atomically } = context;
  const named = namedTable(context, "users", {
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
    changeCredentials: async (id, patch, dropApplicationCredentials, audit) => {
      const set = {
        ...(patch.passwordHash === undefined ? {} : { passwordHash: checkInput("passwordHash", z.string(), patch.passwordHash) }),
        ...(patch.role === undefined ? {} : { role: checkInput("role", userSchema.shape.role, patch.role) }),
      };
      const change = [
        db.deleteFrom("tokens").where("userId", "=", id).compile(),
        ...(dropApplicationCredentials.length === 0
          ? []
          : [db.deleteFrom("applicationCredentials").where("userId", "=", id).where("id", "in", [...dropApplicationCredentials]).compile()]),
        // Last, so its rows say whether the user exists.
        db.updateTable("users").set(Object.keys(set).length === 0 ? { id } : set).where("id", "=", id).returning("id").compile(),
      ];
      if (audit === undefined) return (await atomically(change)).length > 0;
      // The audit row goes last, so the update's rows (does the user exist?) decide through a check.
      return auditedSteps(context, change, audit);
    },
  };
}
