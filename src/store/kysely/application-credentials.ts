// store.applicationCredentials over Kysely. A credential's tokens go with it
// (ON DELETE CASCADE in the schema).

import type { Store } from "../store.js";
import type { StoreContext } from "./context.js";
import { mapDuplicate } from "./errors.js";
import { applicationCredentialSchema } from "./record-schemas.js";
import { affected } from "./queries.js";
import { applicationCredentialFromRow, applicationCredentialToRow, checkInput } from "./rows.js";

export function applicationCredentialsRepository({ db }: StoreContext): Store["applicationCredentials"] {
  return {
    create: async (value) => {
      const record = checkInput("ApplicationCredentialRecord", applicationCredentialSchema, value);
      await mapDuplicate(`application credential ${JSON.stringify(record.name)}`, () =>
        db.insertInto("applicationCredentials").values(applicationCredentialToRow(record)).execute(),
      );
    },
    get: async (id) => {
      const row = await db.selectFrom("applicationCredentials").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : applicationCredentialFromRow(row);
    },
    getByName: async (userId, name) => {
      const row = await db
        .selectFrom("applicationCredentials")
        .selectAll()
        .where("userId", "=", userId)
        .where("name", "=", name)
        .executeTakeFirst();
      return row === undefined ? undefined : applicationCredentialFromRow(row);
    },
    list: async (userId) => {
      const rows = await db
        .selectFrom("applicationCredentials")
        .selectAll()
        .where("userId", "=", userId)
        .orderBy("createdAt")
        .orderBy("id")
        .execute();
      return rows.map(applicationCredentialFromRow);
    },
    delete: async (id) =>
      affected((await db.deleteFrom("applicationCredentials").where("id", "=", id).executeTakeFirst()).numDeletedRows),
  };
}
