// Server groups (os-server-groups.inc), availability zones
// (os-availability-zone.inc), hypervisors (os-hypervisors.inc) and aggregates
// (os-aggregates.inc); Nova's schemas server_groups.py, availability_zone.py,
// hypervisors.py and aggregates.py.
import { z } from "zod";
import { collectionLinks, dateTime, dateTimeOrNull, projectId, userId, uuid } from "./common.js";

const POLICIES = ["affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"] as const;

function serverGroup(mv: number): z.ZodType {
  const owner = mv >= 13 ? { project_id: projectId, user_id: userId } : {};
  if (mv >= 64) {
    return z.strictObject({
      id: uuid,
      members: z.array(uuid),
      name: z.string(),
      policy: z.enum(POLICIES),
      rules: z.strictObject({ max_server_per_host: z.number().int().optional() }),
      ...owner,
    });
  }
  // 2.15 lets clients create the soft policies; Nova's schema lists them from
  // 2.15 only, but Nova shows a soft group made at 2.15 to a 2.1 client as it is.
  return z.strictObject({
    id: uuid,
    members: z.array(uuid),
    metadata: z.strictObject({}),
    name: z.string(),
    policies: z.array(z.enum(POLICIES)).max(1),
    ...owner,
  });
}

export function serverGroupAnswer(mv: number): z.ZodType {
  return z.strictObject({ server_group: serverGroup(mv) });
}

export function serverGroupListAnswer(mv: number): z.ZodType {
  return z.strictObject({ server_groups: z.array(serverGroup(mv)) });
}

const zoneState = z.looseObject({ available: z.boolean() });

export const zoneListAnswer = z.strictObject({
  availabilityZoneInfo: z.array(z.strictObject({ hosts: z.null(), zoneName: z.string(), zoneState })),
});

const serviceState = z.strictObject({ active: z.boolean(), available: z.boolean(), updated_at: dateTimeOrNull });
export const zoneDetailAnswer = z.strictObject({
  availabilityZoneInfo: z.array(z.strictObject({
    hosts: z.record(z.string().min(1), z.record(z.string().min(1), serviceState)).nullable(),
    zoneName: z.string(),
    zoneState,
  })),
});

const hypervisorServers = z.array(z.strictObject({ name: z.string(), uuid }));

function hypervisorSummaryShape(mv: number): z.ZodRawShape {
  return {
    id: mv >= 53 ? uuid : z.number().int(),
    hypervisor_hostname: z.string(),
    state: z.enum(["up", "down"]),
    status: z.enum(["enabled", "disabled"]),
    ...(mv >= 53 ? { servers: hypervisorServers.optional() } : {}),
  };
}

/** The fields 2.88 removes from the hypervisor document. */
const RESOURCE_FIELDS = {
  current_workload: z.number().int().nullable(),
  free_disk_gb: z.number().int().nullable(),
  free_ram_mb: z.number().int().nullable(),
  local_gb: z.number().int(),
  local_gb_used: z.number().int(),
  memory_mb: z.number().int(),
  memory_mb_used: z.number().int(),
  running_vms: z.number().int().nullable(),
  vcpus: z.number().int(),
  vcpus_used: z.number().int(),
};

function hypervisorDetail(mv: number): z.ZodType {
  return z.strictObject({
    ...hypervisorSummaryShape(mv),
    disk_available_least: z.number().int().nullable().optional(),
    host_ip: z.string().nullable(),
    hypervisor_type: z.string(),
    hypervisor_version: z.union([z.string(), z.number().int()]),
    service: z.strictObject({ disabled_reason: z.string().nullable(), host: z.string(), id: mv >= 53 ? uuid : z.number().int() }),
    ...(mv >= 88
      ? { uptime: z.string().nullable() }
      : { ...RESOURCE_FIELDS, cpu_info: mv >= 28 ? z.record(z.string(), z.unknown()) : z.string() }),
  });
}

export function hypervisorListAnswer(mv: number): z.ZodType {
  return z.strictObject({
    hypervisors: z.array(z.strictObject(hypervisorSummaryShape(mv))),
    ...(mv >= 33 ? { hypervisors_links: collectionLinks.optional() } : {}),
  });
}

export function hypervisorDetailListAnswer(mv: number): z.ZodType {
  return z.strictObject({ hypervisors: z.array(hypervisorDetail(mv)), ...(mv >= 33 ? { hypervisors_links: collectionLinks.optional() } : {}) });
}

export function hypervisorAnswer(mv: number): z.ZodType {
  return z.strictObject({ hypervisor: hypervisorDetail(mv) });
}

/** GET /os-hypervisors/{id}/uptime (removed in 2.88). */
export function hypervisorUptimeAnswer(mv: number): z.ZodType {
  return z.strictObject({ hypervisor: z.strictObject({ ...hypervisorSummaryShape(mv), uptime: z.string().nullable() }) });
}

/** GET /os-hypervisors/statistics (removed in 2.88). */
export const hypervisorStatisticsAnswer = z.strictObject({
  hypervisor_statistics: z.strictObject({ count: z.number().int(), disk_available_least: z.number().int().nullable(), ...RESOURCE_FIELDS }),
});

function aggregate(mv: number): z.ZodType {
  return z.strictObject({
    availability_zone: z.string().nullable(),
    created_at: dateTime,
    deleted: z.boolean(),
    deleted_at: dateTimeOrNull,
    hosts: z.array(z.string()).nullable(),
    id: z.number().int(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    name: z.string(),
    updated_at: dateTimeOrNull,
    ...(mv >= 41 ? { uuid } : {}),
  });
}

export function aggregateListAnswer(mv: number): z.ZodType {
  return z.strictObject({ aggregates: z.array(aggregate(mv)) });
}
