// What the crash soak checks after every kill/restart has settled: each server
// in its expected state (or ERROR with a fault), and across the store and
// Ironic: no node claimed without a server, no node/address/volume given twice
// (a volume: one attachment, one listing server, targets on one node), no VIF or
// volume target of ours left on a node that carries no server, no port on the
// scope's network without a live server.
import { TARGET_OWNER_KEY } from "../../src/driver/volumes.js";
import type { IronicClient } from "../../src/ironic/client.js";
import type { ServerRecord } from "../../src/store/records.js";
import type { Store } from "../../src/store/store.js";

export type Expected = "active" | "rescued" | "deleted";

export interface Scope {
  store: Store;
  ironic: IronicClient;
  shard: string;
  nodes: readonly string[];
  networkId: string;
  volumeIds: readonly string[];
}

/** Returns the violations found (empty: converged): `expectations` maps each server of the run to its expected state. */
export async function violations(scope: Scope, expectations: ReadonlyMap<string, Expected>): Promise<string[]> {
  const { store, ironic, shard } = scope;
  const found: string[] = [];
  const live = new Map<string, ServerRecord>();
  const servers = [...expectations.keys()];
  for (const [id, expected] of expectations) {
    const server = await store.servers.get(id);
    const task = await store.tasks.activeForServer(id);
    if (task !== undefined) found.push(`server ${id}: task ${task.kind} still ${task.status}`);
    if (expected === "deleted") {
      if (server !== undefined) found.push(`server ${id}: not deleted (${server.vmState}/${server.taskState ?? "-"})`);
      continue;
    }
    if (server === undefined) {
      found.push(`server ${id}: lost`);
      continue;
    }
    live.set(id, server);
    if (server.taskState !== null) found.push(`server ${id}: task state ${server.taskState}`);
    if (server.vmState === "error") {
      if (server.fault === null || server.fault.message === "") found.push(`server ${id}: ERROR without a fault`);
    } else if (server.vmState !== expected) {
      found.push(`server ${id}: ${server.vmState}, expected ${expected}`);
    }
  }
  // Nodes: every claim in the shard is a live server's, on the node it records; one node per server.
  const claimed = (await ironic.nodes.list(["instance_uuid"], { shard })).filter((n) => n.instance_uuid !== null);
  const byServer = new Map<string, string[]>();
  for (const node of claimed) {
    const owner = node.instance_uuid ?? "";
    byServer.set(owner, [...(byServer.get(owner) ?? []), node.uuid]);
    const server = live.get(owner);
    if (server === undefined) found.push(`node ${node.uuid}: claimed for ${owner}, which is no live server`);
    else if (server.nodeUuid !== node.uuid) found.push(`node ${node.uuid}: claimed for ${owner}, which records node ${server.nodeUuid ?? "none"}`);
  }
  for (const [owner, held] of byServer) if (held.length > 1) found.push(`server ${owner}: holds ${held.length} nodes`);
  for (const server of live.values()) {
    if (server.vmState !== "error" && !byServer.has(server.id)) found.push(`server ${server.id}: ${server.vmState} but no node names it`);
  }
  // VIFs and volume targets: only on a node that carries a live server, and
  // exactly its own. (Ironic's `noop` network interface, the only one the test
  // Ironic enables, accepts VIFs without keeping them: there the listing is
  // always empty, and the store's port bindings below are what can be checked.)
  const ports = await store.ports.list({ networkId: scope.networkId });
  const targetNodes = new Map<string, string[]>(); // volume id → the nodes with a target for it
  for (const nodeUuid of scope.nodes) {
    const owner = claimed.find((n) => n.uuid === nodeUuid)?.instance_uuid ?? null;
    const vifs = (await ironic.nodes.listVifs(nodeUuid)).sort();
    const targets = await ironic.volumes.listTargets(nodeUuid);
    for (const target of targets) targetNodes.set(target.volume_id, [...(targetNodes.get(target.volume_id) ?? []), nodeUuid]);
    const server = owner === null ? undefined : live.get(owner);
    if (server === undefined || server.vmState === "error") {
      if (vifs.length > 0) found.push(`node ${nodeUuid}: VIFs ${vifs.join(",")} left without a server`);
      if (targets.length > 0) found.push(`node ${nodeUuid}: ${targets.length} volume targets left without a server`);
      continue;
    }
    const own = ports.filter((p) => p.deviceId === server.id).map((p) => p.id);
    const foreign = vifs.filter((vif) => !own.includes(vif));
    if (foreign.length > 0) found.push(`node ${nodeUuid}: VIFs [${foreign.join(",")}] that are not server ${server.id}'s ports`);
    if (targets.length !== server.blockDevices.length) found.push(`node ${nodeUuid}: ${targets.length} volume targets for ${server.blockDevices.length} volumes`);
    const strange = targets.filter((t) => !server.blockDevices.some((b) => b.volumeId === t.volume_id)).map((t) => t.volume_id);
    if (strange.length > 0) found.push(`node ${nodeUuid}: volume targets for [${strange.join(",")}], which server ${server.id} does not list`);
  }
  for (const [volumeId, on] of targetNodes) if (on.length > 1) found.push(`volume ${volumeId}: targets on ${on.length} nodes (${on.join(", ")})`);
  // Addresses: none held twice. Ports: every port on the scope's network is the
  // service's, made for a server (no test hands in a port of its own), so one
  // whose server is gone (or that names none) was left behind.
  const addresses = ports.flatMap((p) => p.fixedIps.map((ip) => `${ip.subnetId}/${ip.ipAddress}`));
  const twice = addresses.filter((a, i) => addresses.indexOf(a) !== i);
  if (twice.length > 0) found.push(`addresses given twice: ${twice.join(", ")}`);
  for (const port of ports) {
    if (!live.has(port.deviceId)) {
      const at = port.fixedIps.map((ip) => ip.ipAddress).join(",");
      found.push(`port ${port.id} (${at}): left for ${port.deviceId === "" ? "no server" : `server ${port.deviceId}`}, which is no live server`);
    }
    if (port.bindingHostId === "") continue;
    const server = live.get(port.deviceId);
    if (server === undefined || server.nodeUuid !== port.bindingHostId) found.push(`port ${port.id}: bound to node ${port.bindingHostId}, which does not carry its server`);
  }
  // Volumes: attached only to a live server that lists it, listed by one server at most.
  for (const volumeId of scope.volumeIds) {
    const listing = [...live.values()].filter((s) => s.blockDevices.some((b) => b.volumeId === volumeId)).map((s) => s.id);
    if (listing.length > 1) found.push(`volume ${volumeId}: listed by ${listing.length} servers (${listing.join(", ")})`);
    const volume = await store.volumes.get(volumeId);
    const holder = volume?.attachment?.serverId;
    if (holder === undefined) continue;
    const server = live.get(holder);
    if (server === undefined) {
      found.push(`volume ${volumeId}: still attached to ${servers.includes(holder) ? "gone" : "unknown"} server ${holder}`);
    } else if (!server.blockDevices.some((b) => b.volumeId === volumeId)) {
      found.push(`volume ${volumeId}: attached to ${holder}, which does not list it`);
    }
  }
  return found;
}

