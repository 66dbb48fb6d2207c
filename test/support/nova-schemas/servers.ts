// Server documents by microversion: GET /servers/{id}, /servers/detail, the
// create answer, the PUT answer and the rebuild answer (Nova's
// api-ref/source/servers.inc, servers-actions.inc and schemas/servers.py).
import { z } from "zod";
import { collectionLinks, dateTime, dateTimeOrNull, ipAddress, links, macAddress, projectId, tag, userId, uuid } from "./common.js";

/** A shape built up by microversion. */
type Shape = Record<string, z.ZodType>;

const STATUSES = [
  "ACTIVE", "BUILD", "DELETED", "ERROR", "HARD_REBOOT", "MIGRATING", "PASSWORD", "PAUSED", "REBOOT", "REBUILD",
  "RESCUE", "RESIZE", "REVERT_RESIZE", "SHELVED", "SHELVED_OFFLOADED", "SHUTOFF", "SOFT_DELETED", "SUSPENDED",
  "UNKNOWN", "VERIFY_RESIZE",
] as const;

const accessIPv4 = z.union([z.ipv4(), z.literal("")]);
const accessIPv6 = z.union([z.ipv6(), z.literal("")]);
const fault = z.strictObject({ code: z.number().int(), created: dateTime, message: z.string(), details: z.string().optional() });
const image = z.union([z.literal(""), z.strictObject({ id: uuid, links })]);
const serverMetadata = z.record(z.string().min(1), z.string());
const powerState = z.union([z.literal(0), z.literal(1), z.literal(3), z.literal(4), z.literal(6), z.literal(7)]).nullable();
const securityGroups = z.array(z.strictObject({ name: z.string() }));

/** Addresses in show and list: with OS-EXT-IPS:type and the MAC. */
const fullAddresses = z.record(
  z.string(),
  z.array(z.strictObject({
    addr: ipAddress,
    version: z.union([z.literal(4), z.literal(6)]),
    "OS-EXT-IPS:type": z.enum(["fixed", "floating"]),
    "OS-EXT-IPS-MAC:mac_addr": macAddress,
  })),
);
/** Addresses in PUT and rebuild answers below 2.75: only addr and version. */
const plainAddresses = z.record(z.string().min(1), z.array(z.strictObject({ addr: ipAddress, version: z.union([z.literal(4), z.literal(6)]) })));

const flavorRef = z.strictObject({ id: z.string().optional(), links: links.optional() });
/** 2.47: the flavor embedded in the server. extra_specs is behind policy. */
const embeddedFlavor = z.strictObject({
  disk: z.number().int(),
  ephemeral: z.number().int(),
  extra_specs: z.record(z.string().min(1), z.string()).optional(),
  original_name: z.string(),
  ram: z.number().int(),
  swap: z.number().int(),
  vcpus: z.number().int(),
});

const volumesAttached = z.array(z.strictObject({ id: z.string() }));
const volumesAttachedV23 = z.array(z.strictObject({ id: z.string(), delete_on_termination: z.boolean() }));

/** The extended attributes 2.3 adds, all behind policy (admin). */
function extendedAttributes(): Shape {
  return {
    "OS-EXT-SRV-ATTR:hostname": z.string().optional(),
    "OS-EXT-SRV-ATTR:kernel_id": z.string().nullable().optional(),
    "OS-EXT-SRV-ATTR:launch_index": z.number().int().nullable().optional(),
    "OS-EXT-SRV-ATTR:ramdisk_id": z.string().nullable().optional(),
    "OS-EXT-SRV-ATTR:reservation_id": z.string().nullable().optional(),
    "OS-EXT-SRV-ATTR:root_device_name": z.string().nullable().optional(),
    "OS-EXT-SRV-ATTR:user_data": z.base64().max(65535).nullable().optional(),
  };
}

/** What show and list-detail have in common at microversion `mv`. */
function showFields(mv: number): Shape {
  const shape: Shape = {
    accessIPv4,
    accessIPv6,
    addresses: fullAddresses,
    config_drive: z.enum(["", "True", "False"]).nullable(),
    created: dateTime,
    fault: fault.optional(),
    flavor: mv >= 47 ? embeddedFlavor : flavorRef,
    hostId: z.string(),
    id: uuid,
    image,
    key_name: z.string().nullable(),
    links,
    metadata: serverMetadata,
    name: z.string().nullable(),
    "os-extended-volumes:volumes_attached": mv >= 3 ? volumesAttachedV23 : volumesAttached,
    progress: z.number().nullable().optional(),
    security_groups: securityGroups.optional(),
    status: z.enum(STATUSES),
    tenant_id: projectId,
    updated: dateTime,
    user_id: userId,
    "OS-DCF:diskConfig": z.string(),
    "OS-EXT-AZ:availability_zone": z.string(),
    "OS-EXT-SRV-ATTR:host": z.string().nullable().optional(),
    "OS-EXT-SRV-ATTR:hypervisor_hostname": z.string().nullable().optional(),
    "OS-EXT-SRV-ATTR:instance_name": z.string().optional(),
    "OS-EXT-STS:power_state": powerState,
    "OS-EXT-STS:task_state": z.string().nullable(),
    "OS-EXT-STS:vm_state": z.string().nullable(),
    "OS-SRV-USG:launched_at": dateTimeOrNull,
    "OS-SRV-USG:terminated_at": dateTimeOrNull,
  };
  if (mv >= 3) Object.assign(shape, extendedAttributes());
  if (mv >= 9) shape["locked"] = z.boolean();
  if (mv >= 16) shape["host_status"] = z.enum(["UP", "DOWN", "MAINTENANCE", "UNKNOWN", ""]).optional();
  if (mv >= 19) shape["description"] = z.string().nullable();
  if (mv >= 26) shape["tags"] = z.array(tag).max(50);
  if (mv >= 63) shape["trusted_image_certificates"] = z.array(z.string()).nullable();
  if (mv >= 73) shape["locked_reason"] = z.string().nullable();
  // 2.90: the hostname is shown to everyone.
  if (mv >= 90) shape["OS-EXT-SRV-ATTR:hostname"] = z.string();
  if (mv >= 96) shape["pinned_availability_zone"] = z.string().nullable();
  return shape;
}

