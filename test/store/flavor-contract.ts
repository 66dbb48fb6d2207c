// The flavor part of the Store contract (issue 18 #1), run by store-contract.ts
// on every backend: extra specs stored as Nova's flavor_extra_specs rows,
// merged and removed key by key with their audit row in the same transaction,
// and migration 0014 turning the old columns into those rows.

import { randomUUID } from "node:crypto";
import { Kysely, Migrator, sql, type Migration } from "kysely";
import { describe, expect, it } from "vitest";
import type { AdminAuditRecord } from "../../src/store/records.js";
import { migrations } from "../../src/store/schema.js";
import type { Store } from "../../src/store/store.js";
import type { ContractHooks } from "./store-contract.js";
import { at, flavorRecord } from "./store-contract.js";

function audit(resourceId: string): AdminAuditRecord {
  return {
    id: randomUUID(),
    createdAt: at(5),
    userId: "u-admin",
    userName: "admin",
    projectId: "p-admin",
    requestId: "req-1",
    resourceType: "flavor",
    resourceId,
    resourceName: "f",
    action: "update",
    changes: { extra_specs: "changed" },
  };
}

/** Runs the migrations up to `last` (inclusive) on `db`: the schema of that release. */
export async function migrateUpTo(db: Kysely<unknown>, last: string): Promise<void> {
  const chosen: Record<string, Migration> = Object.fromEntries(Object.entries(migrations).filter(([name]) => name <= last));
  const { error } = await new Migrator({ db, provider: { getMigrations: () => Promise.resolve(chosen) } }).migrateToLatest();
  if (error !== undefined) throw new Error(`migrations up to ${last} failed`, { cause: error });
}

/** The seed SQL for a migration test: statements, values inlined (test data, no user input). */
function oldFlavorRow(id: string, name: string, resourceClass: string, required: string[], forbidden: string[], capabilities: Record<string, string>): string {
  const text = (value: string): string => `'${value.replaceAll("'", "''")}'`;
  return `INSERT INTO flavors (id, name, description, resource_class, required_traits, forbidden_traits, capabilities, vcpus, ram_mb, disk_gb, ephemeral_gb, swap_mb, is_public, created_at)
    VALUES (${text(id)}, ${text(name)}, '', ${text(resourceClass)}, ${text(JSON.stringify(required))}, ${text(JSON.stringify(forbidden))}, ${text(JSON.stringify(capabilities))}, 8, 1024, 10, 0, 0, 1, ${text(at(1))})`;
}

