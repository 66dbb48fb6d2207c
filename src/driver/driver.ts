// The hypervisor driver: one object that turns "a server for instance X" into
// Ironic calls on one node, and back. Each verb lives in its own module; this
// class only binds them to one client, one cache, one configuration and logger.

import type { IronicClient } from "../ironic/client.js";
import type { RequestFence } from "../ironic/http.js";
import { IronicError } from "../ironic/errors.js";
import type { Logger } from "../log/logger.js";
import { availability, type CachedNode } from "./availability.js";
import { claimNode } from "./claim.js";
import type { DriverConfig } from "./config.js";
import { serialConsole, type SerialConsole } from "./console.js";
import { destroyInstance, type DestroyStep, type DestroyTarget } from "./destroy.js";
import { InvalidInputError } from "./errors.js";
import { buildInstanceInfo } from "./instance-info.js";
import type { InstanceSpec } from "./instance-spec.js";
import { nodeInventory, parseProperties } from "./inventory.js";
import { attachInterface, detachInterface, nodeNics, type NodeNic } from "./network.js";
import { NodeCache } from "./node-cache.js";
import { NodeWatch } from "./node-watch.js";
import { nodeOfInstance } from "./node-of.js";
import { nodeOwnership, type NodeOwnership } from "./ownership.js";
import type { Progress } from "./operation.js";
import { instancePower, powerOf, powerOff, powerOn, reboot, triggerCrashDump, type InstancePower, type JustSeen } from "./power.js";
import { rebuildInstance, type RebuildStep } from "./rebuild.js";
import { RecentNodes } from "./recent-nodes.js";
import { rescueInstance, unrescueInstance, type RescueStep } from "./rescue.js";
import { spawnInstance, type SpawnNode, type SpawnStep } from "./spawn.js";
import { partitionFilters, type Partition } from "./tenancy.js";
import { volumeConnector, type VolumeConnectorInfo } from "./volumes.js";

export type DriverProgress = Progress<SpawnStep | DestroyStep | RebuildStep | RescueStep>;
export type OnProgress = (progress: DriverProgress) => void;

/** What every verb of the driver acts on: one instance, on the node that carries it. */
export interface InstanceOnNode {
  instanceUuid: string;
  nodeUuid: string;
}

/**
 * How long a node seen by this process stands in for the next operation's first
 * read of it (the claim's answer for the spawn, the deploy's end for the
 * power-on): they normally follow within milliseconds; a resumed one reads.
 */
const RECENT_NODE_MAX_AGE_MS = 10_000;

interface Shared {
  cache: NodeCache;
  watch: NodeWatch;
  /** The claims' PATCH answers by node, until the spawn that follows takes them. */
  claimed: RecentNodes<SpawnNode>;
}

export class IronicDriver {
  readonly cache: NodeCache;
  /** The one poller of every operation waiting on Ironic (node-watch.ts). */
  readonly watch: NodeWatch;
  private readonly claimed: Shared["claimed"];
  /**
   * The node as each spawn of this driver ended (a deploy's last observation,
   * bound to its instance), until the create's power-on that follows takes it.
   */
  private readonly deployed = new RecentNodes<JustSeen>(RECENT_NODE_MAX_AGE_MS);

  constructor(
    readonly client: IronicClient,
    readonly config: DriverConfig,
    private readonly log: Logger,
    shared?: Shared,
    /** Told of every step of every operation, before the call's own onProgress (ServiceObserver.driverStep). */
    private readonly onStep?: OnProgress,
  ) {
    const filters = partitionFilters(this.partition);
    this.cache = shared?.cache ?? new NodeCache(client, { maxAgeMs: config.cache.maxAgeMs, filters }, log);
    this.watch = shared?.watch ?? new NodeWatch(client, { intervalMs: config.pollIntervalMs, filters, log, byState: config.sharedPollingByState });
    this.claimed = shared?.claimed ?? new RecentNodes<SpawnNode>(RECENT_NODE_MAX_AGE_MS);
  }

  /** The slice of Ironic this service manages (see tenancy.ts). */
  get partition(): Partition {
    const { conductorGroup, owner, lessee, shard } = this.config.cache;
    return { conductorGroup, owner, lessee, shard };
  }

  /**
   * This driver, sharing its node cache, whose Ironic calls are refused once
   * `signal` fires: what a task runs with, so that a task whose lease is gone
   * cannot touch a node that another worker now drives.
   */
  fenced(signal: RequestFence): IronicDriver {
    // The watch keeps the unfenced client: it only reads, and a fenced task's
    // next own read (after it wakes) is refused as every other call is.
    return new IronicDriver(this.client.fenced(signal), this.config, this.log, { cache: this.cache, watch: this.watch, claimed: this.claimed }, this.onStep);
  }

