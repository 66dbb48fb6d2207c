// The driver's one poller. Every operation that waits on Ironic (a deploy, a
// teardown, a rebuild, a rescue) used to read its own node every poll interval,
// so 200 deploys in flight meant 100 requests a second to a single-threaded
// Ironic. Now the waiters register here and one field-filtered listing of the
// partition's associated nodes per interval answers all of them: a waiter wakes
// when its node's state fields differ from the ones its operation last saw (or
// its node left the listing), and the operation then reads its node itself, as
// before — decisions still come from a fresh read, so resumability and the
// binding checks are unchanged. The requests per interval are the listing's
// pages, whatever the number of waiters. On a fleet many times bigger than the
// waiters, the listing is by provision state instead (watchPlan, below).
//
// A waiter also wakes after `maxMs` on its own (or, when a listing is on its
// way then, at that listing's answer): a listing that keeps failing, or a node
// outside the listing's filters, degrades to the old polling, never to a stall.
import { isDeepStrictEqual } from "node:util";
import type { IronicClient } from "../ironic/client.js";
import { IronicError, IronicNotFoundError } from "../ironic/errors.js";
import type { NodeView } from "../ironic/node-schema.js";
import type { NodeFilters } from "../ironic/nodes.js";
import type { Logger } from "../log/logger.js";

/** What an operation's wait decision depends on (deploy_step: its progress). */
export const WATCH_FIELDS = [
  "uuid",
  "instance_uuid",
  "provision_state",
  "target_provision_state",
  "power_state",
  "target_power_state",
  "last_error",
  "maintenance",
  "deploy_step",
] as const;

type WatchField = Exclude<(typeof WATCH_FIELDS)[number], "uuid">;

/** A node as the watch's listing shows it: what a wait decision can be made from. */
export type WatchedNode = NodeView<(typeof WATCH_FIELDS)[number]>;

/** The watched fields of a node as an operation saw it (only those it read). */
export type WatchState = Partial<Record<WatchField, unknown>>;

/** What runOperation needs of the poller (a fake in unit tests). */
export interface ChangeWatch {
  /**
   * Resolves when `node` no longer shows `seen` — with the node as the listing
   * shows it, undefined when it left the listing — or after `maxMs` (undefined).
   */
  changed(node: string, seen: WatchState, maxMs: number): Promise<WatchedNode | undefined>;
}

const WATCHED = WATCH_FIELDS.filter((field): field is WatchField => field !== "uuid");

/** The watched fields present on `node` (an operation's observation). */
export function watchStateOf(node: object): WatchState {
  const state: WatchState = {};
  for (const field of WATCHED) if (field in node) state[field] = (node as Record<string, unknown>)[field];
  return state;
}

/**
 * `node` with its watched fields replaced by the listed ones (only the fields it
 * has): the observation a wait decision is made from without reading the node.
 */
export function withListed<N extends object>(node: N, listed: WatchedNode): N {
  const merged: Record<string, unknown> = { ...(node as Record<string, unknown>) };
  for (const field of WATCHED) if (field in node && field in listed) merged[field] = listed[field];
  if (listed.unknown_states === undefined) delete merged["unknown_states"];
  else merged["unknown_states"] = listed.unknown_states;
  return merged as N;
}

/** Whether the listed node (undefined: not listed) differs from what was seen. Pure. */
export function stateDiffers(seen: WatchState, listed: Record<string, unknown> | undefined): boolean {
  if (listed === undefined) return true;
  return Object.entries(seen).some(([field, value]) => !isDeepStrictEqual(value, listed[field] ?? null));
}

