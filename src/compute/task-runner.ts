// Runs durable tasks: leases one at a time from the store (any live worker may
// take any task), keeps the lease alive while the handler runs, and finishes
// it. A worker that dies stops renewing; its lease expires and another worker (or
// this one after a restart) leases the task again and the handler resumes.
import { randomUUID } from "node:crypto";
import { context, trace } from "@opentelemetry/api";
import type { Logger } from "../log/logger.js";
import { recordFailure, requestContext, type TaskOutcome } from "../log/telemetry.js";
import type { TaskRecord } from "../store/records.js";
import { nowIso } from "./clock.js";
import type { ComputeConfig } from "./config.js";
import { describeError } from "./audit.js";
import { isTransientIronicError } from "../driver/ironic-exports.js";
import { failServer, runTask, type HandlerContext } from "./task-handlers.js";
import { LeaseFence } from "./lease-fence.js";
import { checkTaskSecretsReadable, withoutSecrets } from "./task-secrets.js";
import { LeaseLostError, TaskCancelledError } from "../store/store.js";

export class TaskRunner {
  private running = false;
  private readonly inflight = new Map<string, Promise<void>>();
  /** The fences of the tasks this process runs, so a delete arriving here stops its task at once. */
  private readonly fences = new Map<string, LeaseFence>();
  private loop: Promise<void> | undefined;
  /** When the lease loop last went round (Date.now()); undefined before start. Readiness reads it. */
  lastIterationAt: number | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly ctx: HandlerContext,
    private readonly workerId: string,
    private readonly config: ComputeConfig,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.pollLoop();
  }

  /** Asks the loop to look for work now (after a request enqueued a task). */
  poke(): void {
    this.wake?.();
  }

  /**
   * The task was cancelled by a delete (tasks.supersede). If this process runs
   * it, it stops now; otherwise its worker learns at its next renewal.
   */
  cancel(taskId: string): void {
    this.fences.get(taskId)?.cancel("the server is being deleted");
  }

  /** Stops leasing new tasks and waits for running ones. */
  async stop(): Promise<void> {
    this.running = false;
    this.poke();
    await this.loop;
    await Promise.allSettled(this.inflight.values());
  }

  private async pollLoop(): Promise<void> {
    while (this.running) {
      this.lastIterationAt = Date.now();
      let leased: TaskRecord | undefined;
      // The lease runs from this moment (by this clock): the fence counts from it.
      const leasedAt = Date.now();
      if (this.inflight.size < this.config.concurrency) {
        try {
          leased = await this.ctx.store.tasks.lease(this.workerId, new Date(leasedAt).toISOString(), this.config.taskLeaseMs, {
            maxDeploys: this.config.maxConcurrentDeploys,
          });
        } catch (error) {
          // The database may be briefly unavailable (restart, failover): keep polling.
          this.log.error({ err: error }, "could not lease a task; retrying");
        }
      }
      if (leased !== undefined) {
        const task = leased;
        const work = this.execute(task, leasedAt).finally(() => this.inflight.delete(task.id));
        this.inflight.set(task.id, work);
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.config.taskPollIntervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async execute(task: TaskRecord, leasedAt: number): Promise<void> {
    const started = performance.now();
    const requestId = await this.requestIdOf(task);
    // A child of the API request's span, found from the request id alone (src/log/telemetry.ts).
    const span = this.ctx.observer.tracer.startSpan(
      `task ${task.kind}`,
      { attributes: { "ironic_compute.task.id": task.id, "ironic_compute.task.kind": task.kind, "ironic_compute.task.attempt": task.attempts, "ironic_compute.instance": task.serverId, "openstack.request_id": requestId } },
      requestContext(requestId),
    );
    let outcome: TaskOutcome = "failed";
    try {
      outcome = await context.with(trace.setSpan(context.active(), span), () => this.executeLeased(task, leasedAt, requestId));
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.setAttribute("ironic_compute.task.outcome", outcome);
      span.end();
      this.ctx.observer.taskFinished({ kind: task.kind, outcome, seconds: (performance.now() - started) / 1000 });
    }
  }

  /** One execution of a leased task; says how it ended (metrics, the span). */
  private async executeLeased(task: TaskRecord, leasedAt: number, requestId: string): Promise<TaskOutcome> {
    const log = this.log.child({ task: task.id, kind: task.kind, instance: task.serverId, attempt: task.attempts, request_id: requestId });
    // The fence fires when this worker can no longer be sure it holds the lease.
    const fence = new LeaseFence(this.config.taskLeaseMs, leasedAt);
    fence.requestId = requestId;
    this.fences.set(task.id, fence);
    const renew = setInterval(() => {
      const sentAt = Date.now();
      if (fence.cancelled) {
        // Cancelled by a delete, but the handler has not stopped yet: a request of
        // it may still be on its way to Ironic, so the delete keeps waiting.
        this.ctx.store.tasks.holdCancelled(task.id, this.workerId, new Date(sentAt).toISOString(), this.config.taskLeaseMs).catch((error: unknown) => {
          log.warn({ err: error }, "could not hold the delete back while this cancelled task stops");
        });
        return;
      }
      this.ctx.store.tasks
        .renew(task.id, this.workerId, new Date(sentAt).toISOString(), this.config.taskLeaseMs)
        .then(async (held) => {
          if (held) {
            fence.renewed(sentAt);
            return;
          }
          const current = await this.ctx.store.tasks.get(task.id);
          if (current?.status === "cancelled") fence.cancel("the server is being deleted");
          else fence.lose("another worker leased this task");
        })
        .catch((error: unknown) => { log.warn({ err: error }, "could not renew a task lease; fenced at its deadline unless a renewal succeeds"); });
    }, this.config.heartbeatIntervalMs);
    fence.signal.addEventListener("abort", () => {
      if (fence.cancelled) log.info("the server is being deleted: its running task stops before its next Ironic call or server write");
      else log.error({ reason: describeError(fence.signal.reason) }, "lost the lease of a running task: it stops before its next Ironic call or server write");
    });
    // Everything this execution does to Ironic goes through the fenced driver.
    const ctx: HandlerContext = { ...this.ctx, driver: this.ctx.driver.fenced(fence) };
    let status: "done" | "failed" = "done";
    let lastError: string | null = null;
    try {
      const server = await ctx.store.servers.get(task.serverId, { includeDeleted: true });
      if (server === undefined) throw new Error(`server ${task.serverId} of task ${task.id} does not exist`);
      if (task.attempts > this.config.taskMaxAttempts) {
        throw new Error(`gave up after ${task.attempts - 1} attempts (the service restarted during this operation each time)`);
      }
      checkTaskSecretsReadable(task.params);
      if (task.attempts > 1) log.warn("resuming a task whose previous worker stopped");
      log.info("task started");
      await runTask(ctx, task, server);
      log.info("task finished");
    } catch (error) {
      if (fence.lost || error instanceof LeaseLostError) {
        // Another worker has (or will have) the task, or a delete superseded it:
        // either decides from what Ironic shows. Nothing is recorded from here,
        // not even the failure. A delete waiting for this task may start now:
        // nothing more goes from here to Ironic (a no-op unless it was cancelled).
        const cancelled = fence.cancelled || error instanceof TaskCancelledError;
        if (cancelled) log.info("stopped a task cancelled by a delete");
        else {
          this.ctx.observer.leaseLost({ kind: task.kind });
          log.warn({ err: error }, "stopped a task whose lease was lost");
        }
        await this.ctx.store.tasks.acknowledgeCancel(task.id, this.workerId).catch((inner: unknown) => {
          log.warn({ err: inner }, "could not hand the server over to its delete; it starts when this task's lease expires");
        });
        this.poke();
        return cancelled ? "cancelled" : "lease_lost";
      }
      if (isTransientIronicError(error) && task.attempts < this.config.taskMaxAttempts) {
        // Ironic is unreachable or overloaded: keep the task; once its lease
        // expires it is leased again and resumes from what Ironic shows.
        log.warn({ err: error }, "Ironic did not answer; the task will resume when its lease expires");
        return "deferred";
      }
      // The one place every unexpected task failure ends (S2): sanitized fault, ERROR.
      status = "failed";
      lastError = describeError(error);
      log.error({ err: error }, "task failed");
      await failServer(ctx, task, error).catch((inner: unknown) => {
        log.error({ err: inner }, "could not record the failure on the server");
      });
    } finally {
      clearInterval(renew);
      fence.dispose();
      this.fences.delete(task.id);
    }
    const finished = await this.ctx.store.tasks.finish(task.id, this.workerId, status, lastError, nowIso(), withoutSecrets(task.params));
    if (!finished) log.warn("task finished after its lease passed to another worker");
    // A deploy waiting for the cap (maxConcurrentDeploys) may start now.
    this.poke();
    return status;
  }

  /**
   * The request id of the API request that started the task (its instance
   * action's); a task without one (its action gone) gets a fresh id, so its
   * log lines and Ironic calls still share one.
   */
  private async requestIdOf(task: TaskRecord): Promise<string> {
    const actions = await this.ctx.store.actions.listForServer(task.serverId).catch(() => []);
    return actions.find((action) => action.id === task.actionId)?.requestId ?? `req-${randomUUID()}`;
  }
}
