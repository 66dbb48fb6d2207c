// The records ironic-compute keeps. Plain data: the store validates what it
// reads back, the compute layer owns the rules. Times are ISO-8601 UTC strings
// with milliseconds ("2026-11-22T04:30:00.000Z"), ids are UUIDs unless noted.

import type { TaskKindParams } from "./task-params.js";

/**
 * reader < member < admin, each allowing what the one before allows; `service`
 * stands apart: it may post os-server-external-events (Ironic's power
 * notifications) and nothing else.
 */
export type Role = "admin" | "member" | "reader" | "service";

export interface ProjectRecord {
  id: string;
  name: string;
  description: string;
  createdAt: string;
}

export interface UserRecord {
  id: string;
  name: string;
  /** bcrypt hash; never leaves the store layer except to the password check. */
  passwordHash: string;
  projectId: string;
  role: Role;
  createdAt: string;
}

/**
 * An identity token (Keystone v3 shape). The token itself is a random secret
 * handed to the client once; only its SHA-256 is kept, as the id.
 */
export interface TokenRecord {
  /** SHA-256 of the token, hex. */
  id: string;
  userId: string;
  /** null: an unscoped token (identity routes only). */
  projectId: string | null;
  /** The role the token grants: the user's, or less through an application credential. */
  role: Role;
  /** Keystone's auth methods that produced it: "password", "application_credential", "token". */
  methods: string[];
  /** Shown to clients (Keystone's audit_ids); not a secret. */
  auditId: string;
  applicationCredentialId: string | null;
  issuedAt: string;
  expiresAt: string;
}

/** A user's application credential: a named secret for automation, bound to one project. */
export interface ApplicationCredentialRecord {
  id: string;
  userId: string;
  projectId: string;
  name: string;
  description: string;
  /** bcrypt hash of the secret; the secret is shown once, at creation. */
  secretHash: string;
  /** The roles it grants (a subset of the user's at creation). */
  roles: Role[];
  /** May create further application credentials (Keystone's `unrestricted`). */
  unrestricted: boolean;
  /** null: never expires. */
  expiresAt: string | null;
  createdAt: string;
}

export interface FlavorRecord {
  /** Nova flavor ids are strings ("1", a UUID, …). */
  id: string;
  name: string;
  description: string;
  /**
   * Nova's flavor extra specs, as its Ironic deployments write them: how the
   * flavor schedules (`resources:CUSTOM_<CLASS>=1`, `trait:<T>=required|forbidden`,
   * `capabilities:<k>=<v>`; compute/flavor-scheduling.ts reads them) and any other key.
   */
  extraSpecs: Record<string, string>;
  /** For display and instance_info only. */
  vcpus: number;
  ramMb: number;
  diskGb: number;
  ephemeralGb: number;
  swapMb: number;
  isPublic: boolean;
  createdAt: string;
}

export type ImageVisibility = "public" | "private";

