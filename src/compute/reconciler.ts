// Periodic convergence, run by every worker for the nodes the hash ring gives it:
//  (b) orphans: a node claimed by an instance uuid that has no live server (a
//      create that died between claim and record, a delete that died half-way)
//      is released through the driver's destroy;
//  (c) power sync: a server powered off or on behind our back follows Ironic;
//  (d) a server whose node vanished from Ironic goes to ERROR.
// (a), tasks whose lease expired, needs no code here: the task runner leases
// them again and their handlers resume.
import type { IronicDriver } from "../driver/driver.js";
import { instancePower } from "../driver/power.js";
import type { Logger } from "../log/logger.js";
import type { ServerRecord } from "../store/records.js";
import type { Store } from "../store/store.js";
import { nowIso } from "./clock.js";
import type { Membership } from "./workers.js";

export interface ReconcileReport {
  orphansReleased: number;
  powerSynced: number;
  vanished: number;
}

export class Reconciler {
  constructor(
    private readonly store: Store,
    private readonly driver: IronicDriver,
    private readonly membership: Membership,
    private readonly log: Logger,
  ) {}

  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = { orphansReleased: 0, powerSynced: 0, vanished: 0 };
    await this.driver.cache.refresh();
    const nodes = await this.driver.cache.all();
    const busy = new Set((await this.store.tasks.listActive()).map((task) => task.serverId));
    for (const node of nodes) {
      if (node.instance_uuid === null || !this.membership.owns(node.uuid)) continue;
      const server = await this.store.servers.get(node.instance_uuid, { includeDeleted: true });
      if (busy.has(node.instance_uuid)) continue;
      if (server === undefined || server.deletedAt !== null) {
        this.log.warn({ node: node.uuid, instance: node.instance_uuid }, "releasing a node claimed by an instance that has no server");
        await this.driver.destroy(node.instance_uuid, node.uuid);
        report.orphansReleased++;
        continue;
      }
      if (await this.syncPower(server, instancePower(node.power_state))) report.powerSynced++;
    }
    const present = new Set(nodes.map((node) => node.uuid));
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
      report.vanished++;
    }
    return report;
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
