// store.tokens over Kysely: identity tokens, kept as their SHA-256 only.

import type { Store } from "../store.js";
import type { StoreContext } from "./context.js";
import { mapDuplicate } from "./errors.js";
import { tokenSchema } from "./record-schemas.js";
import { affected } from "./queries.js";
import { checkInput, checkTime, tokenFromRow, tokenToRow } from "./rows.js";

export function tokensRepository({ db }: StoreContext): Store["tokens"] {
  return {
    create: async (value) => {
      const record = checkInput("TokenRecord", tokenSchema, value);
      await mapDuplicate("token", () => db.insertInto("tokens").values(tokenToRow(record)).execute());
    },
    get: async (id) => {
      const row = await db.selectFrom("tokens").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : tokenFromRow(row);
    },
    delete: async (id) => affected((await db.deleteFrom("tokens").where("id", "=", id).executeTakeFirst()).numDeletedRows),
    countLive: async (userId, now) => {
      const row = await db
        .selectFrom("tokens")
        .select((eb) => eb.fn.countAll<number | string>().as("live"))
        .where("userId", "=", userId)
        .where("expiresAt", ">", checkTime("now", now))
        .executeTakeFirstOrThrow();
      return Number(row.live);
    },
    deleteExpired: async (now) => {
      const result = await db.deleteFrom("tokens").where("expiresAt", "<=", checkTime("now", now)).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
