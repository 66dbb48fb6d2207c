// Picks a node for a new server and claims it (S1): filters the cached nodes by
// the flavor's resource class, required and forbidden traits and capabilities
// (its extra specs, read by flavor-scheduling.ts),
// and by node owner/lessee against the server's project (S3); spreads the choice
// at random; claims through the driver and, when another claimer wins, tries the
// next candidate, a bounded number of times. The claim checks owner/lessee and
// the partition again on the node as Ironic shows it then (the cache may be stale).
import { setTimeout as sleep } from "node:timers/promises";
import type { CachedNode } from "../driver/availability.js";
import type { IronicDriver } from "../driver/driver.js";
import { InstanceAlreadyPlacedError, NodeAlreadyClaimedError, NodeNotAvailableError } from "../driver/errors.js";
import type { InstanceSpec } from "../driver/instance-spec.js";
import { nodeInventory, normalizeResourceClass, type NodeInventory } from "../driver/inventory.js";
import type { IndexedNode } from "../driver/schedule-index.js";
import { isTransientIronicError } from "../driver/ironic-exports.js";
import { servesProject } from "../driver/tenancy.js";
import type { Logger } from "../log/logger.js";
import type { ServerGroupRecord } from "../store/records.js";
import type { SchedulingRequest } from "./flavor-scheduling.js";
import { admits, arrange, describeKey, failureDomainOf, type FailureDomainKey } from "./server-group-policy.js";

export class NoValidHostError extends Error {
  override readonly name = "NoValidHostError";
  constructor(detail: string) {
    super(`No valid host was found. ${detail}`);
  }
}

// Inventory per node object; the cache replaces node objects on refresh, so a
// WeakMap keeps exactly the current ones and parsing happens once per refresh.
const inventories = new WeakMap<CachedNode, NodeInventory>();

export function inventoryOf(node: CachedNode, log: Logger): NodeInventory {
  let inventory = inventories.get(node);
  if (inventory === undefined) {
    inventory = nodeInventory(node, log);
    inventories.set(node, inventory);
  }
  return inventory;
}

/** Whether `node` can take a server asking for `flavor` for `projectId`. Pure. `traits`: the inventory's, as a set. */
export function fits(
  node: CachedNode,
  inventory: NodeInventory,
  flavor: SchedulingRequest,
  projectId: string,
  traits: ReadonlySet<string> = new Set(inventory.traits),
): boolean {
  if (!inventory.schedulable) return false;
  // Both are Placement names: the node's resource_class normalised as Nova does.
  if (inventory.resourceClass !== flavor.resourceClass) return false;
  if (!servesProject(node, projectId)) return false;
  if (!flavor.requiredTraits.every((trait) => traits.has(trait))) return false;
  if (flavor.forbiddenTraits.some((trait) => traits.has(trait))) return false;
  const capabilities = inventory.properties.capabilities;
  return Object.entries(flavor.capabilities).every(([key, value]) => capabilities[key] === value);
}

export function candidates(nodes: readonly CachedNode[], flavor: SchedulingRequest, projectId: string, log: Logger): CachedNode[] {
  return nodes.filter((node) => fits(node, inventoryOf(node, log), flavor, projectId));
}

/**
 * The same choice as `candidates`, from the cache's index (schedule-index.ts):
 * only the flavor's resource class is looked at, inventories and trait sets are
 * already built. Returns a new array (the caller shuffles it).
 */
export function indexedCandidates(indexed: readonly IndexedNode[], flavor: SchedulingRequest, projectId: string): CachedNode[] {
  const fitting: CachedNode[] = [];
  for (const entry of indexed) {
    if (fits(entry.node, entry.inventory, flavor, projectId, entry.traits)) fitting.push(entry.node);
  }
  return fitting;
}

/**
 * The fitting nodes in a uniformly random order, found lazily: a Fisher–Yates
 * shuffle of the class's entries, one step per node looked at, so a placement
 * that claims its first or second pick tests a handful of nodes, not the whole
 * class (the same order as shuffling the filtered pool: every fitting node is
 * equally likely at every position). `seen()`: how many fitted so far (all of
 * them once exhausted).
 */
