// The records' zod schemas (camelCase, the records' own shape), checked on every
// write (checkInput) and every read (checkRow) — see rows.ts.

import { z } from "zod";
import type * as records from "../records.js";
import { taskKindParamsSchema } from "../task-params.js";
import type { ServerPatch } from "../store.js";

/** Canonical ISO-8601 UTC with milliseconds: the one form that sorts chronologically as text. */
export const isoTime = z.iso.datetime({ precision: 3 });
const count = z.number().int().nonnegative();
const stringMap = z.record(z.string(), z.string());

const roleSchema = z.enum(["admin", "member", "reader", "service"]);

export const projectSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  createdAt: isoTime,
}) satisfies z.ZodType<records.ProjectRecord>;

export const userSchema = z.object({
  id: z.string(),
  name: z.string(),
  passwordHash: z.string(),
  projectId: z.string(),
  role: roleSchema,
  createdAt: isoTime,
}) satisfies z.ZodType<records.UserRecord>;

export const tokenSchema = z.object({
  id: z.string(),
  userId: z.string(),
  projectId: z.string().nullable(),
  role: roleSchema,
  methods: z.array(z.string()),
  auditId: z.string(),
  applicationCredentialId: z.string().nullable(),
  issuedAt: isoTime,
  expiresAt: isoTime,
}) satisfies z.ZodType<records.TokenRecord>;

export const applicationCredentialSchema = z.object({
  id: z.string(),
  userId: z.string(),
  projectId: z.string(),
  name: z.string(),
  description: z.string(),
  secretHash: z.string(),
  roles: z.array(roleSchema),
  unrestricted: z.boolean(),
  expiresAt: isoTime.nullable(),
  createdAt: isoTime,
}) satisfies z.ZodType<records.ApplicationCredentialRecord>;

export const flavorSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  extraSpecs: stringMap,
  vcpus: count,
  ramMb: count,
  diskGb: count,
  ephemeralGb: count,
  swapMb: count,
  isPublic: z.boolean(),
  createdAt: isoTime,
}) satisfies z.ZodType<records.FlavorRecord>;

export const imageSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  checksum: z.string().nullable(),
  osHashAlgo: z.string().nullable(),
  osHashValue: z.string().nullable(),
  diskFormat: z.string(),
  visibility: z.enum(["public", "private"]),
  ownerProjectId: z.string().nullable(),
  sizeBytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullable(),
  properties: stringMap,
  createdAt: isoTime,
  updatedAt: isoTime,
}) satisfies z.ZodType<records.ImageRecord>;

export const keypairSchema = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  type: z.enum(["ssh", "x509"]),
  publicKey: z.string(),
  fingerprint: z.string(),
  createdAt: isoTime,
}) satisfies z.ZodType<records.KeypairRecord>;

export const serverGroupSchema = z.object({
  id: z.string(),
  name: z.string(),
  projectId: z.string(),
  userId: z.string(),
  policy: z.enum(["affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"]),
  maxServerPerHost: z.number().int().positive().nullable(),
  createdAt: isoTime,
}) satisfies z.ZodType<records.ServerGroupRecord>;

const vmStateSchema = z.enum(["building", "active", "stopped", "rescued", "error", "deleted"]);
const taskStateSchema = z.enum([
  "scheduling",
  "spawning",
  "deleting",
  "rebooting",
  "rebooting_hard",
  "powering-off",
  "powering-on",
  "rebuilding",
  "rescuing",
  "unrescuing",
]);

