// store.flavors over Kysely: the flavor's row plus one flavor_extra_specs row
// per extra spec (Nova's own layout), written and removed together.
//
// A spec change first reads the flavor's row — FOR UPDATE on PostgreSQL, so a
// concurrent delete of the flavor waits for it (or it sees the flavor gone);
// SQLite's BEGIN IMMEDIATE already serializes writers — and stops when there
// is none, leaving neither rows nor an audit row.

import { sql, type CompiledQuery } from "kysely";
import type { FlavorRecord } from "../records.js";
import type { Store } from "../store.js";
import { withAudit } from "./admin-audit.js";
import type { StoreContext, TransactionStep } from "./context.js";
import { mapDuplicate } from "./errors.js";
import { flavorSchema } from "./record-schemas.js";
import { checkInput, flavorFromRow, flavorToRow } from "./rows.js";

/** Thrown by a check to roll back a change whose flavor (or key) is not there. */
class NoSuchRow extends Error {}

export function flavorsRepository(context: StoreContext): Store["flavors"] {
  const { db, kind, atomically } = context;

  const specsOf = async (flavorIds: readonly string[]): Promise<Map<string, Array<{ key: string; value: string }>>> => {
    const byFlavor = new Map<string, Array<{ key: string; value: string }>>(flavorIds.map((id) => [id, []]));
    if (flavorIds.length === 0) return byFlavor;
    const rows = await db
      .selectFrom("flavorExtraSpecs")
      .select(["flavorId", "key", "value"])
      .where("flavorId", "in", [...flavorIds])
      .orderBy("flavorId")
      .orderBy("key")
      .execute();
    for (const row of rows) byFlavor.get(row.flavorId)?.push(row);
    return byFlavor;
  };
  const one = async (where: "id" | "name", value: string): Promise<FlavorRecord | undefined> => {
    const row = await db.selectFrom("flavors").selectAll().where(where, "=", value).executeTakeFirst();
    if (row === undefined) return undefined;
    return flavorFromRow(row, (await specsOf([row.id])).get(row.id) ?? []);
  };
  const specInserts = (flavorId: string, specs: Readonly<Record<string, string>>): CompiledQuery[] => {
    const rows = Object.entries(specs).map(([key, value]) => ({ flavorId, key, value }));
    if (rows.length === 0) return [];
    return [
      db
        .insertInto("flavorExtraSpecs")
        .values(rows)
        .onConflict((conflict) => conflict.columns(["flavorId", "key"]).doUpdateSet((eb) => ({ value: eb.ref("excluded.value") })))
        .compile(),
    ];
  };
  /** The flavor's row, locked on PostgreSQL; the transaction stops when there is none. */
  const flavorMustExist = (id: string): TransactionStep => ({
    query: (kind === "postgres" ? sql`SELECT id FROM flavors WHERE id = ${id} FOR UPDATE` : sql`SELECT id FROM flavors WHERE id = ${id}`).compile(db),
    check: (rows) => {
      if (rows.length === 0) throw new NoSuchRow();
    },
  });
  const unlessMissing = async (steps: readonly TransactionStep[]): Promise<boolean> => {
    try {
      await atomically(steps);
      return true;
    } catch (error) {
      if (error instanceof NoSuchRow) return false;
      throw error;
    }
  };

  return {
    create: async (value, audit) => {
      const flavor = checkInput("FlavorRecord", flavorSchema, value);
      const insert = db.insertInto("flavors").values(flavorToRow(flavor)).compile();
      await mapDuplicate(`flavor ${JSON.stringify(flavor.name)} (id ${flavor.id})`, () =>
        atomically(withAudit(db, [insert, ...specInserts(flavor.id, flavor.extraSpecs)], audit)),
      );
    },
    get: (id) => one("id", id),
    getByName: (name) => one("name", name),
    list: async () => {
      const rows = await db.selectFrom("flavors").selectAll().orderBy("createdAt").orderBy("id").execute();
      const specs = await specsOf(rows.map((row) => row.id));
      return rows.map((row) => flavorFromRow(row, specs.get(row.id) ?? []));
    },
    delete: async (id, audit) => {
      const specs = db.deleteFrom("flavorExtraSpecs").where("flavorId", "=", id).compile();
      const flavor: TransactionStep = {
        query: db.deleteFrom("flavors").where("id", "=", id).returning("id").compile(),
        check: (rows) => {
          if (rows.length === 0) throw new NoSuchRow();
        },
      };
      return unlessMissing(withAudit(db, [specs, flavor], audit));
    },
    setExtraSpecs: async (id, specs, audit) => {
      const checked = checkInput("flavor extra specs", flavorSchema.shape.extraSpecs, specs);
      return unlessMissing(withAudit(db, [flavorMustExist(id), ...specInserts(id, checked)], audit));
    },
    deleteExtraSpec: async (id, key, audit) => {
      const remove: TransactionStep = {
        query: db.deleteFrom("flavorExtraSpecs").where("flavorId", "=", id).where("key", "=", key).returning("key").compile(),
        check: (rows) => {
          if (rows.length === 0) throw new NoSuchRow();
        },
      };
      return unlessMissing(withAudit(db, [remove], audit));
    },
  };
}
