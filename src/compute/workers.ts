// Worker membership: each `serve` process heart-beats into the store; the live
// ones form the hash ring that partitions Ironic's nodes for periodic work.
import { hostname } from "node:os";
import { HashRing } from "./hash-ring.js";
import type { Logger } from "../log/logger.js";
import type { Store } from "../store/store.js";
import { isoAfter, nowIso } from "./clock.js";

export function defaultWorkerId(): string {
  return `${hostname()}-${process.pid}`.toLowerCase();
}

export class Membership {
  private ring: HashRing | undefined;
  private members: readonly string[] = [];
  /** When this worker's heartbeat last reached the store (Date.now()); readiness reads it. */
  lastBeatAt: number | undefined;

  constructor(
    private readonly store: Store,
    readonly workerId: string,
    private readonly workerTimeoutMs: number,
    private readonly log: Logger,
  ) {}

  /** Heart-beats and recomputes the ring from the workers alive now. */
  async beat(): Promise<void> {
    await this.store.workers.heartbeat(this.workerId, nowIso());
    this.lastBeatAt = Date.now();
    const live = await this.store.workers.live(isoAfter(-this.workerTimeoutMs));
    const names = [...new Set([...live.map((worker) => worker.id.toLowerCase()), this.workerId.toLowerCase()])].sort();
    if (names.join(",") !== this.members.join(",")) {
      this.log.info({ workers: names }, "worker membership changed");
      this.members = names;
      this.ring = new HashRing(names);
    }
  }

  /** Whether this worker does the periodic work for `nodeUuid`. */
  owns(nodeUuid: string): boolean {
    if (this.ring === undefined) return true;
    return this.ring.owner(nodeUuid) === this.workerId.toLowerCase();
  }

  get liveWorkers(): readonly string[] {
    return this.members;
  }

  async leave(): Promise<void> {
    await this.store.workers.remove(this.workerId);
  }
}