export const serverSchema = z.object({
  id: z.string(),
  name: z.string(),
  hostname: z.string(),
  projectId: z.string(),
  userId: z.string(),
  flavorId: z.string(),
  imageId: z.string().nullable(),
  keyName: z.string().nullable(),
  nodeUuid: z.string().nullable(),
  vmState: vmStateSchema,
  taskState: taskStateSchema.nullable(),
  powerState: z.enum(["running", "shutdown", "crashed", "nostate"]),
  progress: z.number().int().min(0).max(100),
  networks: z.object({
    kind: z.enum(["none", "auto", "list"]),
    vifs: z.array(
      z.object({ networkId: z.string(), fixedIp: z.string().optional(), portId: z.string().optional() }),
    ),
  }),
  blockDevices: z.array(z.object({ volumeId: z.string(), bootIndex: z.number().int().nonnegative() })),
  metadata: stringMap,
  userData: z.string().nullable(),
  availabilityZone: z.string(),
  fault: z.object({ code: z.number().int(), message: z.string(), details: z.string().optional(), created: isoTime }).nullable(),
  launchedAt: isoTime.nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
  deletedAt: isoTime.nullable(),
  description: z.string().nullable(),
  locked: z.boolean(),
  lockedBy: z.enum(["owner", "admin"]).nullable(),
  lockedReason: z.string().nullable(),
  accessIPv4: z.string().nullable(),
  accessIPv6: z.string().nullable(),
  diskConfig: z.enum(["AUTO", "MANUAL"]),
  reservationId: z.string().nullable(),
  launchIndex: z.number().int().nonnegative(),
}) satisfies z.ZodType<records.ServerRecord>;

export const serverPatchSchema = serverSchema
  .pick({
    name: true,
    nodeUuid: true,
    vmState: true,
    taskState: true,
    powerState: true,
    progress: true,
    fault: true,
    launchedAt: true,
    imageId: true,
    keyName: true,
    deletedAt: true,
    metadata: true,
    userData: true,
    hostname: true,
    description: true,
    locked: true,
    lockedBy: true,
    lockedReason: true,
    networks: true,
    accessIPv4: true,
    accessIPv6: true,
    diskConfig: true,
  })
  .partial() satisfies z.ZodType<ServerPatch>;

export const actionSchema = z.object({
  id: z.string(),
  serverId: z.string(),
  projectId: z.string(),
  userId: z.string(),
  action: z.string(),
  requestId: z.string(),
  message: z.string().nullable(),
  startTime: isoTime,
  finishTime: isoTime.nullable(),
}) satisfies z.ZodType<records.ActionRecord>;

export const eventResultSchema = z.enum(["Success", "Error"]);

export const actionEventSchema = z.object({
  id: z.string(),
  actionId: z.string(),
  event: z.string(),
  startTime: isoTime,
  finishTime: isoTime.nullable(),
  result: eventResultSchema.nullable(),
  details: z.string().nullable(),
  traceback: z.string().nullable(),
}) satisfies z.ZodType<records.ActionEventRecord>;

export const taskSchema = z.object({
  id: z.string(),
  serverId: z.string(),
  status: z.enum(["pending", "running", "done", "failed", "cancelled"]),
  leaseOwner: z.string().nullable(),
  leaseExpiresAt: isoTime.nullable(),
  attempts: count,
  lastError: z.string().nullable(),
  actionId: z.string(),
  createdAt: isoTime,
  updatedAt: isoTime,
}).and(taskKindParamsSchema) satisfies z.ZodType<records.TaskRecord>;

export const workerSchema = z.object({
  id: z.string(),
  startedAt: isoTime,
  heartbeatAt: isoTime,
}) satisfies z.ZodType<records.WorkerRecord>;

const iscsiTargetSchema = z.object({
  protocol: z.literal("iscsi"),
  portals: z.array(z.string().min(1)).min(1),
  iqn: z.string().min(1),
  lun: count,
  chapUsername: z.string().min(1).nullable(),
}) satisfies z.ZodType<records.IscsiTarget>;

const fibreChannelTargetSchema = z.object({
  protocol: z.literal("fibre_channel"),
  wwns: z.array(z.string().regex(/^[0-9a-f]{16}$/)).min(1),
  lun: count,
}) satisfies z.ZodType<records.FibreChannelTarget>;

export const volumeSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  sizeGb: z.number().int().positive(),
  projectId: z.string().nullable(),
  bootable: z.boolean(),
  target: z.discriminatedUnion("protocol", [iscsiTargetSchema, fibreChannelTargetSchema]),
  metadata: stringMap,
  attachment: z.object({ id: z.string(), serverId: z.string(), attachedAt: isoTime }).nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
}) satisfies z.ZodType<records.VolumeRecord>;