  /** The call's progress callback, with the driver-wide observer in front of it. */
  private progress(onProgress?: OnProgress): OnProgress | undefined {
    const onStep = this.onStep;
    if (onStep === undefined) return onProgress;
    return (progress) => {
      onStep(progress);
      onProgress?.(progress);
    };
  }

  private get wait() {
    return { pollIntervalMs: this.config.pollIntervalMs, ...(this.config.sharedPolling ? { watch: this.watch } : {}) };
  }

  /** Nodes a new instance could be placed on now, with their inventory. */
  async schedulableNodes(): Promise<Array<{ node: CachedNode; inventory: ReturnType<typeof nodeInventory> }>> {
    const nodes = await this.cache.all();
    return nodes
      .map((node) => ({ node, inventory: nodeInventory(node, this.log) }))
      .filter((entry) => entry.inventory.schedulable);
  }

  isAvailable(node: CachedNode): boolean {
    return availability(node).available && node.instance_uuid === null;
  }

  /**
   * After an operation changed a node, read it again so listings show it as it
   * is (used, free). A failed read only leaves the entry to the next refresh.
   */
  private async refreshNode(nodeUuid: string): Promise<void> {
    try {
      await this.cache.reload(nodeUuid);
    } catch (error) {
      if (!(error instanceof IronicError)) throw error;
      this.log.warn({ node: nodeUuid, err: error }, "could not re-read the node after an operation; the next refresh will");
    }
  }

  /**
   * The node Ironic says carries `instanceUuid` (a claim made before a crash),
   * null when none does; OperationFailedError when Ironic names several.
   */
  async nodeOf(instanceUuid: string): Promise<string | null> {
    return nodeOfInstance(this.client, instanceUuid);
  }

  /** Whether the node's claim for the instance is ours (see ownership.ts). */
  async ownership({ instanceUuid, nodeUuid }: InstanceOnNode): Promise<NodeOwnership> {
    return nodeOwnership(this.client, nodeUuid, instanceUuid);
  }

  /**
   * Claims the node for a server of `projectId`, re-checking on Ironic's current
   * view of it. With `spec`, its instance_info is written in the claim's PATCH
   * and the answer kept for the spawn that follows (one request, no re-read).
   */
  async claim({ instanceUuid, nodeUuid }: InstanceOnNode, projectId: string, spec?: InstanceSpec): Promise<void> {
    const instanceInfo =
      spec === undefined || spec.uuid !== instanceUuid
        ? undefined
        : (node: CachedNode) => {
            try {
              return buildInstanceInfo(spec, { nodeLocalGb: parseProperties(node.properties, this.log, node.uuid).localGb });
            } catch (error) {
              // The spawn meets the same refusal and fails the server with it.
              if (error instanceof InvalidInputError) return undefined;
              throw error;
            }
          };
    const answer = await claimNode(this.client, nodeUuid, instanceUuid, { projectId, partition: this.partition }, instanceInfo);
    if (answer === undefined) {
      await this.refreshNode(nodeUuid);
      return;
    }
    this.cache.put(answer);
    this.claimed.put(nodeUuid, answer);
  }

  /** Returns the power of the node as the deploy ended (what the create does next depends on it). */
  async spawn(target: InstanceOnNode, spec: InstanceSpec, onProgress?: OnProgress): Promise<InstancePower> {
    const { nodeUuid } = specFor(target, spec);
    let ended: SpawnNode | null | undefined;
    try {
      ended = await spawnInstance(
        this.client,
        nodeUuid,
        spec,
        {
          ...this.wait,
          timeoutMs: this.config.spawnTimeoutMs,
          onProgress: this.progress(onProgress),
          unwind: { ...this.wait, timeoutMs: this.config.destroyTimeoutMs, waitForCleaning: this.config.waitForCleaning },
          claimed: this.claimed.take(nodeUuid, spec.uuid),
        },
        this.log,
      );
    } finally {
      if (ended === undefined || ended === null) await this.refreshNode(nodeUuid);
      else {
        this.cache.merge(nodeUuid, ended);
        this.deployed.put(nodeUuid, ended);
      }
    }
    return ended === null ? "nostate" : instancePower(ended.power_state);
  }

  /** `nodeUuid` null: whichever node Ironic says carries the instance, if any. */
  async destroy(target: DestroyTarget, onProgress?: OnProgress): Promise<void> {
    const nodeUuid = target.nodeUuid ?? null;
    if (nodeUuid !== null) {
      this.claimed.drop(nodeUuid);
      this.deployed.drop(nodeUuid);
    }
    let ended: Awaited<ReturnType<typeof destroyInstance>> | undefined;
    try {
      ended = await destroyInstance(
        this.client,
        target,
        { ...this.wait, timeoutMs: this.config.destroyTimeoutMs, waitForCleaning: this.config.waitForCleaning, onProgress: this.progress(onProgress) },
        this.log,
      );
    } finally {
      // The destroy's last observation is the node as it is now: no re-read.
      if (nodeUuid !== null) {
        if (ended === undefined) await this.refreshNode(nodeUuid);
        else if (ended === null) this.cache.forget(nodeUuid);
        else this.cache.merge(nodeUuid, ended);
      }
    }
  }

