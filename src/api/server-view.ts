// Servers as Nova shows them (openstack-compat.md §6). Status is derived from
// vm_state + task_state the way Nova's _STATE_MAP does; user_data is never shown.
import { createHash } from "node:crypto";
import { COMPUTE_HOST, type ServerView } from "../compute/contract.js";
import type { PowerStateName, ServerFault, TaskState, VmState } from "../store/records.js";
import { flavorExtraSpecs, flavorLinks } from "./flavor-view.js";
import { novaTime } from "./request-context.js";

export type ServerStatus =
  | "BUILD"
  | "ACTIVE"
  | "SHUTOFF"
  | "REBOOT"
  | "HARD_REBOOT"
  | "REBUILD"
  | "RESCUE"
  | "ERROR"
  | "DELETED";

/** What the ACTIVE vm_state shows during each task (Nova: everything else stays ACTIVE). */
function activeStatus(task: TaskState | null): ServerStatus {
  switch (task) {
    case "rebooting":
      return "REBOOT";
    case "rebooting_hard":
      return "HARD_REBOOT";
    case "rebuilding":
      return "REBUILD";
    case null:
    case "scheduling":
    case "spawning":
    case "deleting":
    case "powering-off":
    case "powering-on":
    case "rescuing":
    case "unrescuing":
      return "ACTIVE";
  }
}

export function serverStatus(vm: VmState, task: TaskState | null): ServerStatus {
  switch (vm) {
    case "building":
      return "BUILD";
    case "active":
      return activeStatus(task);
    case "stopped":
      return task === "rebuilding" ? "REBUILD" : "SHUTOFF";
    case "rescued":
      return "RESCUE";
    case "error":
      return task === "rebuilding" ? "REBUILD" : "ERROR";
    case "deleted":
      return "DELETED";
  }
}

/** Nova's power_state integers. */
export function novaPowerState(power: PowerStateName): number {
  switch (power) {
    case "running":
      return 1;
    case "shutdown":
      return 4;
    case "crashed":
      return 6;
    case "nostate":
      return 0;
  }
}

const SHOWS_PROGRESS: ReadonlySet<ServerStatus> = new Set(["ACTIVE", "BUILD", "REBUILD"]);

export function serverLinks(base: string, id: string): Array<{ rel: string; href: string }> {
  return [
    { rel: "self", href: `${base}/v2.1/servers/${id}` },
    { rel: "bookmark", href: `${base}/servers/${id}` },
  ];
}

/** Nova's hostId: an opaque per-project digest of the host, "" when unplaced. */
function hostId(server: ServerView): string {
  if (server.nodeUuid === null) return "";
  return createHash("sha224").update(`${server.projectId}${server.nodeUuid}`).digest("hex");
}

function flavorField(server: ServerView, base: string, microversion: number): Record<string, unknown> {
  const flavor = server.flavor;
  if (microversion < 47) {
    return { id: server.flavorId, links: flavorLinks(base, server.flavorId).filter((link) => link.rel === "bookmark") };
  }
  return {
    original_name: flavor?.name ?? server.flavorId,
    vcpus: flavor?.vcpus ?? 0,
    ram: flavor?.ramMb ?? 0,
    disk: flavor?.diskGb ?? 0,
    ephemeral: flavor?.ephemeralGb ?? 0,
    swap: flavor?.swapMb ?? 0,
    extra_specs: flavor === undefined ? {} : flavorExtraSpecs(flavor),
  };
}

/** A fault recorded before faults had `details` held Ironic's text in `message`. */
const LEGACY_PUBLIC_MESSAGE = "The operation failed; an administrator can see the details.";

/**
 * Nova's fault: code, message and created for everyone; `details` only for
 * admins, since it carries Ironic's text (signed image URLs, BMC addresses).
 */
function faultField(fault: ServerFault, admin: boolean): Record<string, unknown> {
  const legacy = fault.details === undefined;
  return {
    code: fault.code,
    message: legacy && !admin ? LEGACY_PUBLIC_MESSAGE : fault.message,
    created: novaTime(fault.created),
    ...(admin && fault.details !== undefined ? { details: fault.details } : {}),
  };
}

export interface ViewContext {
  base: string;
  microversion: number;
  admin: boolean;
  /** A single server (show, rebuild): Nova adds `server_groups` there only (2.71). */
  single?: boolean;
  /**
   * The answer of a rebuild or a PUT: below 2.75 Nova leaves out the show-only
   * fields there (the AZ, config_drive, key_name — a rebuild's from 2.54 —,
   * the OS-SRV-USG, OS-EXT-STS and OS-EXT-SRV-ATTR fields, host_status,
   * security_groups, volumes_attached, the addresses' OS-EXT-IPS fields); from
   * 2.75 it is the same as GET /servers/{id}.
   */
  answerOf?: "rebuild" | "update";
}

/** Nova 2.75: PUT and rebuild answer with every attribute GET shows. */
const FULL_ANSWERS_FROM = 75;
/** Nova 2.54: rebuild takes key_name, and its answer shows it. */
export const REBUILD_KEY_NAME_FROM = 54;

function fullAnswer(context: ViewContext): boolean {
  return context.answerOf === undefined || context.microversion >= FULL_ANSWERS_FROM;
}

