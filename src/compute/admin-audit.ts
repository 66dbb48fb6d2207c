// The audit of admin changes (issue 11, item 8): who changed which flavor,
// image, project, user or quota, when, and a summary of how. The summaries are
// built here from the change's own fields and never carry a secret: a password
// shows only as "set" or "changed", never its text or its hash.
import { randomUUID } from "node:crypto";
import type { AdminAuditRecord, AuditResourceType } from "../store/records.js";
import type { AuditFilter, Store } from "../store/store.js";
import { nowIso } from "./clock.js";
import type { Caller } from "./contract.js";
import { requireAdmin } from "./policy.js";

/** The largest page `list` returns; the default page size. */
export const MAX_AUDIT_PAGE = 1000;
export const DEFAULT_AUDIT_PAGE = 100;

export interface AuditedResource {
  type: AuditResourceType;
  id: string;
  name: string;
}

/** The audit row of one change by `caller`, to hand to the store with the change itself. */
export function auditOf(
  caller: Caller,
  resource: AuditedResource,
  action: AdminAuditRecord["action"],
  changes: Record<string, unknown>,
): AdminAuditRecord {
  return {
    id: randomUUID(),
    createdAt: nowIso(),
    userId: caller.userId,
    userName: caller.userName,
    projectId: caller.projectId,
    requestId: caller.requestId,
    resourceType: resource.type,
    resourceId: resource.id,
    resourceName: resource.name,
    action,
    changes,
  };
}

/** `{ field: { from, to } }` for every field whose value changes (one with no earlier value: from null). */
export function changedFields(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const [field, to] of Object.entries(after)) {
    const from = before[field] ?? null;
    if (from !== to) changes[field] = { from, to };
  }
  return changes;
}

export class AdminAudit {
  constructor(private readonly store: Store) {}

  /** Admin only; newest first. */
  async list(caller: Caller, filter: AuditFilter): Promise<AdminAuditRecord[]> {
    requireAdmin(caller);
    const limit = Math.min(filter.limit ?? DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE);
    return this.store.adminAudit.list({ ...filter, limit });
  }
}
