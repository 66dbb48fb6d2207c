// store.flavors over Kysely.

import type { Store } from "../store.js";
import type { StoreContext } from "./context.js";
import { namedTable } from "./queries.js";
import { flavorSchema } from "./record-schemas.js";
import { flavorFromRow, flavorToRow } from "./rows.js";

export function flavorsRepository(context: StoreContext): Store["flavors"] {
  return namedTable(context, "flavors", {
    noun: "flavor",
    typeName: "FlavorRecord",
    schema: flavorSchema,
    fromRow: flavorFromRow,
    toRow: flavorToRow,
  });
}
