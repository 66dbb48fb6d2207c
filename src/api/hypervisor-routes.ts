// /v2.1/os-hypervisors (admin): each Ironic node is a hypervisor, as in Nova's
// Ironic driver. Shapes follow the microversion:
// - ids are integers below 2.53 (derived from the node UUID, so they stay the
//   same across restarts and enrolments) and node UUIDs from 2.53;
// - from 2.53, `with_servers` and `hypervisor_hostname_pattern` query parameters;
// - from 2.88 the resource counters (vcpus, memory_mb, …, cpu_info) are gone,
//   `uptime` ("") is in detail/show, and /statistics no longer exists.
import { z } from "zod";
import type { Caller, ComputeApi, NodeSummary } from "../compute/contract.js";
import { BadRequestError, COMPUTE_HOST, NotFoundError } from "../compute/contract.js";
import { sendFault } from "./errors.js";
import { outsideVersion } from "./microversion.js";
import { callerOf, type ApiInstance } from "./request-context.js";
import { idParams, isUuid, queryFlag, uuidInteger } from "./schemas.js";

/** A stable integer id for microversions below 2.53 (schemas.ts's uuidInteger). */
export function legacyHypervisorId(uuid: string): number {
  return uuidInteger(uuid);
}

const listQuery = z.looseObject({
  with_servers: queryFlag.optional(),
  hypervisor_hostname_pattern: z.string().min(1).max(255).optional(),
});

const showQuery = z.looseObject({ with_servers: queryFlag.optional() });

type ServerRef = { uuid: string; name: string };

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
  const doc: Record<string, unknown> = {
    ...summary(node, microversion),
    hypervisor_type: "ironic",
    hypervisor_version: 1,
    host_ip: "",
    service: { host: COMPUTE_HOST, id: microversion >= 53 ? node.uuid : legacyHypervisorId(node.uuid), disabled_reason: node.reason },
  };
  // Nova's Ironic driver has no uptime and sends null, on which OSC 6.0's
  // `hypervisor show` crashes (it runs a regex on it); "" reads as "unknown" to both.
  if (microversion >= 88) return { ...doc, uptime: "" };
  return {
    ...doc,
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
    // From 2.28 Nova shows cpu_info as the JSON object it holds ({} when empty).
    cpu_info: microversion >= 28 ? {} : "",
  };
}

/** The server on the node as Nova lists it; none when it is not visible (deleted meanwhile). */
async function serversOn(compute: ComputeApi, caller: Caller, node: NodeSummary): Promise<ServerRef[]> {
  if (node.serverId === null) return [];
  try {
    const server = await compute.servers.get(caller, node.serverId);
    return [{ uuid: server.id, name: server.name }];
  } catch (error) {
    if (error instanceof NotFoundError) return [];
    throw error;
  }
}

export function registerHypervisorRoutes(app: ApiInstance, compute: ComputeApi): void {
  for (const detailed of [false, true]) {
    const path = detailed ? "/os-hypervisors/detail" : "/os-hypervisors";
    app.get(path, { config: { access: "admin" }, schema: { querystring: listQuery } }, async (request) => {
      const caller = callerOf(request);
      const { microversion } = request;
      const pattern = microversion >= 53 ? request.query.hypervisor_hostname_pattern : undefined;
      const withServers = microversion >= 53 && request.query.with_servers === true;
      const nodes = (await compute.nodes.list(caller)).filter((node) => pattern === undefined || node.uuid.includes(pattern));
      if (pattern !== undefined && nodes.length === 0) throw new NotFoundError(`No hypervisor matching '${pattern.slice(0, 64)}' could be found.`);
      const hypervisors = await Promise.all(
        nodes.map(async (node) => {
          const doc = detailed ? detail(node, microversion) : summary(node, microversion);
          if (!withServers) return doc;
          const servers = await serversOn(compute, caller, node);
          // Nova leaves `servers` out when empty, until 2.75.
          return servers.length > 0 || microversion >= 75 ? { ...doc, servers } : doc;
        }),
      );
      return { hypervisors };
    });
  }

  app.get("/os-hypervisors/statistics", { config: { access: "admin" } }, async (request, reply) => {
    if (request.microversion >= 88) return outsideVersion(reply);
    const nodes = await compute.nodes.list(callerOf(request));
    const totals = { count: 0, vcpus: 0, memory_mb: 0, local_gb: 0, vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0, free_ram_mb: 0, free_disk_gb: 0, current_workload: 0, running_vms: 0, disk_available_least: 0 };
    for (const node of nodes) {
      const doc = detail(node, request.microversion);
      totals.count += 1;
      for (const key of Object.keys(totals) as Array<keyof typeof totals>) {
        const value = doc[key];
        if (key !== "count" && typeof value === "number") totals[key] += value;
      }
    }
    return { hypervisor_statistics: totals };
  });

  // Bare-metal nodes report no uptime: Nova's Ironic driver answers 501, which OSC's `hypervisor show` skips.
  app.get("/os-hypervisors/:id/uptime", { config: { access: "admin" }, schema: { params: idParams } }, (request, reply) => {
    if (request.microversion >= 88) return outsideVersion(reply);
    return sendFault(reply, 501, "Getting the uptime of a bare-metal node is not supported.");
  });

  app.get("/os-hypervisors/:id", { config: { access: "admin" }, schema: { params: idParams, querystring: showQuery } }, async (request) => {
    const caller = callerOf(request);
    const { id } = request.params;
    const { microversion } = request;
    let node: NodeSummary | undefined;
    // Nova's _validate_id: from 2.53 a malformed uuid is a 400, below it a
    // non-integer is a 404; neither is looked up (S3).
    if (microversion >= 53) {
      if (!isUuid(id)) throw new BadRequestError(`Invalid uuid ${id.slice(0, 64)}`);
      node = await compute.nodes.get(caller, id);
    } else {
      if (!/^\d{1,16}$/.test(id)) throw new NotFoundError(`Hypervisor with ID ${id.slice(0, 64)} could not be found.`);
      const wanted = Number(id);
      node = (await compute.nodes.list(caller)).find((candidate) => legacyHypervisorId(candidate.uuid) === wanted);
    }
    if (node === undefined) throw new NotFoundError(`Hypervisor with ID ${id.slice(0, 64)} could not be found.`);
    const doc = detail(node, microversion);
    if (microversion < 53 || request.query.with_servers !== true) return { hypervisor: doc };
    const servers = await serversOn(compute, caller, node);
    return { hypervisor: servers.length > 0 || microversion >= 75 ? { ...doc, servers } : doc };
  });
}