export interface ImageRecord {
  id: string;
  name: string;
  /** Where Ironic downloads the image (http/https). */
  url: string;
  checksum: string | null;
  osHashAlgo: string | null;
  osHashValue: string | null;
  diskFormat: string;
  visibility: ImageVisibility;
  /** Owning project; private images are visible to it only. */
  ownerProjectId: string | null;
  sizeBytes: number | null;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface KeypairRecord {
  id: string;
  userId: string;
  name: string;
  type: "ssh" | "x509";
  publicKey: string;
  fingerprint: string;
  createdAt: string;
}

/** Nova's server group policies (soft ones from 2.15). */
export type ServerGroupPolicy = "affinity" | "anti-affinity" | "soft-affinity" | "soft-anti-affinity";

export interface ServerGroupRecord {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  policy: ServerGroupPolicy;
  /** Nova's one rule (2.64, anti-affinity only): members per failure domain; null = 1. */
  maxServerPerHost: number | null;
  createdAt: string;
}

/** Nova's vm_state values we use. */
export type VmState = "building" | "active" | "stopped" | "rescued" | "error" | "deleted";
/** Nova's task_state values we use (null when idle). */
export type TaskState =
  | "scheduling"
  | "spawning"
  | "deleting"
  | "rebooting"
  | "rebooting_hard"
  | "powering-off"
  | "powering-on"
  | "rebuilding"
  | "rescuing"
  | "unrescuing";
export type PowerStateName = "running" | "shutdown" | "crashed" | "nostate";

export interface ServerFault {
  code: number;
  /** What every caller sees: never Ironic's text (see compute/audit.ts). */
  message: string;
  /** The detail, for admins only; absent in faults recorded before it existed. */
  details?: string;
  created: string;
}

export interface ServerNetwork {
  /** "none", "auto", or explicit VIFs (network id + optional fixed IP). */
  kind: "none" | "auto" | "list";
  vifs: Array<{ networkId: string; fixedIp?: string; portId?: string }>;
}

/** A volume of a server and its place in the boot order. */
export interface ServerBlockDevice {
  volumeId: string;
  bootIndex: number;
}

export interface ServerRecord {
  id: string;
  name: string;
  hostname: string;
  projectId: string;
  userId: string;
  flavorId: string;
  /** null: boots from volume. */
  imageId: string | null;
  keyName: string | null;
  /** Ironic node, once one is claimed. */
  nodeUuid: string | null;
  vmState: VmState;
  taskState: TaskState | null;
  powerState: PowerStateName;
  /** 0–100, for `progress` in the API. */
  progress: number;
  networks: ServerNetwork;
  /** Registered volumes it boots from (boot index 0) or has attached (1, 2, …), in boot order (issue 13). */
  blockDevices: ServerBlockDevice[];
  metadata: Record<string, string>;
  /** Never returned by the API. */
  userData: string | null;
  availabilityZone: string;
  fault: ServerFault | null;
  launchedAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** Set when deleted; deleted servers are hidden from normal reads. */
  deletedAt: string | null;
  /** Nova's description (2.19); null when none. */
  description: string | null;
  /** A locked server refuses non-admin actions (Nova's lock, 2.9). */
  locked: boolean;
  /** Who locked it: its own project ("owner") or an admin of another ("admin"); null when unlocked. */
  lockedBy: "owner" | "admin" | null;
  /** Why it was locked (2.73); null when unlocked or none was given. */
  lockedReason: string | null;
  /** Nova's accessIPv4 / accessIPv6 (the owner's to set; never checked against the node). */
  accessIPv4: string | null;
  accessIPv6: string | null;
  /** OS-DCF:diskConfig as given at create or rebuild ("MANUAL" when not). */
  diskConfig: "AUTO" | "MANUAL";
  /** The create request's reservation, shared by the servers of one multi-create; null for servers made before it was kept. */
  reservationId: string | null;
  /** The server's place in its create request, 0-based (Nova's launch_index). */
  launchIndex: number;
}

export interface ActionRecord {
  id: string;
  serverId: string;
  projectId: string;
  userId: string;
  /** "create", "delete", "reboot", "stop", "start", "rebuild", "rescue", "unrescue" … */
  action: string;
  requestId: string;
  message: string | null;
  startTime: string;
  finishTime: string | null;
}

export interface ActionEventRecord {
  id: string;
  actionId: string;
  /** e.g. "compute_spawn", "driver_claim". */
  event: string;
  startTime: string;
  finishTime: string | null;
  /** "Success" | "Error" | null while running. */
  result: "Success" | "Error" | null;
  /** The public failure message (Nova's `details`): shown to every caller from 2.84. */
  details: string | null;
  /** The sanitized detail of a failure, for admins only (Nova's `traceback`). */
  traceback: string | null;
}

/** What a durable task does; each kind with its parameters in store/task-params.ts. */
export type TaskKind = TaskKindParams["kind"];
/** `cancelled`: superseded by a delete of its server (tasks.supersede). */
export type TaskStatus = "pending" | "running" | "done" | "failed" | "cancelled";

interface TaskFields {
  id: string;
  serverId: string;
  status: TaskStatus;
  /** Worker holding the lease, null when unleased. */
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  attempts: number;
  lastError: string | null;
  /** The audit action this task belongs to. */
  actionId: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * A durable task, by kind with that kind's parameters (store/task-params.ts).
 * Secret ones (see SECRET_TASK_PARAMS in compute/) live here only while the task
 * is active: the runner finishes every task with them removed.
 */
export type TaskRecord = TaskFields & TaskKindParams;

export interface WorkerRecord {
  /** The worker's host name (unique among live workers). */
  id: string;
  startedAt: string;
  heartbeatAt: string;
}

/** What an admin change touched (issue 11, item 8). */
export type AuditResourceType = "flavor" | "image" | "project" | "user" | "quota" | "volume";

/**
 * One admin change: who (user, project, request), when, what and how. `changes`
 * is a secret-free summary ({ role: { from, to } }, { password: "changed" }):
 * never a password, hash or secret.
 */
export interface AdminAuditRecord {
  id: string;
  createdAt: string;
  userId: string;
  userName: string;
  projectId: string;
  requestId: string;
  resourceType: AuditResourceType;
  resourceId: string;
  resourceName: string;
  action: "create" | "update" | "delete";
  changes: Record<string, unknown>;
}
export type * from "./network-records.js";

/**
 * Where an iSCSI volume is (issue 13): portals ("host:port"), the target's IQN
 * and LUN, and the CHAP user when the target wants CHAP. The CHAP secret is not
 * part of the record: the store keeps it in a column of its own that only
 * `store.volumes.chapSecret` reads (docs/volumes.md).
 */
export interface IscsiTarget {
  protocol: "iscsi";
  portals: string[];
  iqn: string;
  lun: number;
  chapUsername: string | null;
}

/** Where a Fibre Channel volume is: the target's WWNs (16 hex digits each) and LUN. */
export interface FibreChannelTarget {
  protocol: "fibre_channel";
  wwns: string[];
  lun: number;
}

export type VolumeTarget = IscsiTarget | FibreChannelTarget;

/** A volume's one attachment: to which server, since when. */
export interface VolumeAttachmentRecord {
  id: string;
  serverId: string;
  attachedAt: string;
}

/**
 * A registered volume: an existing iSCSI or FC volume an admin made known (no
 * Cinder creates anything). `status` is not stored: it is "in-use" exactly
 * while `attachment` is set.
 */
export interface VolumeRecord {
  id: string;
  name: string;
  description: string;
  sizeGb: number;
  /** null: shared, visible to every project. */
  projectId: string | null;
  bootable: boolean;
  target: VolumeTarget;
  metadata: Record<string, string>;
  attachment: VolumeAttachmentRecord | null;
  createdAt: string;
  updatedAt: string;
}