/**
 * What a deleted server left behind that the service made or took for it: a
 * port still in the store (its own, or one it was seen with), a volume still
 * attached to it, an Ironic volume target made for it on a node of the scope.
 * Empty: all gone.
 */
export async function leftBehind(scope: Scope, made: { serverId: string; portIds: readonly string[]; volumeIds: readonly string[] }): Promise<string[]> {
  const { store, ironic } = scope;
  const found: string[] = [];
  const ports = new Map((await store.ports.list({ deviceId: made.serverId })).map((p) => [p.id, p]));
  for (const id of made.portIds) {
    const port = ports.get(id) ?? (await store.ports.get(id));
    if (port !== undefined) ports.set(id, port);
  }
  for (const port of ports.values()) found.push(`port ${port.id} (${port.fixedIps.map((ip) => ip.ipAddress).join(",")}): left after server ${made.serverId} was deleted`);
  for (const volumeId of made.volumeIds) {
    const volume = await store.volumes.get(volumeId);
    if (volume?.attachment?.serverId === made.serverId) found.push(`volume ${volumeId}: still attached to deleted server ${made.serverId}`);
  }
  // Targets the service made for this server (tagged with it), or untagged ones
  // naming its volumes: a target left by an earlier server is that one's finding.
  for (const nodeUuid of scope.nodes) {
    for (const target of await ironic.volumes.listTargets(nodeUuid)) {
      const owner = target.extra[TARGET_OWNER_KEY];
      const its = owner === made.serverId || (owner === undefined && made.volumeIds.includes(target.volume_id));
      if (its) found.push(`node ${nodeUuid}: volume target ${target.uuid} for volume ${target.volume_id} left after server ${made.serverId} was deleted`);
    }
  }
  return found;
}
