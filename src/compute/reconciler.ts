// Periodic convergence, run by every worker for the nodes the hash ring gives it:
//  (b) leftovers: a node still claimed for a server of ours that no longer holds
//      it (deleted, or a create that died between claim and record) is given
//      back, through a durable `release` task so that no pass waits for
//      Ironic's cleaning;
//  (c) power sync: a server powered off or on behind our back follows Ironic;
//  (d) a server whose node vanished from Ironic goes to ERROR.
// (a), tasks whose lease expired, needs no code here: the task runner leases
// them again and their handlers resume.
//
// Never touch what is not ours: a node is released only when its claim carries
// our marker for the instance (driver/ownership.ts) AND our store holds that
// instance. Nova's, metal3's or an operator's machines on a shared Ironic, and
// servers created after the backup a database was restored from, have no such
// pair and are left alone (counted, warned about once).
import { randomUUID } from "node:crypto";
import type { IronicDriver } from "../driver/driver.js";
import { instancePower } from "../driver/power.js";
import type { Logger } from "../log/logger.js";
import type { ServerRecord } from "../store/records.js";
import { ServerBusyError, type Store } from "../store/store.js";
import { actionRecord } from "./audit.js";
import { nowIso } from "./clock.js";
import { taskRecord } from "./tasks.js";
import type { Membership } from "./workers.js";

/** Why a claimed node was left alone. */
export type LeftAloneReason = "unknown_instance" | "unmarked";

export interface ReconcileReport {
  /** Leftover claims of ours handed to a `release` task in this pass. */
  releasesQueued: number;
  powerSynced: number;
  vanished: number;
  /** Claimed nodes that are not ours, by reason. */
  leftAlone: Record<LeftAloneReason, number>;
  /** Why leftovers were not released in this pass, if they were not. */
  sweepSkipped: string | null;
}

/** What a node claimed for `instance` means to us. Pure. */
export type ClaimVerdict =
  /** A task of ours runs for the instance: it decides. */
  | { kind: "busy" }
  /** Our store never held (or no longer has any record of) the instance. */
  | { kind: "unknown_instance" }
  /** The node of a live server of ours: keep, sync its power. */
  | { kind: "serving"; server: ServerRecord }
  /** Our instance no longer holds this node: released if the claim is ours. */
  | { kind: "leftover"; server: ServerRecord };

export function claimVerdict(nodeUuid: string, server: ServerRecord | undefined, busy: boolean): ClaimVerdict {
  if (server === undefined) return { kind: "unknown_instance" };
  if (busy) return { kind: "busy" };
  if (server.deletedAt === null && server.nodeUuid === nodeUuid) return { kind: "serving", server };
  return { kind: "leftover", server };
}

export class Reconciler {
  /** Nodes already warned about, with the instance they were claimed for. */
  private readonly warned = new Map<string, string>();
  private lastLeftAlone: Record<LeftAloneReason, number> = { unknown_instance: 0, unmarked: 0 };
  private lastRefusal: string | null = null;

  constructor(
    private readonly store: Store,
    private readonly driver: IronicDriver,
    private readonly membership: Membership,
    private readonly log: Logger,
  ) {}