  /** `request.requestId`: see RebuildOptions (the task's id). */
  async rebuild(
    target: InstanceOnNode,
    spec: InstanceSpec,
    request: { preserveEphemeral: boolean; requestId: string },
    onProgress?: OnProgress,
  ): Promise<void> {
    const { nodeUuid } = specFor(target, spec);
    await rebuildInstance(
      this.client,
      nodeUuid,
      spec,
      { ...this.wait, timeoutMs: this.config.rebuildTimeoutMs, ...request, onProgress: this.progress(onProgress) },
      this.log,
    );
  }

  async rescue({ instanceUuid, nodeUuid }: InstanceOnNode, password: string, onProgress?: OnProgress): Promise<void> {
    await rescueInstance(this.client, nodeUuid, instanceUuid, password, { ...this.wait, timeoutMs: this.config.rescueTimeoutMs, onProgress: this.progress(onProgress) }, this.log);
  }

  async unrescue({ instanceUuid, nodeUuid }: InstanceOnNode, onProgress?: OnProgress): Promise<void> {
    await unrescueInstance(this.client, nodeUuid, instanceUuid, { ...this.wait, timeoutMs: this.config.rescueTimeoutMs, onProgress: this.progress(onProgress) }, this.log);
  }

  async reboot({ instanceUuid, nodeUuid }: InstanceOnNode, kind: "soft" | "hard"): Promise<void> {
    await reboot(this.client, nodeUuid, instanceUuid, kind, { ...this.wait, timeoutMs: this.config.powerTimeoutMs }, this.log);
  }

  async powerOff({ instanceUuid, nodeUuid }: InstanceOnNode, softTimeoutSeconds = this.config.softPowerOffTimeoutSeconds): Promise<void> {
    await powerOff(this.client, nodeUuid, instanceUuid, softTimeoutSeconds, { ...this.wait, timeoutMs: this.config.powerTimeoutMs }, this.log);
  }

  /**
   * Right after this driver's spawn of the instance (the create's power-on), the
   * deploy's last observation — the node bound to the instance one listing ago —
   * is the binding check, and the power request follows without reading the node.
   */
  async powerOn({ instanceUuid, nodeUuid }: InstanceOnNode): Promise<void> {
    const seen = this.deployed.take(nodeUuid, instanceUuid);
    await powerOn(this.client, nodeUuid, instanceUuid, { ...this.wait, timeoutMs: this.config.powerTimeoutMs }, seen);
  }

  async power({ instanceUuid, nodeUuid }: InstanceOnNode): Promise<InstancePower> {
    return powerOf(this.client, nodeUuid, instanceUuid);
  }

  async crashDump({ instanceUuid, nodeUuid }: InstanceOnNode): Promise<void> {
    await triggerCrashDump(this.client, nodeUuid, instanceUuid);
  }

  async serialConsole({ instanceUuid, nodeUuid }: InstanceOnNode, reset = false): Promise<SerialConsole> {
    return serialConsole(this.client, nodeUuid, instanceUuid, {
      ...this.wait,
      enableIfDisabled: this.config.console.enableIfDisabled,
      reset,
      timeoutMs: this.config.console.timeoutMs,
    });
  }

  /** The node's NICs, in the order a server's interfaces are plugged in (network.ts). */
  async nics(nodeUuid: string): Promise<NodeNic[]> {
    return await nodeNics(this.client, nodeUuid);
  }

  async attachInterface({ instanceUuid, nodeUuid }: InstanceOnNode, vifId: string): Promise<void> {
    await attachInterface(this.client, nodeUuid, instanceUuid, vifId, this.log);
  }

  async detachInterface({ instanceUuid, nodeUuid }: InstanceOnNode, vifId: string): Promise<void> {
    await detachInterface(this.client, nodeUuid, instanceUuid, vifId);
  }

  async volumeConnector({ instanceUuid, nodeUuid }: InstanceOnNode, hostname: string): Promise<VolumeConnectorInfo> {
    return volumeConnector(this.client, nodeUuid, instanceUuid, hostname);
  }
}

/**
 * The target of a spawn or rebuild, checked against the spec it deploys: the
 * spec names the instance too, and the two must not disagree.
 */
function specFor(target: InstanceOnNode, spec: InstanceSpec): InstanceOnNode {
  if (spec.uuid !== target.instanceUuid) {
    throw new InvalidInputError("the instance spec is for another instance", { node: target.nodeUuid, instance: target.instanceUuid });
  }
  return target;
}
