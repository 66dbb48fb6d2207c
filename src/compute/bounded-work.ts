// CPU-heavy work that clients can trigger (bcrypt, RSA key generation) runs at
// most `concurrency` at a time, with at most `queueLimit` waiting; beyond that
// the caller gets ServiceBusyError (503, Retry-After) at once instead of a queue
// that grows without bound.
import pLimit, { type LimitFunction } from "p-limit";
import { ServiceBusyError } from "./contract.js";

export class BoundedWork {
  private readonly limit: LimitFunction;

  constructor(
    private readonly what: string,
    concurrency: number,
    private readonly queueLimit: number,
  ) {
    this.limit = pLimit(concurrency);
  }

  /** Work running or waiting now. */
  get load(): number {
    return this.limit.activeCount + this.limit.pendingCount;
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    // p-limit moves queued work to running a microtask later: count both.
    if (this.load >= this.limit.concurrency + this.queueLimit) {
      return Promise.reject(new ServiceBusyError(`Too many ${this.what} at once; try again shortly.`));
    }
    return this.limit(work);
  }
}