  /** Claimed nodes left alone by the last pass, by reason (for metrics). */
  get leftAlone(): Readonly<Record<LeftAloneReason, number>> {
    return this.lastLeftAlone;
  }

  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      releasesQueued: 0,
      powerSynced: 0,
      vanished: 0,
      leftAlone: { unknown_instance: 0, unmarked: 0 },
      sweepSkipped: null,
    };
    await this.driver.cache.refresh();
    const nodes = await this.driver.cache.all();
    report.sweepSkipped = await this.sweepRefusal();
    if (report.sweepSkipped !== this.lastRefusal) {
      // Said once per change, not every pass: an empty store is the normal first state.
      if (report.sweepSkipped === null) this.log.info("releasing leftover claims again");
      else this.log.info({ reason: report.sweepSkipped }, "not releasing leftover claims until this changes");
      this.lastRefusal = report.sweepSkipped;
    }
    const busy = new Set((await this.store.tasks.listActive()).map((task) => task.serverId));
    const claimedNow = new Set<string>();
    for (const node of nodes) {
      if (node.instance_uuid === null || !this.membership.owns(node.uuid)) continue;
      const instance = node.instance_uuid;
      claimedNow.add(node.uuid);
      const server = await this.store.servers.get(instance, { includeDeleted: true });
      const verdict = claimVerdict(node.uuid, server, busy.has(instance));
      switch (verdict.kind) {
        case "busy":
          break;
        case "unknown_instance":
          this.leaveAlone(report, node.uuid, instance, "unknown_instance");
          break;
        case "serving":
          if (await this.syncPower(verdict.server, instancePower(node.power_state))) report.powerSynced++;
          break;
        case "leftover":
          if (report.sweepSkipped === null) await this.release(report, node.uuid, verdict.server);
          break;
      }
    }
    for (const node of this.warned.keys()) if (!claimedNow.has(node)) this.warned.delete(node);
    this.lastLeftAlone = report.leftAlone;
    report.vanished = await this.markVanished(nodes.map((node) => node.uuid), busy);
    return report;
  }

  /** Why no leftover may be released now, or null. */
  private async sweepRefusal(): Promise<string | null> {
    // A cache that is not one whole listing says nothing about the nodes it lacks.
    if (!this.driver.cache.complete) return "the node cache does not hold a complete listing";
    // An empty store is a new or wiped database (or a failed restore): nothing
    // in Ironic can be shown to be ours.
    if ((await this.store.servers.total()) === 0) return "the store holds no server";
    return null;
  }

  private leaveAlone(report: ReconcileReport, node: string, instance: string, reason: LeftAloneReason): void {
    report.leftAlone[reason]++;
    if (this.warned.get(node) === instance) return;
    this.warned.set(node, instance);
    this.log.warn(
      { node, instance, reason },
      reason === "unknown_instance"
        ? "a node is claimed by an instance this service has no record of; leaving it alone"
        : "a node is claimed for one of our instances but without our marker; leaving it alone",
    );
  }

  private async release(report: ReconcileReport, node: string, server: ServerRecord): Promise<void> {
    const ownership = await this.driver.ownership({ instanceUuid: server.id, nodeUuid: node });
    switch (ownership.kind) {
      case "gone":
      case "elsewhere":
        return; // changed since the listing: nothing of ours is there now
      case "unmarked":
        this.leaveAlone(report, node, server.id, "unmarked");
        return;
      case "ours":
        break;
    }
    const action = actionRecord({ projectId: server.projectId, userId: server.userId, requestId: `req-${randomUUID()}` }, server.id, "release_node");
    try {
      await this.store.tasks.enqueue(taskRecord(server.id, "release", action.id, { node_uuid: node }), action);
    } catch (error) {
      if (error instanceof ServerBusyError) return; // an operation started meanwhile; the next pass looks again
      throw error;
    }
    this.log.warn({ node, instance: server.id }, "releasing a node still claimed for a server that no longer holds it");
    report.releasesQueued++;
  }

  /** ERROR for idle servers whose node Ironic no longer has; their count. */
  private async markVanished(listed: readonly string[], busy: ReadonlySet<string>): Promise<number> {
    const present = new Set(listed);
    let vanished = 0;
    for (const server of await this.store.servers.listWithNodes()) {
      if (server.deletedAt !== null || server.nodeUuid === null || busy.has(server.id)) continue;
      if (present.has(server.nodeUuid) || !this.membership.owns(server.nodeUuid)) continue;
      if ((await this.driver.cache.get(server.nodeUuid)) !== undefined) continue; // outside our partition, but alive
      this.log.error({ instance: server.id, node: server.nodeUuid }, "the server's node vanished from Ironic");
      await this.store.servers.update(server.id, {
        vmState: "error",
        nodeUuid: null,
        // The node's uuid is for admins (details), as every fault's Ironic side is.
        fault: {
          code: 500,
          message: "The bare-metal node of this server no longer exists.",
          details: `Node ${server.nodeUuid} of this server no longer exists in Ironic`,
          created: nowIso(),
        },
      });
      vanished++;
    }
    return vanished;
  }

  /** Applies Ironic's power to an idle server; true when something changed. */
  async syncPower(server: ServerRecord, power: ReturnType<typeof instancePower>): Promise<boolean> {
    if (server.taskState !== null) return false;
    if (server.vmState === "active" && power === "shutdown") {
      await this.store.servers.update(server.id, { vmState: "stopped", powerState: "shutdown" }, { taskState: null, vmState: "active" });
      this.log.info({ instance: server.id }, "server was powered off outside ironic-compute; now SHUTOFF");
      return true;
    }
    if (server.vmState === "stopped" && power === "running") {
      await this.store.servers.update(server.id, { vmState: "active", powerState: "running" }, { taskState: null, vmState: "stopped" });
      this.log.info({ instance: server.id }, "server was powered on outside ironic-compute; now ACTIVE");
      return true;
    }
    return false;
  }
}
