// The scheduler's view of the node cache, kept up to date with it: the
// schedulable nodes grouped by resource class, each with its inventory parsed
// and its traits as a set. Built once per cache refresh and patched per node
// afterwards (a claim's answer, an operation's last observation), so a decision
// looks only at the nodes of its flavor's resource class and never parses a
// node's properties or copies its traits (issue 14 #3).
import type { Logger } from "../log/logger.js";
import type { CachedNode } from "./availability.js";
import { nodeInventory, type NodeInventory } from "./inventory.js";

export interface IndexedNode {
  node: CachedNode;
  inventory: NodeInventory;
  traits: ReadonlySet<string>;
}

export class ScheduleIndex {
  private byClass = new Map<string, Map<string, IndexedNode>>();
  private classOf = new Map<string, string>();
  /** Each class's entries as an array, made on first use after a change. */
  private arrays = new Map<string, readonly IndexedNode[]>();

  constructor(private readonly log: Logger) {}

  /** Replaces the whole index (a cache refresh). */
  rebuild(nodes: Iterable<CachedNode>): void {
    this.byClass = new Map();
    this.classOf = new Map();
    this.arrays = new Map();
    for (const node of nodes) this.add(node);
  }

  /** Records one node's new state (it may leave or join the schedulable set). */
  set(node: CachedNode): void {
    this.remove(node.uuid);
    this.add(node);
  }

  remove(uuid: string): void {
    const resourceClass = this.classOf.get(uuid);
    if (resourceClass === undefined) return;
    this.classOf.delete(uuid);
    this.byClass.get(resourceClass)?.delete(uuid);
    this.arrays.delete(resourceClass);
  }

  /** The schedulable nodes of `resourceClass` (normalized, see inventory.ts). */
  of(resourceClass: string | null): readonly IndexedNode[] {
    if (resourceClass === null) return [];
    let array = this.arrays.get(resourceClass);
    if (array === undefined) {
      array = [...(this.byClass.get(resourceClass)?.values() ?? [])];
      this.arrays.set(resourceClass, array);
    }
    return array;
  }

  private add(node: CachedNode): void {
    const inventory = nodeInventory(node, this.log);
    if (!inventory.schedulable || inventory.resourceClass === null) return;
    let entries = this.byClass.get(inventory.resourceClass);
    if (entries === undefined) {
      entries = new Map();
      this.byClass.set(inventory.resourceClass, entries);
    }
    entries.set(node.uuid, { node, inventory, traits: new Set(inventory.traits) });
    this.classOf.set(node.uuid, inventory.resourceClass);
    this.arrays.delete(inventory.resourceClass);
  }
}
