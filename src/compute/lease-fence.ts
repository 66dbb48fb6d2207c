// The fence of one running task: an AbortSignal that fires when this worker can
// no longer be sure it holds the task's lease, i.e. when a renewal was refused
// (another worker leased the task) or when the lease's local deadline passed
// without a successful renewal (the database was unreachable, the event loop
// stalled, the process was paused). From then on the task's driver sends nothing
// to Ironic and its server writes are refused (see Store `expect.lease`), so two
// executions can never drive one node.
import { LeaseLostError, TaskCancelledError } from "../store/store.js";

/**
 * The deadline is kept this fraction of the lease short of the database's, so
 * that modest clock skew between workers still fences this one first.
 */
const SAFETY_FRACTION = 0.1;

export class LeaseFence {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private deadline = 0;
  /** The request id of the task's work (RequestFence.requestId). */
  requestId: string | undefined;

  constructor(
    private readonly leaseMs: number,
    /** When the lease was granted, by this process's clock. */
    grantedAt: number,
    private readonly now: () => number = Date.now,
  ) {
    this.arm(grantedAt);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Whether the fence fired, deciding from the clock too: after a pause (a
   * stopped process, a blocked loop) an I/O callback may run before the
   * deadline's timer does, and must still find the fence closed.
   */
  get lost(): boolean {
    if (!this.controller.signal.aborted && this.now() >= this.deadline) this.expire();
    return this.controller.signal.aborted;
  }

  /** As AbortSignal's: throws the reason once the fence fired. */
  get aborted(): boolean {
    return this.lost;
  }

  throwIfAborted(): void {
    if (this.lost) this.controller.signal.throwIfAborted();
  }

  /** A renewal sent at `sentAt` was accepted: the lease now runs from then. */
  renewed(sentAt: number): void {
    if (this.lost) return; // a late success cannot undo a fence that fired
    this.arm(sentAt);
  }

  /** Fences now, with `reason` as the error every fenced call throws. */
  lose(reason: string): void {
    if (this.controller.signal.aborted) return;
    clearTimeout(this.timer);
    this.controller.abort(new LeaseLostError(reason));
  }

  /** Fences now because the task was cancelled (its server is being deleted). */
  cancel(reason: string): void {
    if (this.controller.signal.aborted) return;
    clearTimeout(this.timer);
    this.controller.abort(new TaskCancelledError(reason));
  }

  /** Whether the fence fired because the task was cancelled. */
  get cancelled(): boolean {
    return this.controller.signal.reason instanceof TaskCancelledError;
  }

  /** Stops the deadline timer (the task ended). */
  dispose(): void {
    clearTimeout(this.timer);
  }

  private expire(): void {
    this.lose(`the task's lease was not renewed within ${this.leaseMs} ms; another worker may have it now`);
  }

  private arm(from: number): void {
    clearTimeout(this.timer);
    this.deadline = from + this.leaseMs * (1 - SAFETY_FRACTION);
    const remaining = this.deadline - this.now();
    if (remaining <= 0) {
      this.expire();
      return;
    }
    this.timer = setTimeout(() => { this.expire(); }, remaining);
    this.timer.unref();
  }
}