/** GET /servers/{id}: from 2.71 it alone carries `server_groups`. */
export function serverShowAnswer(mv: number): z.ZodType {
  const shape = showFields(mv);
  if (mv >= 71) shape["server_groups"] = z.array(uuid).max(1);
  return z.strictObject({ server: z.strictObject(shape) });
}

export function serverDetailListAnswer(mv: number): z.ZodType {
  return z.strictObject({ servers: z.array(z.strictObject(showFields(mv))), servers_links: collectionLinks.optional() });
}

export const serverListAnswer = z.strictObject({
  servers: z.array(z.strictObject({ id: uuid, links, name: z.string() })),
  servers_links: collectionLinks.optional(),
});

/** POST /servers: the new server's id and links, or the reservation (return_reservation_id). */
export const serverCreateAnswer = z.union([
  z.strictObject({ reservation_id: z.string() }),
  z.strictObject({
    server: z.strictObject({
      adminPass: z.string().optional(),
      id: uuid,
      links,
      security_groups: securityGroups,
      "OS-DCF:diskConfig": z.enum(["AUTO", "MANUAL"]),
    }),
  }),
]);

/**
 * The PUT and rebuild answers: below 2.75 without the show-only attributes,
 * from 2.75 with them (Nova's update_response / rebuild_response).
 */
function changedServerFields(mv: number, of: "update" | "rebuild"): Shape {
  const shape: Shape = {
    accessIPv4,
    accessIPv6,
    addresses: mv >= 75 ? fullAddresses : plainAddresses,
    created: dateTime,
    fault: fault.optional(),
    flavor: mv >= 47 ? embeddedFlavor : flavorRef,
    hostId: z.string(),
    id: z.string(),
    image,
    links,
    metadata: serverMetadata,
    name: z.string().nullable(),
    // A rebuild is always in progress: Nova requires `progress` there.
    progress: of === "rebuild" ? z.number().nullable() : z.number().nullable().optional(),
    status: z.enum(STATUSES),
    tenant_id: projectId,
    updated: dateTime,
    user_id: userId,
    "OS-DCF:diskConfig": z.string(),
  };
  if (of === "rebuild") shape["adminPass"] = z.string().nullable().optional();
  if (mv >= 9) shape["locked"] = z.boolean();
  if (mv >= 19) shape["description"] = z.string().nullable();
  if (mv >= 26) shape["tags"] = z.array(z.string()).max(50);
  if (of === "rebuild" && mv >= 54) shape["key_name"] = z.string().nullable();
  if (of === "rebuild" && mv >= 57) shape["user_data"] = z.base64().max(65535).nullable();
  if (mv >= 63) shape["trusted_image_certificates"] = z.array(z.string()).nullable();
  if (mv >= 71) shape["server_groups"] = z.array(uuid).max(1);
  if (mv >= 73) shape["locked_reason"] = z.string().nullable();
  if (mv >= 75) {
    Object.assign(shape, {
      config_drive: z.union([z.string(), z.boolean()]).nullable(),
      host_status: z.string().optional(),
      "os-extended-volumes:volumes_attached": volumesAttachedV23,
      security_groups: securityGroups.optional(),
      "OS-EXT-AZ:availability_zone": z.string(),
      "OS-EXT-SRV-ATTR:host": z.string().nullable().optional(),
      "OS-EXT-SRV-ATTR:hostname": z.string().optional(),
      "OS-EXT-SRV-ATTR:hypervisor_hostname": z.string().nullable().optional(),
      "OS-EXT-SRV-ATTR:instance_name": z.string().optional(),
      "OS-EXT-SRV-ATTR:kernel_id": z.string().nullable().optional(),
      "OS-EXT-SRV-ATTR:launch_index": z.number().int().nullable().optional(),
      "OS-EXT-SRV-ATTR:ramdisk_id": z.string().nullable().optional(),
      "OS-EXT-SRV-ATTR:reservation_id": z.string().nullable().optional(),
      "OS-EXT-SRV-ATTR:root_device_name": z.string().nullable().optional(),
      "OS-EXT-STS:power_state": powerState,
      "OS-EXT-STS:task_state": z.string().nullable(),
      "OS-EXT-STS:vm_state": z.string().nullable(),
      "OS-SRV-USG:launched_at": dateTimeOrNull,
      "OS-SRV-USG:terminated_at": dateTimeOrNull,
    });
    if (of === "update") {
      shape["key_name"] = z.string().nullable().optional();
      shape["OS-EXT-SRV-ATTR:user_data"] = z.base64().max(65535).nullable().optional();
    }
  }
  if (mv >= 96) shape["pinned_availability_zone"] = z.string().nullable();
  return shape;
}

export function serverUpdateAnswer(mv: number): z.ZodType {
  return z.strictObject({ server: z.strictObject(changedServerFields(mv, "update")) });
}

export function serverRebuildAnswer(mv: number): z.ZodType {
  return z.strictObject({ server: z.strictObject(changedServerFields(mv, "rebuild")) });
}