/**
 * How a tick asks Ironic. The listing of every associated node answers any
 * waiter, but it costs Ironic about 0.5 ms of CPU per node listed: on a fleet
 * of 10,000 deployed machines one deploy in flight would make the watch list
 * all 10,000 every second (~4.6 s of Ironic CPU each). So when the associated
 * nodes are many times the waiters, the nodes in a transition (a target state
 * set: deploying, cleaning, rescuing …) are listed by their provision state
 * instead — a node that left that state is missing from the answer, which wakes
 * its waiter as a node that left the listing does — and the few waiters at rest
 * (a power action on an active node) read their node. Both stay bounded per
 * tick (MAX_STATE_LISTINGS, MAX_OWN_READS): past them, the one big listing.
 */
export type WatchPlan = { kind: "associated" } | { kind: "by-state"; states: string[]; reads: string[] };

export interface WatchPlanLimits {
  /** The associated listing is kept below this many nodes… */
  fromNodes: number;
  /** …and while the associated nodes are fewer than this many times the waiters. */
  perWaiter: number;
}

/** How long an associated count is trusted before one full listing counts again. */
export const RECOUNT_MS = 300_000;
const MAX_STATE_LISTINGS = 3;
const MAX_OWN_READS = 4;

/** The plan of one tick, from what the waiters saw and the last associated count. Pure. */
export function watchPlan(
  waiters: ReadonlyArray<{ node: string; seen: WatchState }>,
  fleet: { associated: number; ageMs: number } | undefined,
  limits: WatchPlanLimits,
): WatchPlan {
  const associated: WatchPlan = { kind: "associated" };
  if (fleet === undefined || fleet.ageMs > RECOUNT_MS || waiters.length === 0) return associated;
  if (fleet.associated < limits.fromNodes || fleet.associated < limits.perWaiter * waiters.length) return associated;
  const states = new Set<string>();
  const reads = new Set<string>();
  for (const { node, seen } of waiters) {
    const state = seen.provision_state;
    const target = seen.target_provision_state;
    // "unknown" is our name for a state we cannot name to Ironic's filter.
    if (typeof state === "string" && state !== "unknown" && typeof target === "string") states.add(state);
    else reads.add(node);
  }
  if (states.size > MAX_STATE_LISTINGS || reads.size > MAX_OWN_READS) return associated;
  return { kind: "by-state", states: [...states].sort(), reads: [...reads].sort() };
}

interface Waiter {
  node: string;
  seen: WatchState;
  timer: NodeJS.Timeout;
  wake: (listed: WatchedNode | undefined) => void;
  /** Its `maxMs` passed while a listing was on its way: woken when that answers. */
  expired: boolean;
}

export interface NodeWatchOptions {
  intervalMs: number;
  /** The partition's filters: the listing covers what this service manages. */
  filters: NodeFilters;
  log: Logger;
  /** When to list by state instead of every associated node (driver.sharedPollingByState). */
  byState: WatchPlanLimits;
}

/**
 * The pause between listings is at least this many times the last listing's
 * duration. A listing costs Ironic's one Python process about 0.5 ms of CPU per
 * node listed (bench/ironic-costs.ts: 94 ms for 200 nodes, a single-node GET
 * 12.5 ms), so at a fixed interval the watch alone took a third of Ironic's
 * CPU during a 200-server burst. A busy Ironic answers slower and the watch
 * then lists less often: its share stays about 1/(1+factor) at most, whatever
 * the number of nodes listed. Capped (MAX_PAUSE_INTERVALS) well under the
 * waiters' safety bound, so no waiter falls back to reading its node.
 */
const LISTING_PAUSE_FACTOR = 2;
const MAX_PAUSE_INTERVALS = 4;

export class NodeWatch implements ChangeWatch {
  private readonly waiters = new Set<Waiter>();
  private looping = false;
  private lastListingMs = 0;
  private listing = false;
  /** The number of associated nodes the last full listing showed, and when. */
  private fleet: { associated: number; at: number } | undefined;

  constructor(
    private readonly client: IronicClient,
    private readonly options: NodeWatchOptions,
  ) {}