export function describeFlavorContract(current: () => Store, hooks: ContractHooks): void {
  describe("flavor extra specs (issue 18 #1)", () => {
    it("merges specs into a flavor's (a given key replaces its value), removes one key, and a delete takes them all", async () => {
      const store = current();
      const flavor = flavorRecord({ extraSpecs: { "resources:CUSTOM_A": "1", "trait:CUSTOM_X": "required" } });
      await store.flavors.create(flavor);
      expect(await store.flavors.setExtraSpecs(flavor.id, { "trait:CUSTOM_X": "forbidden", "capabilities:boot_mode": "uefi" })).toBe(true);
      expect((await store.flavors.get(flavor.id))?.extraSpecs).toEqual({
        "resources:CUSTOM_A": "1",
        "trait:CUSTOM_X": "forbidden",
        "capabilities:boot_mode": "uefi",
      });
      expect(await store.flavors.deleteExtraSpec(flavor.id, "trait:CUSTOM_X")).toBe(true);
      expect(await store.flavors.deleteExtraSpec(flavor.id, "trait:CUSTOM_X")).toBe(false);
      expect((await store.flavors.list()).find((f) => f.id === flavor.id)?.extraSpecs).toEqual({ "resources:CUSTOM_A": "1", "capabilities:boot_mode": "uefi" });

      expect(await store.flavors.delete(flavor.id)).toBe(true);
      // A new flavor with the same id starts with none of the old one's specs.
      await store.flavors.create({ ...flavor, extraSpecs: {} });
      expect((await store.flavors.get(flavor.id))?.extraSpecs).toEqual({});
    });

    it("writes nothing, not even the audit row, for a flavor that is not there or a key it lacks", async () => {
      const store = current();
      const missing = audit("no-such-flavor");
      expect(await store.flavors.setExtraSpecs("no-such-flavor", { "resources:CUSTOM_A": "1" }, missing)).toBe(false);
      expect(await store.flavors.deleteExtraSpec("no-such-flavor", "resources:CUSTOM_A", audit("no-such-flavor"))).toBe(false);
      const flavor = flavorRecord({ extraSpecs: {} });
      await store.flavors.create(flavor);
      expect(await store.flavors.deleteExtraSpec(flavor.id, "nothing", audit(flavor.id))).toBe(false);
      expect(await store.adminAudit.list({ resourceType: "flavor" })).toEqual([]);

      const kept = audit(flavor.id);
      expect(await store.flavors.setExtraSpecs(flavor.id, { a: "1" }, kept)).toBe(true);
      expect((await store.adminAudit.list({ resourceType: "flavor" })).map((row) => row.id)).toEqual([kept.id]);
      // The same audit id again: the audit insert fails and the spec change rolls back with it.
      await expect(store.flavors.setExtraSpecs(flavor.id, { a: "2" }, kept)).rejects.toThrow();
      expect((await store.flavors.get(flavor.id))?.extraSpecs).toEqual({ a: "1" });
    });

    it("refuses a spec that is not text (TypeError), before writing", async () => {
      const store = current();
      const flavor = flavorRecord({ extraSpecs: {} });
      await store.flavors.create(flavor);
      await expect(store.flavors.setExtraSpecs(flavor.id, { a: 1 } as unknown as Record<string, string>)).rejects.toBeInstanceOf(TypeError);
      expect((await store.flavors.get(flavor.id))?.extraSpecs).toEqual({});
    });

    it("migration 0014 turns the old columns into extra specs and renames quota classes to Placement's names", async () => {
      const seed = [
        oldFlavorRow("f-gold", "gold", "baremetal-gold", ["CUSTOM_RAID"], ["CUSTOM_SLOW"], { boot_mode: "uefi" }),
        oldFlavorRow("f-plain", "plain", "CUSTOM_PLAIN", [], [], {}),
        ...["s1", "s2", "s3"].map(
          (id) => `INSERT INTO servers (id, name, hostname, project_id, user_id, flavor_id, vm_state, power_state, progress, networks, metadata, availability_zone, created_at, updated_at)
            VALUES ('${id}', '${id}', '${id}', 'p1', 'u1', 'f-gold', 'active', 'running', 100, '{"kind":"none"}', '{}', 'nova', '${at(1)}', '${at(1)}')`,
        ),
        `INSERT INTO server_allocations (server_id, project_id, resource_class) VALUES ('s1', 'p1', 'baremetal-gold'), ('s2', 'p1', 'CUSTOM_BAREMETAL_GOLD'), ('s3', 'p1', 'CUSTOM_PLAIN')`,
        `INSERT INTO quota_limits (project_id, resource, hard_limit, updated_at) VALUES
          ('p1', 'class:baremetal-gold', 5, '${at(1)}'), ('p1', 'class:BAREMETAL_GOLD', 3, '${at(2)}'),
          ('p1', 'class:gpu', -1, '${at(1)}'), ('p1', 'instances', 9, '${at(1)}'), ('p2', 'class:CUSTOM_PLAIN', 4, '${at(1)}')`,
      ];
      const store = await hooks.openMigratedFrom("0013_server_create_options", seed);
      try {
        expect(await store.flavors.get("f-gold")).toMatchObject({
          name: "gold",
          vcpus: 8,
          extraSpecs: {
            "resources:CUSTOM_BAREMETAL_GOLD": "1",
            "resources:VCPU": "0",
            "resources:MEMORY_MB": "0",
            "resources:DISK_GB": "0",
            "trait:CUSTOM_RAID": "required",
            "trait:CUSTOM_SLOW": "forbidden",
            "capabilities:boot_mode": "uefi",
          },
        });
        expect((await store.flavors.get("f-plain"))?.extraSpecs).toEqual({
          "resources:CUSTOM_PLAIN": "1",
          "resources:VCPU": "0",
          "resources:MEMORY_MB": "0",
          "resources:DISK_GB": "0",
        });
        // Two spellings of one class count together; limits merge to the tighter.
        expect(await store.quotas.usage("p1")).toEqual({ instances: 3, resourceClasses: { CUSTOM_BAREMETAL_GOLD: 2, CUSTOM_PLAIN: 1 } });
        expect(await store.quotas.limits("p1")).toEqual({ "class:CUSTOM_BAREMETAL_GOLD": 3, "class:CUSTOM_GPU": -1, instances: 9 });
        expect(await store.quotas.limits("p2")).toEqual({ "class:CUSTOM_PLAIN": 4 });
        // A flavor written after the migration has no old column to fill.
        await store.flavors.create(flavorRecord({ id: "f-new" }));
        expect((await store.flavors.get("f-new"))?.extraSpecs).toEqual(flavorRecord().extraSpecs);
      } finally {
        await store.close();
      }
    });
  });
}

/** Runs `seed` on `db` (raw statements). */
export async function runSeed(db: Kysely<unknown>, seed: readonly string[]): Promise<void> {
  for (const statement of seed) await sql.raw(statement).execute(db);
}
