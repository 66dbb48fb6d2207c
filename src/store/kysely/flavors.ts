// store.flavors over Kysely.

import type { Store } from "../store.js";
import type { StoreContext } from "./context.js";
import { mapDuplicate } from "./errors.js";
import { namedTableQueries } from "./queries.js";
import { flavorSchema } from "./record-schemas.js";
import { checkInput, flavorFromRow, flavorToRow } from "./rows.js";

export function flavorsRepository({ db }: StoreContext): Store["flavors"] {
  return {
    create: async (record) => {
      const r = checkInput("FlavorRecord", flavorSchema, record);
      await mapDuplicate(`flavor ${JSON.stringify(r.name)} (id ${r.id})`, () =>
        db.insertInto("flavors").values(flavorToRow(r)).execute(),
      );
    },
    ...namedTableQueries(db, "flavors", flavorFromRow),
  };
}
