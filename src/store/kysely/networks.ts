// store.networks and store.subnets over Kysely. The "in use" rules are the
// foreign keys of schema-networks.ts: a delete that would orphan a port or a
// fixed IP fails in the database, and becomes NetworkInUseError /
// SubnetInUseError here, so no port created meanwhile can slip past a check.

import type { Kysely, Selectable } from "kysely";
import type { NetworkStore } from "../network-store.js";
import type { Database } from "../schema.js";
import { NetworkInUseError, SubnetInUseError } from "../store.js";
import type { StoreContext } from "./context.js";
import { isForeignKeyViolation, mapDuplicate } from "./errors.js";
import { affected } from "./queries.js";
import {
  networkFromRow,
  networkPatchSchema,
  networkPatchToRow,
  networkSchema,
  networkToRow,
  subnetFromRow,
  subnetPatchSchema,
  subnetPatchToRow,
  subnetSchema,
  subnetToRow,
} from "./network-rows.js";
import { checkInput, checkTime } from "./rows.js";

/** Runs a delete; a foreign-key refusal becomes `inUse()`. */
async function deleteUnlessReferenced(work: () => Promise<{ numDeletedRows: bigint }>, inUse: () => Error): Promise<boolean> {
  try {
    return affected((await work()).numDeletedRows);
  } catch (error: unknown) {
    if (isForeignKeyViolation(error)) throw Object.assign(inUse(), { cause: error });
    throw error;
  }
}

interface RevisedRow {
  id: string;
  revisionNumber: number;
  updatedAt: string;
}

/**
 * UPDATE … SET <columns>, updated_at = now, revision_number = revision_number + 1
 * RETURNING *: Neutron's revision bump, the same for networks, subnets and ports.
 * Kysely cannot type a query over a generic table name, so the three are seen
 * through the columns they share; `table` is still the real name in the SQL.
 */
export async function reviseRow<T extends "networks" | "subnets" | "ports">(
  db: Kysely<Database>,
  table: T,
  id: string,
  columns: Partial<Selectable<Database[T]>>,
  now: string,
): Promise<Selectable<Database[T]> | undefined> {
  const revised = db as unknown as Kysely<{ revised: RevisedRow }>;
  const row = await revised
    .updateTable(table as unknown as "revised")
    .set((eb) => ({ ...(columns as Partial<RevisedRow>), updatedAt: checkTime("now", now), revisionNumber: eb("revisionNumber", "+", 1) }))
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
  return row as Selectable<Database[T]> | undefined;
}

export function networksRepository({ db }: StoreContext): NetworkStore["networks"] {
  return {
    create: async (record) => {
      const r = checkInput("NetworkRecord", networkSchema, record);
      const what = r.segmentationId === null ? `network ${r.id}` : `network ${r.id} or VLAN ${r.segmentationId} on ${r.physicalNetwork ?? "(none)"}`;
      await mapDuplicate(what, () => db.insertInto("networks").values(networkToRow(r)).execute());
    },
    get: async (id) => {
      const row = await db.selectFrom("networks").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : networkFromRow(row);
    },
    list: async (filter = {}) => {
      let query = db.selectFrom("networks").selectAll();
      const { visibleTo, ids } = filter;
      if (visibleTo !== undefined) query = query.where((eb) => eb.or([eb("projectId", "=", visibleTo), eb("shared", "=", 1)]));
      if (ids !== undefined) {
        if (ids.length === 0) return [];
        query = query.where("id", "in", [...ids]);
      }
      const rows = await query.orderBy("createdAt").orderBy("id").execute();
      return rows.map(networkFromRow);
    },
    update: async (id, patch, now) => {
      const row = await reviseRow(db, "networks", id, networkPatchToRow(checkInput("NetworkPatch", networkPatchSchema, patch)), now);
      return row === undefined ? undefined : networkFromRow(row);
    },
    delete: (id) =>
      deleteUnlessReferenced(
        () => db.deleteFrom("networks").where("id", "=", id).executeTakeFirst(),
        () => new NetworkInUseError(id),
      ),
  };
}

export function subnetsRepository({ db }: StoreContext): NetworkStore["subnets"] {
  return {
    create: async (record) => {
      const r = checkInput("SubnetRecord", subnetSchema, record);
      await mapDuplicate(`subnet ${r.id}`, () => db.insertInto("subnets").values(subnetToRow(r)).execute());
    },
    get: async (id) => {
      const row = await db.selectFrom("subnets").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : subnetFromRow(row);
    },
    list: async (filter = {}) => {
      let query = db.selectFrom("subnets").selectAll();
      for (const [column, values] of [["networkId", filter.networkIds], ["id", filter.ids]] as const) {
        if (values === undefined) continue;
        if (values.length === 0) return [];
        query = query.where(column, "in", [...values]);
      }
      const rows = await query.orderBy("createdAt").orderBy("id").execute();
      return rows.map(subnetFromRow);
    },
    update: async (id, patch, now) => {
      const row = await reviseRow(db, "subnets", id, subnetPatchToRow(checkInput("SubnetPatch", subnetPatchSchema, patch)), now);
      return row === undefined ? undefined : subnetFromRow(row);
    },
    delete: (id) =>
      deleteUnlessReferenced(
        () => db.deleteFrom("subnets").where("id", "=", id).executeTakeFirst(),
        () => new SubnetInUseError(id),
      ),
  };
}
