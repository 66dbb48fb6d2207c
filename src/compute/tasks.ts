// The one way a new durable task record is made.
import { randomUUID } from "node:crypto";
import type { TaskKind, TaskRecord } from "../store/records.js";
import { taskKindParamsSchema } from "../store/task-params.js";
import { nowIso } from "./clock.js";

/**
 * A pending, unleased task of `kind` for the server, part of audit action
 * `actionId`; `params` must be what that kind takes (a ZodError otherwise).
 */
export function taskRecord(serverId: string, kind: TaskKind, actionId: string, params: Record<string, unknown>): TaskRecord {
  const now = nowIso();
  return {
    id: randomUUID(),
    serverId,
    ...taskKindParamsSchema.parse({ kind, params }),
    status: "pending",
    leaseOwner: null,
    leaseExpiresAt: null,
    attempts: 0,
    lastError: null,
    actionId,
    createdAt: now,
    updatedAt: now,
  };
}
