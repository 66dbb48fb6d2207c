// store.keypairs over Kysely: a keypair is named within its user.

import type { Store } from "../store.js";
import type { StoreContext } from "./context.js";
import { mapDuplicate } from "./errors.js";
import { affected, oldestFirst } from "./queries.js";
import { keypairSchema } from "./record-schemas.js";
import { checkInput, keypairFromRow, keypairToRow } from "./rows.js";

export function keypairsRepository({ db }: StoreContext): Store["keypairs"] {
  return {
    create: async (record) => {
      const r = checkInput("KeypairRecord", keypairSchema, record);
      await mapDuplicate(`keypair ${JSON.stringify(r.name)} of user ${r.userId} (id ${r.id})`, () =>
        db.insertInto("keypairs").values(keypairToRow(r)).execute(),
      );
    },
    get: async (userId, name) => {
      const row = await db
        .selectFrom("keypairs")
        .selectAll()
        .where("userId", "=", userId)
        .where("name", "=", name)
        .executeTakeFirst();
      return row === undefined ? undefined : keypairFromRow(row);
    },
    list: async (userId) => {
      const rows = await db
        .selectFrom("keypairs")
        .selectAll()
        .where("userId", "=", userId)
        .$call(oldestFirst)
        .execute();
      return rows.map(keypairFromRow);
    },
    delete: async (userId, name) => {
      const result = await db
        .deleteFrom("keypairs")
        .where("userId", "=", userId)
        .where("name", "=", name)
        .executeTakeFirst();
      return affected(result.numDeletedRows);
    },
  };
}