  changed(node: string, seen: WatchState, maxMs: number): Promise<WatchedNode | undefined> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        node,
        seen,
        timer: setTimeout(() => { this.expire(waiter); }, Math.max(0, maxMs)),
        wake: resolve,
        expired: false,
      };
      this.waiters.add(waiter);
      if (!this.looping) void this.loop();
    });
  }

  /**
   * A waiter's bound passed. With a listing on its way it waits for that answer
   * (which shows its node as fresh as its own read would): on a busy Ironic a
   * listing can take longer than the bound, and every waiter reading its node
   * then is the load the watch exists to avoid.
   */
  private expire(waiter: Waiter): void {
    if (this.listing) waiter.expired = true;
    else this.wake(waiter, undefined);
  }

  private wake(waiter: Waiter, listed: WatchedNode | undefined): void {
    if (!this.waiters.delete(waiter)) return;
    clearTimeout(waiter.timer);
    waiter.wake(listed);
  }

  private async loop(): Promise<void> {
    this.looping = true;
    try {
      while (this.waiters.size > 0) {
        await new Promise((resolve) => setTimeout(resolve, this.pauseMs()));
        if (this.waiters.size === 0) break;
        const started = Date.now();
        await this.tick();
        this.lastListingMs = Date.now() - started;
      }
    } catch (error) {
      // Not an Ironic answer: a defect. Wake everyone so no operation hangs on it.
      this.options.log.error({ err: error }, "node watch failed; waiting operations read their nodes themselves");
      for (const waiter of [...this.waiters]) this.wake(waiter, undefined);
    } finally {
      this.looping = false;
    }
  }

  private pauseMs(): number {
    const { intervalMs } = this.options;
    return Math.max(intervalMs, Math.min(LISTING_PAUSE_FACTOR * this.lastListingMs, MAX_PAUSE_INTERVALS * intervalMs));
  }

  private async tick(): Promise<void> {
    let listed: WatchedNode[] | undefined;
    // A by-state answer covers only the waiters it was planned for: one that
    // registered while it was on its way is judged by the next tick.
    let covers: (waiter: Waiter) => boolean = () => true;
    this.listing = true;
    try {
      const now = Date.now();
      const fleet = this.fleet === undefined ? undefined : { associated: this.fleet.associated, ageMs: now - this.fleet.at };
      const planned = new Set(this.waiters);
      const plan = watchPlan([...planned], fleet, this.options.byState);
      switch (plan.kind) {
        case "associated":
          listed = await this.client.nodes.list(WATCH_FIELDS, { ...this.options.filters, associated: true });
          this.fleet = { associated: listed.length, at: now };
          break;
        case "by-state":
          covers = (waiter) => planned.has(waiter);
          listed = (await Promise.all([...plan.states.map((state) => this.listInState(state)), ...plan.reads.map((node) => this.read(node))])).flat();
          break;
      }
    } catch (error) {
      if (!(error instanceof IronicError)) throw error;
      this.options.log.warn({ err: error }, "node watch listing failed; waiters fall back to their own reads");
    } finally {
      this.listing = false;
    }
    const byUuid = new Map((listed ?? []).map((node) => [node.uuid, node]));
    for (const waiter of [...this.waiters]) {
      const node = byUuid.get(waiter.node);
      if (listed !== undefined && covers(waiter) && stateDiffers(waiter.seen, node)) this.wake(waiter, node);
      else if (waiter.expired) this.wake(waiter, undefined);
    }
  }

  private listInState(state: string): Promise<WatchedNode[]> {
    return this.client.nodes.list(WATCH_FIELDS, { ...this.options.filters, associated: true, provision_state: state });
  }

  /** A waiter's node read alone; a node that is gone is missing from the answer (its waiter wakes). */
  private async read(node: string): Promise<WatchedNode[]> {
    try {
      return [await this.client.nodes.get(node, WATCH_FIELDS)];
    } catch (error) {
      if (error instanceof IronicNotFoundError) return [];
      throw error;
    }
  }
}
