// store.volumes over Kysely (issue 13).
//
// One volume, one server: the attachment is three columns of the volume's own
// row, set by `UPDATE … WHERE id = ? AND attached_server_id IS NULL`. On SQLite
// the one write lock orders the two UPDATEs; on PostgreSQL (READ COMMITTED) the
// second waits for the first's row lock and re-checks the WHERE on the row as
// committed, so it changes nothing. Delete is conditional the same way.
//
// The CHAP secret has its own column: no select here but `chapSecret`'s names it
// (every read lists its columns, never `selectAll`), so no record carries it.

import type { Insertable, Selectable } from "kysely";
import type { VolumeRecord } from "../records.js";
import type { VolumesTable } from "../schema.js";
import type { Store } from "../store.js";
import { auditedSteps, writeWithAudit } from "./admin-audit.js";
import type { SecretBox } from "../secret-box.js";
import type { StoreContext } from "./context.js";
import { mapDuplicate } from "./errors.js";
import { afterMarker, checkPage, oldestFirst } from "./queries.js";
import { volumeSchema } from "./record-schemas.js";
import { chapSecretContext, checkInput, checkRow, fromIntBool, parseJsonColumns, toJson } from "./rows.js";

/** Every column but chap_secret. */
const PUBLIC_COLUMNS = [
  "id",
  "name",
  "description",
  "sizeGb",
  "projectId",
  "bootable",
  "target",
  "metadata",
  "attachmentId",
  "attachedServerId",
  "attachedAt",
  "createdAt",
  "updatedAt",
] as const;

type PublicRow = Omit<Selectable<VolumesTable>, "chapSecret">;

function volumeFromRow(row: PublicRow): VolumeRecord {
  const { attachmentId, attachedServerId, attachedAt, ...rest } = parseJsonColumns("volumes", row, ["target", "metadata"]);
  const attached = attachmentId !== null || attachedServerId !== null || attachedAt !== null;
  return checkRow("volumes", row.id, volumeSchema, {
    ...rest,
    bootable: fromIntBool(row.bootable),
    attachment: attached ? { id: attachmentId, serverId: attachedServerId, attachedAt } : null,
  });
}

function volumeToRow(record: VolumeRecord, chapSecret: string | null, secrets: SecretBox): Insertable<VolumesTable> {
  const { attachment, ...rest } = record;
  return {
    ...rest,
    bootable: record.bootable ? 1 : 0,
    target: toJson(record.target),
    metadata: toJson(record.metadata),
    chapSecret: chapSecret === null ? null : secrets.seal(chapSecret, chapSecretContext(record.id)),
    attachmentId: attachment?.id ?? null,
    attachedServerId: attachment?.serverId ?? null,
    attachedAt: attachment?.attachedAt ?? null,
  };
}

export function volumesRepository(context: StoreContext): Store["volumes"] {
  const { db } = context;
  const get = async (id: string): Promise<VolumeRecord | undefined> => {
    const row = await db.selectFrom("volumes").select(PUBLIC_COLUMNS).where("id", "=", id).executeTakeFirst();
    return row === undefined ? undefined : volumeFromRow(row);
  };
  return {
    create: async (record, chapSecret, audit) => {
      const r = checkInput("VolumeRecord", volumeSchema, record);
      if (chapSecret !== null && (r.target.protocol !== "iscsi" || r.target.chapUsername === null)) {
        throw new TypeError("a CHAP secret needs an iSCSI target with a CHAP user");
      }
      const insert = db.insertInto("volumes").values(volumeToRow(r, chapSecret, context.secrets)).compile();
      await mapDuplicate(`volume ${r.id}`, () => writeWithAudit(context, insert, audit));
    },
    get,
    list: async (filter = {}) => {
      checkPage(filter);
      const { visibleTo, name, status, marker, limit } = filter;
      const rows = await db
        .selectFrom("volumes")
        .select(PUBLIC_COLUMNS)
        .$if(visibleTo !== undefined, (q) => q.where((eb) => eb.or([eb("projectId", "=", visibleTo ?? ""), eb("projectId", "is", null)])))
        .$if(name !== undefined, (q) => q.where("name", "=", name ?? ""))
        .$if(status === "available", (q) => q.where("attachedServerId", "is", null))
        .$if(status === "in-use", (q) => q.where("attachedServerId", "is not", null))
        .$if(marker !== undefined, (q) => q.where(afterMarker("volumes", marker ?? "")))
        .$call(oldestFirst)
        .$if(limit !== undefined, (q) => q.limit(limit ?? 0))
        .execute();
      return rows.map(volumeFromRow);
    },
    update: async (id, patch, updatedAt) => {
      const row = await db
        .updateTable("volumes")
        .set({
          ...(patch.name === undefined ? {} : { name: patch.name }),
          ...(patch.description === undefined ? {} : { description: patch.description }),
          updatedAt,
        })
        .where("id", "=", id)
        .returning(PUBLIC_COLUMNS)
        .executeTakeFirst();
      return row === undefined ? undefined : volumeFromRow(row);
    },
    delete: async (id, audit) => {
      const remove = db.deleteFrom("volumes").where("id", "=", id).where("attachedServerId", "is", null).returning("id");
      const deleted = audit === undefined ? (await remove.execute()).length > 0 : await auditedSteps(context, [remove.compile()], audit);
      if (deleted) return "deleted";
      return (await get(id)) === undefined ? "missing" : "attached";
    },
    attach: async (id, attachment) => {
      const row = await db
        .updateTable("volumes")
        .set({ attachmentId: attachment.id, attachedServerId: attachment.serverId, attachedAt: attachment.attachedAt, updatedAt: attachment.attachedAt })
        .where("id", "=", id)
        .where("attachedServerId", "is", null)
        .returning("id")
        .executeTakeFirst();
      if (row !== undefined) return "attached";
      return (await get(id)) === undefined ? "missing" : "in-use";
    },
    detach: async (id, serverId) => {
      const row = await db
        .updateTable("volumes")
        .set({ attachmentId: null, attachedServerId: null, attachedAt: null })
        .where("id", "=", id)
        .where("attachedServerId", "=", serverId)
        .returning("id")
        .executeTakeFirst();
      return row !== undefined;
    },
    ofServer: async (serverId) => {
      const rows = await db
        .selectFrom("volumes")
        .select(PUBLIC_COLUMNS)
        .where("attachedServerId", "=", serverId)
        .orderBy("attachedAt")
        .orderBy("id")
        .execute();
      return rows.map(volumeFromRow);
    },
    chapSecret: async (id) => {
      const row = await db.selectFrom("volumes").select("chapSecret").where("id", "=", id).executeTakeFirst();
      if (row === undefined) return undefined;
      return row.chapSecret === null ? null : context.secrets.open(row.chapSecret, chapSecretContext(id));
    },
  };
}
