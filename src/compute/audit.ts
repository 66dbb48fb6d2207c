// The audit log (Nova's instance actions): who did what to which server, when,
// and how each step ended. Failure details are sanitized before they are stored.
import { randomUUID } from "node:crypto";
import type { ActionRecord } from "../store/records.js";
import type { Store } from "../store/store.js";
import { nowIso } from "./clock.js";
import type { Caller } from "./contract.js";

const MAX_DETAILS = 500;

function bounded(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are removed on purpose
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ");
  return flat.length > MAX_DETAILS ? `${flat.slice(0, MAX_DETAILS)}…` : flat;
}

/** A short, secret-free description of an error for the audit log. */
export function describeError(error: unknown): string {
  return bounded(error instanceof Error ? `${error.name}: ${error.message}` : "unexpected failure");
}

/** The message a user sees in a server's fault. */
export function faultMessage(error: unknown): string {
  return bounded(error instanceof Error ? error.message : "unexpected failure");
}

/** A new, unfinished action of `caller` on the server (stored by the caller). */
export function actionRecord(caller: Pick<Caller, "projectId" | "userId" | "requestId">, serverId: string, action: string): ActionRecord {
  return {
    id: randomUUID(),
    serverId,
    projectId: caller.projectId,
    userId: caller.userId,
    action,
    requestId: caller.requestId,
    message: null,
    startTime: nowIso(),
    finishTime: null,
  };
}

export class Audit {
  constructor(private readonly store: Store) {}

  async start(caller: Caller, serverId: string, action: string): Promise<string> {
    const record = actionRecord(caller, serverId, action);
    await this.store.actions.create(record);
    return record.id;
  }

  async finish(actionId: string, error?: unknown): Promise<void> {
    await this.store.actions.finish(actionId, nowIso(), error === undefined ? null : describeError(error));
  }

  /** Runs `work` as one recorded event of `actionId`. */
  async event<T>(actionId: string, event: string, work: () => Promise<T>): Promise<T> {
    const id = randomUUID();
    await this.store.actions.addEvent({ id, actionId, event, startTime: nowIso(), finishTime: null, result: null, details: null });
    try {
      const result = await work();
      await this.store.actions.finishEvent(id, nowIso(), "Success", null);
      return result;
    } catch (error) {
      await this.store.actions.finishEvent(id, nowIso(), "Error", describeError(error));
      throw error;
    }
  }
}
