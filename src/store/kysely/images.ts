// store.images over Kysely.

import type { Store } from "../store.js";
import { auditedSteps, writeWithAudit } from "./admin-audit.js";
import type { StoreContext } from "./context.js";
import { mapDuplicate } from "./errors.js";
import { affected, afterMarker, checkPage, oldestFirst } from "./queries.js";
import { imageSchema } from "./record-schemas.js";
import { checkInput, imageFromRow, imageToRow } from "./rows.js";

export function imagesRepository(context: StoreContext): Store["images"] {
  const { db } = context;
  return {
    create: async (record, audit) => {
      const r = checkInput("ImageRecord", imageSchema, record);
      const insert = db.insertInto("images").values(imageToRow(r)).compile();
      await mapDuplicate(`image ${r.id}`, () => writeWithAudit(context, insert, audit));
    },
    get: async (id) => {
      const row = await db.selectFrom("images").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : imageFromRow(row);
    },
    list: async (page) => {
      checkPage(page);
      const { marker, limit, name } = page ?? {};
      const rows = await db
        .selectFrom("images")
        .selectAll()
        .$if(name !== undefined, (q) => q.where("name", "=", name ?? ""))
        .$if(marker !== undefined, (q) => q.where(afterMarker("images", marker ?? "")))
        .$call(oldestFirst)
        .$if(limit !== undefined, (q) => q.limit(limit ?? 0))
        .execute();
      return rows.map(imageFromRow);
    },
    delete: async (id, audit) => {
      if (audit !== undefined) return auditedSteps(context, [db.deleteFrom("images").where("id", "=", id).returning("id").compile()], audit);
      const result = await db.deleteFrom("images").where("id", "=", id).executeTakeFirst();
      return affected(result.numDeletedRows);
    },
  };
}
