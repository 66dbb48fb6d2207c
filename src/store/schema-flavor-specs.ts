// Migration 0014 (issue 18 #1): flavors carry their scheduling data as Nova's
// Ironic deployments write it, in extra specs — `resources:CUSTOM_<CLASS>=1`
// with the standard classes zeroed, `trait:<T>=required|forbidden`,
// `capabilities:<k>=<v>` — instead of the four columns ironic-compute had.
// Each existing flavor's columns become those rows, then the columns go.
//
// Quotas name a class as Placement and Nova's unified limits do
// (`class:CUSTOM_GPU`), the name the flavor's extra spec now carries: the
// allocations and limits written under a flavor's old spelling ("gpu",
// "baremetal-gold") are renamed, so usage and limits keep counting the same servers.
//
// Like every migration, it is frozen: its own copy of the name rule and row
// shapes, raw SQL only (it runs without the camelCase plugin).
import { sql, type Kysely, type Migration } from "kysely";
import { z } from "zod";

/** Nova's rule for an Ironic node's class ("baremetal-gold" → "CUSTOM_BAREMETAL_GOLD"), as the scheduler applied it. */
function placementName(resourceClass: string): string {
  const upper = resourceClass.replace(/[^0-9A-Za-z]+/g, "_").toUpperCase();
  return upper.startsWith("CUSTOM_") ? upper : `CUSTOM_${upper}`;
}

const oldFlavor = z.object({
  id: z.string(),
  resource_class: z.string(),
  required_traits: z.string(),
  forbidden_traits: z.string(),
  capabilities: z.string(),
});
const traits = z.array(z.string());
const capabilities = z.record(z.string(), z.string());

function parsed<T>(schema: z.ZodType<T>, text: string, what: string): T {
  const result = schema.safeParse(JSON.parse(text));
  if (!result.success) throw new Error(`migration 0014: ${what} is not valid: ${z.prettifyError(result.error)}`);
  return result.data;
}

/** The extra specs that say what the old columns said. */
function specsOfOldFlavor(row: z.infer<typeof oldFlavor>): Map<string, string> {
  const specs = new Map<string, string>([
    [`resources:${placementName(row.resource_class)}`, "1"],
    ["resources:VCPU", "0"],
    ["resources:MEMORY_MB", "0"],
    ["resources:DISK_GB", "0"],
  ]);
  for (const trait of parsed(traits, row.required_traits, `flavor ${row.id} required_traits`)) specs.set(`trait:${trait}`, "required");
  for (const trait of parsed(traits, row.forbidden_traits, `flavor ${row.id} forbidden_traits`)) specs.set(`trait:${trait}`, "forbidden");
  for (const [key, value] of Object.entries(parsed(capabilities, row.capabilities, `flavor ${row.id} capabilities`))) {
    specs.set(`capabilities:${key}`, value);
  }
  return specs;
}

async function moveFlavorColumns(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql`SELECT id, resource_class, required_traits, forbidden_traits, capabilities FROM flavors`.execute(db);
  for (const raw of rows) {
    const row = oldFlavor.parse(raw);
    for (const [key, value] of specsOfOldFlavor(row)) {
      await sql`INSERT INTO flavor_extra_specs (flavor_id, key, value) VALUES (${row.id}, ${key}, ${value})`.execute(db);
    }
  }
  for (const column of ["resource_class", "required_traits", "forbidden_traits", "capabilities"]) {
    await db.schema.alterTable("flavors").dropColumn(column).execute();
  }
}

/** Tighter of two limits (-1: unlimited). */
function tighter(a: number, b: number): number {
  if (a < 0) return b;
  if (b < 0) return a;
  return Math.min(a, b);
}

const limitRow = z.object({ project_id: z.string(), resource: z.string(), hard_limit: z.coerce.number().int(), updated_at: z.string() });

async function renameQuotaClasses(db: Kysely<unknown>): Promise<void> {
  const allocated = await sql`SELECT DISTINCT resource_class FROM server_allocations`.execute(db);
  for (const raw of allocated.rows) {
    const old = z.object({ resource_class: z.string() }).parse(raw).resource_class;
    const renamed = placementName(old);
    if (renamed !== old) await sql`UPDATE server_allocations SET resource_class = ${renamed} WHERE resource_class = ${old}`.execute(db);
  }
  const limits = await sql`SELECT project_id, resource, hard_limit, updated_at FROM quota_limits WHERE resource LIKE 'class:%'`.execute(db);
  // Two old spellings of one class ("gpu", "GPU") become one limit: the tighter, so no project gains room.
  const merged = new Map<string, { projectId: string; resource: string; limit: number; updatedAt: string; from: string[] }>();
  for (const raw of limits.rows) {
    const row = limitRow.parse(raw);
    const resource = `class:${placementName(row.resource.slice("class:".length))}`;
    const key = `${row.project_id}\u0000${resource}`;
    const seen = merged.get(key);
    if (seen === undefined) merged.set(key, { projectId: row.project_id, resource, limit: row.hard_limit, updatedAt: row.updated_at, from: [row.resource] });
    else {
      seen.limit = tighter(seen.limit, row.hard_limit);
      seen.updatedAt = seen.updatedAt > row.updated_at ? seen.updatedAt : row.updated_at;
      seen.from.push(row.resource);
    }
  }
  for (const entry of merged.values()) {
    if (entry.from.length === 1 && entry.from[0] === entry.resource) continue;
    for (const old of entry.from) await sql`DELETE FROM quota_limits WHERE project_id = ${entry.projectId} AND resource = ${old}`.execute(db);
    await sql`INSERT INTO quota_limits (project_id, resource, hard_limit, updated_at)
      VALUES (${entry.projectId}, ${entry.resource}, ${entry.limit}, ${entry.updatedAt})`.execute(db);
  }
}

export const flavorExtraSpecsMigration: Migration = {
  async up(db): Promise<void> {
    await db.schema
      .createTable("flavor_extra_specs")
      .addColumn("flavor_id", "text", (c) => c.notNull())
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("value", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("flavor_extra_specs_pk", ["flavor_id", "key"])
      .execute();
    await moveFlavorColumns(db);
    await renameQuotaClasses(db);
  },
};
