// /v2.1/os-hypervisors (admin): each Ironic node is a hypervisor, as in Nova's
// Ironic driver. Ids are integers below 2.53 (derived from the node UUID, so
// they stay the same across restarts and enrolments) and node UUIDs from 2.53.
import { z } from "zod";
import type { ComputeApi, NodeSummary } from "../compute/contract.js";
import { NotFoundError } from "../compute/contract.js";
import { callerOf, type ApiInstance } from "./request-context.js";
import { idParams } from "./schemas.js";

/** A stable integer id for microversions below 2.53: the first 52 bits of the UUID. */
export function legacyHypervisorId(uuid: string): number {
  return Number.parseInt(uuid.replace(/-/g, "").slice(0, 13), 16);
}

function summary(node: NodeSummary, microversion: number): Record<string, unknown> {
  const inUse = node.serverId !== null;
  return {
    id: microversion >= 53 ? node.uuid : legacyHypervisorId(node.uuid),
    hypervisor_hostname: node.uuid,
    state: node.maintenance ? "down" : "up",
    status: node.available || inUse ? "enabled" : "disabled",
  };
}

function detail(node: NodeSummary, microversion: number): Record<string, unknown> {
  const inUse = node.serverId !== null;
  return {
    ...summary(node, microversion),
    hypervisor_type: "ironic",
    hypervisor_version: 1,
    host_ip: "",
    service: { host: "ironic-compute", id: microversion >= 53 ? node.uuid : legacyHypervisorId(node.uuid), disabled_reason: node.reason },
    vcpus: node.cpus,
    memory_mb: node.memoryMb,
    local_gb: node.localGb,
    vcpus_used: inUse ? node.cpus : 0,
    memory_mb_used: inUse ? node.memoryMb : 0,
    local_gb_used: inUse ? node.localGb : 0,
    free_ram_mb: inUse ? 0 : node.memoryMb,
    free_disk_gb: inUse ? 0 : node.localGb,
    current_workload: 0,
    running_vms: inUse ? 1 : 0,
    disk_available_least: inUse ? 0 : node.localGb,
  };
}

export function registerHypervisorRoutes(app: ApiInstance, compute: ComputeApi): void {
  app.get("/os-hypervisors", { config: { access: "admin" }, schema: { querystring: z.looseObject({}) } }, async (request) => {
    const nodes = await compute.nodes.list(callerOf(request));
    return { hypervisors: nodes.map((node) => summary(node, request.microversion)) };
  });

  app.get("/os-hypervisors/detail", { config: { access: "admin" }, schema: { querystring: z.looseObject({}) } }, async (request) => {
    const nodes = await compute.nodes.list(callerOf(request));
    return { hypervisors: nodes.map((node) => detail(node, request.microversion)) };
  });

  app.get("/os-hypervisors/:id", { config: { access: "admin" }, schema: { params: idParams } }, async (request) => {
    const caller = callerOf(request);
    const { id } = request.params;
    if (request.microversion >= 53) return { hypervisor: detail(await compute.nodes.get(caller, id), request.microversion) };
    const wanted = /^\d{1,16}$/.test(id) ? Number(id) : undefined;
    const node = (await compute.nodes.list(caller)).find((candidate) => legacyHypervisorId(candidate.uuid) === wanted);
    if (node === undefined) throw new NotFoundError(`Hypervisor with ID ${id.slice(0, 64)} could not be found.`);
    return { hypervisor: detail(node, request.microversion) };
  });
}
