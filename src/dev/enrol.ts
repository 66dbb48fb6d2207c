// Enrols fake-hardware nodes in a real Ironic and brings them to a usable state,
// for tests, the demo and benchmarks. Work is done in phases over all nodes at
// once (create → power off → manage → provide), with one paginated listing per
// poll instead of one GET per node, so hundreds of nodes enrol in seconds.

import { randomBytes } from "node:crypto";
import pLimit from "p-limit";
import type { IronicClient } from "../ironic/client.js";
import type { NodeCreate } from "../ironic/nodes.js";
import type { ProvisionState } from "../ironic/states.js";

export interface EnrolSpec {
  count: number;
  /** Node names are `${namePrefix}-${index}`; default a random prefix. */
  namePrefix?: string;
  resourceClass?: string;
  properties?: Record<string, unknown>;
  traits?: string[];
  owner?: string;
  lessee?: string;
  conductorGroup?: string;
  /** Ironic shard (API ≥ 1.82): the partition key a service's node cache filters on. */
  shard?: string;
  /** Interfaces; the defaults make every driver operation possible on fake hardware. */
  interfaces?: Pick<NodeCreate, "console_interface" | "rescue_interface" | "storage_interface" | "network_interface">;
  /** NIC ports per node, with generated MAC addresses. */
  portsPerNode?: number;
  /** An iSCSI initiator (volume connector of type iqn) per node, for boot from volume. */
  iscsiConnector?: boolean;
  /** Where to stop: "available" (default), "manageable" or "enroll". */
  target?: "available" | "manageable" | "enroll";
  concurrency?: number;
  timeoutMs?: number;
}

export const DEFAULT_PROPERTIES = { cpus: 8, memory_mb: 16_384, local_gb: 100, cpu_arch: "x86_64" } as const;

function macAddress(): string {
  const bytes = randomBytes(6);
  bytes[0] = ((bytes[0] ?? 0) & 0xfe) | 0x02; // locally administered, unicast
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/** Polls one listing until every node of `uuids` satisfies `done`. */
export async function waitForNodes(
  client: IronicClient,
  uuids: readonly string[],
  filter: { resource_class?: string; conductor_group?: string },
  done: (node: { provision_state: ProvisionState; target_provision_state: ProvisionState | null; last_error: string | null }) => boolean,
  timeoutMs: number,
): Promise<void> {
  const wanted = new Set(uuids);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const nodes = await client.nodes.list(
      ["provision_state", "target_provision_state", "last_error"],
      filter,
    );
    const pending = nodes.filter((node) => wanted.has(node.uuid) && !done(node));
    const seen = nodes.filter((node) => wanted.has(node.uuid)).length;
    if (pending.length === 0 && seen === wanted.size) return;
    if (Date.now() > deadline) {
      const sample = pending.slice(0, 3).map((n) => `${n.uuid}: ${n.provision_state} (${n.last_error ?? "no error"})`);
      throw new Error(`${pending.length} nodes did not reach the wanted state in time: ${sample.join("; ")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** Enrols `spec.count` nodes; returns their UUIDs in creation order. */
export async function enrolNodes(client: IronicClient, spec: EnrolSpec): Promise<string[]> {
  const limit = pLimit(spec.concurrency ?? 16);
  const prefix = spec.namePrefix ?? `node-${randomBytes(3).toString("hex")}`;
  const resourceClass = spec.resourceClass ?? "baremetal";
  const timeoutMs = spec.timeoutMs ?? 120_000;
  const filter = {
    resource_class: resourceClass,
    ...(spec.conductorGroup === undefined ? {} : { conductor_group: spec.conductorGroup }),
  };
  const interfaces = {
    console_interface: "fake",
    rescue_interface: "fake",
    storage_interface: "fake",
    ...spec.interfaces,
  };
  const indexes = Array.from({ length: spec.count }, (_, index) => index);
  const uuids = await Promise.all(
    indexes.map((index) =>
      limit(async () => {
        const node = await client.nodes.create({
          name: `${prefix}-${index}`,
          driver: "fake-hardware",
          resource_class: resourceClass,
          properties: spec.properties ?? { ...DEFAULT_PROPERTIES },
          ...interfaces,
          ...(spec.conductorGroup === undefined ? {} : { conductor_group: spec.conductorGroup }),
        });
        // Ironic refuses an owner at creation from a project-scoped caller (noauth
        // is one), but accepts it as an update.
        const ownership = [
          ...(spec.owner === undefined ? [] : [{ op: "add" as const, path: "/owner", value: spec.owner }]),
          ...(spec.lessee === undefined ? [] : [{ op: "add" as const, path: "/lessee", value: spec.lessee }]),
          ...(spec.shard === undefined ? [] : [{ op: "add" as const, path: "/shard", value: spec.shard }]),
        ];
        if (ownership.length > 0) await client.nodes.update(node.uuid, ownership);
        if (spec.traits !== undefined && spec.traits.length > 0) await client.nodes.setTraits(node.uuid, spec.traits);
        if (spec.iscsiConnector === true) {
          await client.volumes.createConnector({ node_uuid: node.uuid, type: "iqn", connector_id: `iqn.2026-12.org.example.ironic-compute:${node.uuid}` });
        }
        for (let port = 0; port < (spec.portsPerNode ?? 0); port++) {
          await client.ports.create({ node_uuid: node.uuid, address: macAddress(), pxe_enabled: port === 0 });
        }
        // Fake power reports no state until the first action; a real node has one.
        await client.nodes.setPowerState(node.uuid, { target: "power off" });
        return node.uuid;
      }),
    ),
  );
  if (spec.target === "enroll") return uuids;
  await Promise.all(uuids.map((uuid) => limit(() => client.nodes.setProvisionState(uuid, { target: "manage" }))));
  await waitForNodes(client, uuids, filter, (n) => n.provision_state === "manageable" && n.target_provision_state === null, timeoutMs);
  if (spec.target === "manageable") return uuids;
  await Promise.all(uuids.map((uuid) => limit(() => client.nodes.setProvisionState(uuid, { target: "provide" }))));
  await waitForNodes(client, uuids, filter, (n) => n.provision_state === "available" && n.target_provision_state === null, timeoutMs);
  return uuids;
}
