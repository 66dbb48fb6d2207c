// The driver's view of Ironic's nodes: one paginated listing of only the fields
// the driver reads, shared by concurrent callers (single flight, S13), replaced
// whole on refresh and refreshed when older than its age bound. Single-node
// lookups use the cache while it is fresh and fall back to a GET.
//
// Nova refreshes the full node list on every periodic tick and keeps a lock per
// node; here reads never block on a lock and at most one listing is in flight.

import type { IronicClient } from "../ironic/client.js";
import { IronicNotFoundError } from "../ironic/errors.js";
import type { NodeFilters } from "../ironic/nodes.js";
import type { Logger } from "../log/logger.js";
import { CACHE_FIELDS, type CachedNode } from "./availability.js";
import { ScheduleIndex, type IndexedNode } from "./schedule-index.js";

export interface NodeCacheOptions {
  /** Partition of Ironic this service manages. */
  filters: Pick<NodeFilters, "conductor_group" | "owner" | "lessee" | "shard">;
  /** A listing older than this is refreshed before use. */
  maxAgeMs: number;
  now?: () => number;
}

export class NodeCache {
  private byUuid = new Map<string, CachedNode>();
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  private readonly now: () => number;
  /** The schedulable nodes by resource class, kept in step with `byUuid`. */
  private readonly index: ScheduleIndex;

  constructor(
    private readonly client: IronicClient,
    private readonly options: NodeCacheOptions,
    private readonly log: Logger,
  ) {
    this.now = options.now ?? Date.now;
    this.index = new ScheduleIndex(log);
  }

  /** Milliseconds since the last completed refresh (Infinity before the first). */
  get ageMs(): number {
    return this.now() - this.refreshedAt;
  }

  get size(): number {
    return this.byUuid.size;
  }

  /** Refreshes now; concurrent callers share the one listing in flight. */
  refresh(): Promise<void> {
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /**
   * Whether the cache holds one whole listing of the partition: the last refresh
   * completed. After a failed refresh (or before the first) it holds at most
   * what single-node reads added, and nothing may conclude from a node's absence.
   */
  get complete(): boolean {
    return this.listed;
  }

  private listed = false;

  private async load(): Promise<void> {
    const started = this.now();
    let nodes: CachedNode[];
    try {
      nodes = await this.client.nodes.list(CACHE_FIELDS, this.options.filters);
    } catch (error) {
      this.listed = false;
      throw error;
    }
    this.listed = true;
    const next = new Map<string, CachedNode>();
    for (const node of nodes) next.set(node.uuid, node);
    this.byUuid = next;
    this.index.rebuild(next.values());
    this.refreshedAt = started; // the listing reflects Ironic as of its start
    this.log.debug({ nodes: next.size, ms: this.now() - started }, "node cache refreshed");
  }

  private async fresh(): Promise<void> {
    if (this.ageMs > this.options.maxAgeMs) await this.refresh();
  }

  /** All cached nodes, refreshed first when stale. */
  async all(): Promise<CachedNode[]> {
    await this.fresh();
    return [...this.byUuid.values()];
  }

  /** The schedulable nodes of a (normalized) resource class, refreshed first when stale. */
  async schedulable(resourceClass: string | null): Promise<readonly IndexedNode[]> {
    await this.fresh();
    return this.index.of(resourceClass);
  }

  private store(node: CachedNode): void {
    this.byUuid.set(node.uuid, node);
    this.index.set(node);
  }

  private drop(uuid: string): void {
    this.byUuid.delete(uuid);
    this.index.remove(uuid);
  }

  /** One node: from the cache when fresh, else from Ironic; undefined if gone. */
  async get(uuid: string): Promise<CachedNode | undefined> {
    const cached = this.byUuid.get(uuid);
    if (cached !== undefined && this.ageMs <= this.options.maxAgeMs) return cached;
    try {
      const node = await this.client.nodes.get(uuid, CACHE_FIELDS);
      this.store(node);
      return node;
    } catch (error) {
      if (!(error instanceof IronicNotFoundError)) throw error;
      this.drop(uuid);
      return undefined;
    }
  }

  /** Records a node state the caller just read or caused (only the cached fields are kept). */
  put(node: CachedNode): void {
    const kept: Record<string, unknown> = {};
    for (const field of CACHE_FIELDS) kept[field] = node[field];
    if (node.unknown_states !== undefined) kept["unknown_states"] = node.unknown_states;
    this.store(kept as CachedNode);
  }

  /**
   * Records the fields of a node an operation just saw (its last observation),
   * over the cached entry; without one the node is dropped, so the next lookup reads it.
   */
  merge(uuid: string, seen: Partial<CachedNode>): void {
    const cached = this.byUuid.get(uuid);
    if (cached === undefined) return;
    const next: Record<string, unknown> = { ...cached };
    for (const field of CACHE_FIELDS) if (field in seen) next[field] = seen[field];
    this.store(next as CachedNode);
  }

  /** Reads one node again from Ironic after the caller changed it. */
  async reload(uuid: string): Promise<CachedNode | undefined> {
    this.drop(uuid);
    return this.get(uuid);
  }

  /** Drops a node so the next lookup reads it from Ironic. */
  forget(uuid: string): void {
    this.drop(uuid);
  }

  /** Marks the whole cache stale: the next `all()` lists again. */
  invalidate(): void {
    this.refreshedAt = Number.NEGATIVE_INFINITY;
  }
}
