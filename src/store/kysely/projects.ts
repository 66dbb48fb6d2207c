// store.projects over Kysely.

import type { Store } from "../store.js";
import type { StoreContext } from "./context.js";
import { mapDuplicate } from "./errors.js";
import { namedTableQueries } from "./queries.js";
import { projectSchema } from "./record-schemas.js";
import { checkInput, projectFromRow, projectToRow } from "./rows.js";

export function projectsRepository({ db }: StoreContext): Store["projects"] {
  return {
    create: async (record) => {
      const r = checkInput("ProjectRecord", projectSchema, record);
      await mapDuplicate(`project ${JSON.stringify(r.name)} (id ${r.id})`, () =>
        db.insertInto("projects").values(projectToRow(r)).execute(),
      );
    },
    ...namedTableQueries(db, "projects", projectFromRow),
  };
}
