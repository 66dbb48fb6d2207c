// store.adminAudit over Kysely, and the statements other repositories add to
// their own transactions so an admin change and its audit row commit together.

import { sql, type CompiledQuery, type Kysely } from "kysely";
import { z } from "zod";
import type { AdminAuditRecord } from "../records.js";
import type { Database } from "../schema.js";
import { CorruptRecordError, type AuditFilter, type Store } from "../store.js";
import type { StoreContext, TransactionStep } from "./context.js";
import { checkPage } from "./queries.js";
import { isoTime } from "./record-schemas.js";
import { checkInput } from "./rows.js";

const auditSchema = z.object({
  id: z.string().min(1),
  createdAt: isoTime,
  userId: z.string(),
  userName: z.string(),
  projectId: z.string(),
  requestId: z.string(),
  resourceType: z.enum(["flavor", "image", "project", "user", "quota", "volume"]),
  resourceId: z.string(),
  resourceName: z.string(),
  action: z.enum(["create", "update", "delete"]),
  changes: z.record(z.string(), z.unknown()),
});

/** The INSERT of one audit row, to run inside the change's transaction. */
export function auditInsert(db: Kysely<Database>, record: AdminAuditRecord): CompiledQuery {
  const checked = checkInput("AdminAuditRecord", auditSchema, record);
  return db
    .insertInto("adminAudit")
    .values({ ...checked, changes: JSON.stringify(checked.changes) })
    .compile();
}

/** The change's statements, then its audit row (when there is one). */
export function withAudit(db: Kysely<Database>, statements: readonly TransactionStep[], audit: AdminAuditRecord | undefined): TransactionStep[] {
  return audit === undefined ? [...statements] : [...statements, auditInsert(db, audit)];
}

/** One write, alone without `audit`, with its audit row in one transaction otherwise. */
export async function writeWithAudit(context: StoreContext, write: CompiledQuery, audit: AdminAuditRecord | undefined): Promise<void> {
  if (audit === undefined) await context.db.executeQuery(write);
  else await context.atomically([write, auditInsert(context.db, audit)]);
}

/** Thrown by a check to roll back a change that found no row (and so must leave no audit row). */
class NothingChanged extends Error {}

/**
 * `steps`, then the audit row, in one transaction. The last step returns the
 * rows it changed: none means there was no such record, and then nothing is
 * kept (false), so a miss leaves no audit row.
 */
export async function auditedSteps(
  { db, atomically }: StoreContext,
  steps: readonly CompiledQuery[],
  audit: AdminAuditRecord,
): Promise<boolean> {
  const last = steps.at(-1);
  if (last === undefined) throw new TypeError("an audited change needs a statement");
  const check = (rows: readonly unknown[]): void => {
    if (rows.length === 0) throw new NothingChanged();
  };
  try {
    await atomically([...steps.slice(0, -1), { query: last, check }, auditInsert(db, audit)]);
    return true;
  } catch (error) {
    if (error instanceof NothingChanged) return false;
    throw error;
  }
}

function fromRow(row: Record<string, unknown>): AdminAuditRecord {
  let changes: unknown;
  try {
    changes = JSON.parse(String(row.changes));
  } catch {
    changes = undefined;
  }
  const parsed = auditSchema.safeParse({ ...row, changes });
  if (!parsed.success) throw new CorruptRecordError(`admin_audit row ${String(row.id)} does not match its schema`);
  return parsed.data;
}

/** `(created_at, id) < (marker's)`: newest first, so "after the marker" is older. Raw SQL, so snake_case. */
function beforeMarker(marker: string) {
  return sql<boolean>`(created_at, id) < (SELECT m.created_at, m.id FROM admin_audit AS m WHERE m.id = ${marker})`;
}

export function adminAuditRepository(context: StoreContext): Store["adminAudit"] {
  const { db, atomically } = context;
  return {
    record: async (audit) => {
      await atomically([auditInsert(db, audit)]);
    },
    list: async (filter: AuditFilter = {}) => {
      checkPage(filter);
      const { resourceType, resourceId, userId, since, until, marker, limit } = filter;
      const rows = await db
        .selectFrom("adminAudit")
        .selectAll()
        .$if(resourceType !== undefined, (q) => q.where("resourceType", "=", resourceType ?? ""))
        .$if(resourceId !== undefined, (q) => q.where("resourceId", "=", resourceId ?? ""))
        .$if(userId !== undefined, (q) => q.where("userId", "=", userId ?? ""))
        .$if(since !== undefined, (q) => q.where("createdAt", ">=", since ?? ""))
        .$if(until !== undefined, (q) => q.where("createdAt", "<=", until ?? ""))
        .$if(marker !== undefined, (q) => q.where(beforeMarker(marker ?? "")))
        .orderBy("createdAt", "desc")
        .orderBy("id", "desc")
        .$if(limit !== undefined, (q) => q.limit(limit ?? 0))
        .execute();
      return rows.map((row) => fromRow(row as unknown as Record<string, unknown>));
    },
  };
}
