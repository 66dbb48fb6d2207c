// store.projects over Kysely.

import type { Store } from "../store.js";
import type { StoreContext } from "./context.js";
import { namedTable } from "./queries.js";
import { projectSchema } from "./record-schemas.js";
import { projectFromRow, projectToRow } from "./rows.js";

export function projectsRepository(context: StoreContext): Store["projects"] {
  return namedTable(context, "projects", {
    noun: "project",
    typeName: "ProjectRecord",
    schema: projectSchema,
    fromRow: projectFromRow,
    toRow: projectToRow,
  });
}
