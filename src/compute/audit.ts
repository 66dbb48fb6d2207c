// The audit log (Nova's instance actions): who did what to which server, when,
// and how each step ended. Failure details are sanitized before they are stored.
//
// Two texts per failure, as Nova keeps them: a public message that tenants see
// (our own messages for our own errors, a generic sentence for everything that
// comes from Ironic — its last_error and refusals may name signed image URLs,
// BMC addresses, conductor hosts), and the detail for admins only (the fault's
// `details`, an event's `traceback`, the action's message).
import { randomUUID } from "node:crypto";
import { DriverError } from "../driver/errors.js";
import { IronicError } from "../driver/ironic-exports.js";
import type { ActionRecord, TaskKind } from "../store/records.js";
import type { Store } from "../store/store.js";
import { inSpan, noopObserver } from "../log/telemetry.js";
import type { Tracer } from "@opentelemetry/api";
import { nowIso } from "./clock.js";
import { ComputeError, type Caller } from "./contract.js";
import { NoValidHostError } from "./scheduler.js";

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

/** The detail of a failure, for admins: the error's own (secret-free, bounded) message. */
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

/** What each operation is called in a public message. */
const OPERATION_NAMES: Readonly<Record<TaskKind | "scheduling", string>> = {
  scheduling: "scheduling",
  create: "deployment",
  delete: "tear-down",
  reboot: "reboot",
  stop: "power-off",
  start: "power-on",
  rebuild: "rebuild",
  rescue: "rescue",
  unrescue: "unrescue",
  release: "node release",
};

const EVENT_OPERATIONS: Readonly<Record<string, TaskKind | "scheduling">> = {
  schedule_and_claim: "scheduling",
  driver_spawn: "create",
  driver_destroy: "delete",
  driver_reboot: "reboot",
  driver_power_off: "stop",
  driver_power_on: "start",
  driver_rebuild: "rebuild",
  driver_rescue: "rescue",
  driver_unrescue: "unrescue",
};

/**
 * The message every caller may see (Nova: a NovaException's message, else the
 * class name). Our own errors keep theirs; the driver's and Ironic's become a
 * generic sentence, since their text carries Ironic's internals.
 */
export function publicFaultMessage(error: unknown, operation: TaskKind | "scheduling"): string {
  const what = OPERATION_NAMES[operation];
  if (error instanceof NoValidHostError || error instanceof ComputeError) return bounded(error.message);
  if (error instanceof DriverError) {
    return error.kind === "operation-timeout" ? `The bare-metal ${what} did not finish in time.` : `The bare-metal ${what} failed.`;
  }
  if (error instanceof IronicError) return "The bare-metal service refused or failed the request.";
  const name = error instanceof Error && /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(error.name) ? error.name : "Error";
  return `Unexpected error: ${name}`;
}

export class Audit {
  /** `tracer`: each event of a task is a span (a task step), the active one while it runs. */
  constructor(
    private readonly store: Store,
    private readonly tracer: Tracer = noopObserver.tracer,
  ) {}

  async start(caller: Caller, serverId: string, action: string): Promise<string> {
    const record = actionRecord(caller, serverId, action);
    await this.store.actions.create(record);
    return record.id;
  }

  async finish(actionId: string, error?: unknown): Promise<void> {
    await this.store.actions.finish(actionId, nowIso(), error === undefined ? null : describeError(error));
  }

  /** Records a moment of `actionId` (a deploy phase reached) as a finished, successful event. */
  async mark(actionId: string, event: string, details: string): Promise<void> {
    const now = nowIso();
    await this.store.actions.addEvent({ id: randomUUID(), actionId, event, startTime: now, finishTime: now, result: "Success", details, traceback: null });
  }

  /** Runs `work` as one recorded event of `actionId`; `publicMessage` words a failure for tenants (default: by the event's operation). */
  async event<T>(actionId: string, event: string, work: () => Promise<T>, publicMessage?: (error: unknown) => string): Promise<T> {
    const id = randomUUID();
    await this.store.actions.addEvent({ id, actionId, event, startTime: nowIso(), finishTime: null, result: null, details: null, traceback: null });
    try {
      const result = await inSpan(this.tracer, `step ${event}`, { "ironic_compute.step": event }, () => work());
      await this.store.actions.finishEvent(id, nowIso(), "Success", null);
      return result;
    } catch (error) {
      const operation = EVENT_OPERATIONS[event] ?? "create";
      const message = publicMessage === undefined ? publicFaultMessage(error, operation) : bounded(publicMessage(error));
      await this.store.actions.finishEvent(id, nowIso(), "Error", message, describeError(error));
      throw error;
    }
  }
}