export function randomFitting(indexed: readonly IndexedNode[], flavor: SchedulingRequest, projectId: string): { nodes: Iterable<CachedNode>; seen: () => number } {
  let fitting = 0;
  function* walk(): Generator<CachedNode> {
    const order = indexed.slice();
    for (let i = 0; i < order.length; i++) {
      const j = i + Math.floor(Math.random() * (order.length - i));
      const entry = order[j] as IndexedNode;
      order[j] = order[i] as IndexedNode;
      order[i] = entry;
      if (!fits(entry.node, entry.inventory, flavor, projectId, entry.traits)) continue;
      fitting++;
      yield entry.node;
    }
  }
  return { nodes: walk(), seen: () => fitting };
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * The server group a server being placed is a member of, and its store
 * operations bound to that server: the scheduler reserves the chosen node's
 * failure domain before it claims the node (server-group-policy.ts).
 */
export interface GroupPlacement {
  group: Pick<ServerGroupRecord, "id" | "policy" | "maxServerPerHost">;
  /** The domains the group's other members hold. */
  held(): Promise<string[]>;
  reserve(domain: string, admits: (held: readonly string[]) => boolean): Promise<"reserved" | "refused" | "gone">;
  /** Gives the reservation back (no node was claimed). */
  release(): Promise<void>;
}

interface Option {
  node: CachedNode;
  /** null: no group constraint applies. */
  domain: string | null;
}

/**
 * The pauses (ms) before asking nodes that were only locked again: about Nova's
 * and Ironic's own lock retries (a conductor holds a node lock for seconds).
 */
const BUSY_ROUNDS: readonly number[] = [500, 1_000, 2_000];

/** The claim failed because Ironic had the node locked (409 NodeLocked), not because another instance holds it. */
function isBusy(error: NodeAlreadyClaimedError | NodeNotAvailableError): boolean {
  return error instanceof NodeAlreadyClaimedError && isTransientIronicError(error.cause);
}

export class Scheduler {
  // Nodes this process is claiming right now: concurrent creates skip them
  // instead of racing each other for the same machine.
  private readonly claiming = new Set<string>();

  constructor(
    private readonly driver: IronicDriver,
    private readonly attempts: number,
    private readonly log: Logger,
    private readonly failureDomain: FailureDomainKey = { kind: "node" },
  ) {}

  /** The candidates in the order to try them, each with the domain to reserve. */
  private async options(pool: CachedNode[], group: GroupPlacement | undefined): Promise<Option[]> {
    if (group === undefined) return pool.map((node) => ({ node, domain: null }));
    const known = pool.flatMap((node) => {
      const domain = failureDomainOf(node, this.failureDomain);
      return domain === null ? [] : [{ node, domain }];
    });
    return arrange(group.group, await group.held(), known);
  }

  /**
   * Claims a fitting node for `instanceUuid`; NoValidHostError when none is left.
   * `driver`: the one to claim through (a task's fenced driver). `spec`: the
   * instance's, to write its instance_info with the claim.
   */
  async place(
    flavor: SchedulingRequest,
    projectId: string,
    instanceUuid: string,
    driver: IronicDriver = this.driver,
    group?: GroupPlacement,
    spec?: InstanceSpec,
  ): Promise<string> {
    const indexed = await this.driver.cache.schedulable(normalizeResourceClass(flavor.resourceClass));
    // Without a group, candidates are drawn lazily in random order; a group's
    // policy arranges the whole pool (server-group-policy.ts).
    let fitting: () => number;
    let options: Iterable<Option>;
    let allowed = 0;
    if (group === undefined) {
      const drawn = randomFitting(indexed, flavor, projectId);
      fitting = drawn.seen;
      options = (function* () {
        for (const node of drawn.nodes) yield { node, domain: null };
      })();
    } else {
      const pool = shuffle(indexedCandidates(indexed, flavor, projectId));
      fitting = () => pool.length;
      const arranged = await this.options(pool, group);
      allowed = arranged.length;
      options = arranged;
    }
    let tried = 0; // this round's, against this.attempts
    let total = 0;
    let refused = 0;
    for (let round = 0; ; round++) {
      const busy: Option[] = [];
      for (const { node, domain } of options) {
        if (tried >= this.attempts) break;
        if (this.claiming.has(node.uuid)) continue;
        tried++;
        total++;
        if (group !== undefined && domain !== null) {
          // Atomic across workers: another member may have taken the domain since `options`.
          const reservation = await group.reserve(domain, (held) => admits(group.group, held, domain));
          if (reservation === "refused") {
            refused++;
            continue;
          }
        }
        this.claiming.add(node.uuid);
        try {
          await driver.claim({ instanceUuid, nodeUuid: node.uuid }, projectId, spec);
          return node.uuid;
        } catch (error) {
          if (error instanceof InstanceAlreadyPlacedError) {
            // An earlier attempt (which crashed) placed this instance: adopt its node.
            const held = await driver.nodeOf(instanceUuid);
            if (held !== null) return held;
          }
          if (!(error instanceof NodeAlreadyClaimedError || error instanceof NodeNotAvailableError)) throw error;
          if (isBusy(error)) busy.push({ node, domain });
          else this.driver.cache.forget(node.uuid);
          this.log.info({ node: node.uuid, instance: instanceUuid, reason: error.message }, "claim lost; trying the next node");
        } finally {
          this.claiming.delete(node.uuid);
        }
      }
      // Nodes Ironic only had locked (a conductor task, another claimer still
      // deciding) are asked again after a pause, a few rounds: a lock is not a
      // lost claim. Not with a group, whose reservations are per attempt.
      if (busy.length === 0 || group !== undefined || round >= BUSY_ROUNDS.length) break;
      const pause = BUSY_ROUNDS[round] ?? 0;
      this.log.info({ instance: instanceUuid, nodes: busy.length, pause_ms: pause }, "nodes locked in Ironic; asking them again");
      await sleep(pause);
      options = busy;
      tried = 0;
    }
    await group?.release();
    throw new NoValidHostError(this.refusal(fitting(), allowed, total, refused, group));
  }

  private refusal(fitting: number, allowed: number, tried: number, refused: number, group: GroupPlacement | undefined): string {
    if (fitting === 0) return "There are not enough hosts available.";
    if (group !== undefined && (allowed === 0 || refused === tried)) {
      return `There are not enough hosts available: the server group's ${group.group.policy} policy leaves none of the ${fitting} fitting nodes (failure domain: ${describeKey(this.failureDomain)}).`;
    }
    return `No node could be claimed after ${tried} attempts.`;
  }
}