/** The show-only fields of `doc` removed, for an answer below 2.75 (see ViewContext.answerOf). */
function reducedAnswer(doc: Record<string, unknown>, context: ViewContext): Record<string, unknown> {
  if (fullAnswer(context)) return doc;
  const keepKey = context.answerOf === "rebuild" && context.microversion >= REBUILD_KEY_NAME_FROM;
  // From 2.90 Nova shows the hostname to everyone, outside the extended attributes it leaves out.
  const keepHostname = context.microversion >= 90;
  const dropped = new Set(["OS-EXT-AZ:availability_zone", "config_drive", "security_groups", "os-extended-volumes:volumes_attached", "host_status"]);
  const reduced = Object.fromEntries(
    Object.entries(doc).filter(([key]) => {
      if (key === "key_name") return keepKey;
      if (key === "OS-EXT-SRV-ATTR:hostname") return keepHostname;
      return !dropped.has(key) && !key.startsWith("OS-SRV-USG:") && !key.startsWith("OS-EXT-STS:") && !key.startsWith("OS-EXT-SRV-ATTR:");
    }),
  );
  return reduced;
}

export function serverSummary(server: ServerView, base: string): Record<string, unknown> {
  return { id: server.id, name: server.name, links: serverLinks(base, server.id) };
}

export function serverDetail(server: ServerView, context: ViewContext): Record<string, unknown> {
  const { base, microversion, admin } = context;
  const status = serverStatus(server.vmState, server.taskState);
  const doc: Record<string, unknown> = {
    id: server.id,
    name: server.name,
    status,
    tenant_id: server.projectId,
    user_id: server.userId,
    metadata: server.metadata,
    hostId: hostId(server),
    image:
      server.imageId === null
        ? ""
        : { id: server.imageId, links: [{ rel: "bookmark", href: `${base}/images/${server.imageId}` }] },
    flavor: flavorField(server, base, microversion),
    created: novaTime(server.createdAt),
    updated: novaTime(server.updatedAt),
    addresses: Object.fromEntries(
      Object.entries(server.addresses).map(([network, list]) => [
        network,
        list.map((address) =>
          fullAnswer(context)
            ? { version: address.version, addr: address.addr, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": address.macAddress }
            : { version: address.version, addr: address.addr },
        ),
      ]),
    ),
    // Nova shows "" when unset.
    accessIPv4: server.accessIPv4 ?? "",
    accessIPv6: server.accessIPv6 ?? "",
    links: serverLinks(base, server.id),
    "OS-DCF:diskConfig": server.diskConfig,
    "OS-EXT-AZ:availability_zone": server.availabilityZone,
    config_drive: "True",
    key_name: server.keyName,
    "OS-SRV-USG:launched_at": novaTime(server.launchedAt),
    "OS-SRV-USG:terminated_at": novaTime(server.deletedAt),
    "OS-EXT-STS:vm_state": server.vmState,
    "OS-EXT-STS:task_state": server.taskState,
    "OS-EXT-STS:power_state": novaPowerState(server.powerState),
    // Registered volumes are never deleted with the server (no Cinder to delete them).
    "os-extended-volumes:volumes_attached": server.blockDevices.map((device) => ({
      id: device.volumeId,
      ...(microversion >= 3 ? { delete_on_termination: false } : {}),
    })),
    security_groups: [{ name: "default" }],
    // Our own prefixed field (openstack-compat.md §6): a deploy's place in the
    // maxConcurrentDeploys queue; clients that do not know it ignore it.
    "ironic_compute:queue_position": server.queuePosition,
  };
  if (SHOWS_PROGRESS.has(status)) doc["progress"] = server.progress;
  if (server.fault !== null && (status === "ERROR" || status === "DELETED")) {
    doc["fault"] = faultField(server.fault, admin);
  }
  if (admin) {
    doc["OS-EXT-SRV-ATTR:host"] = server.nodeUuid === null ? null : COMPUTE_HOST;
    doc["OS-EXT-SRV-ATTR:hypervisor_hostname"] = server.hypervisorHostname;
    doc["OS-EXT-SRV-ATTR:instance_name"] = `instance-${server.id}`;
    if (microversion >= 3) {
      // 2.3's other extended attributes; user_data is deliberately never shown.
      // A server made before reservations were kept shows one of its own, as before.
      doc["OS-EXT-SRV-ATTR:reservation_id"] = server.reservationId ?? `r-${server.id.slice(0, 8)}`;
      doc["OS-EXT-SRV-ATTR:launch_index"] = server.launchIndex;
      doc["OS-EXT-SRV-ATTR:kernel_id"] = "";
      doc["OS-EXT-SRV-ATTR:ramdisk_id"] = "";
      doc["OS-EXT-SRV-ATTR:root_device_name"] = null;
    }
    if (microversion >= 16) doc["host_status"] = server.nodeUuid === null ? "" : "UP";
  }
  if (admin ? microversion >= 3 : microversion >= 90) doc["OS-EXT-SRV-ATTR:hostname"] = server.hostname;
  if (microversion >= 9) doc["locked"] = server.locked;
  if (microversion >= 19) doc["description"] = server.description;
  if (microversion >= 26) doc["tags"] = server.tags;
  if (microversion >= 63) doc["trusted_image_certificates"] = null;
  if (microversion >= 71 && context.single === true) doc["server_groups"] = server.serverGroups;
  if (microversion >= 73) doc["locked_reason"] = server.lockedReason;
  return reducedAnswer(doc, context);
}
