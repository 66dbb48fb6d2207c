// Registered volumes (issue 13): existing iSCSI / FC volumes an admin makes
// known, in Cinder v3's terms for the API (api/volume-routes.ts), and what boot
// from volume needs from them (issue 13 #3): a lookup with the caller's
// visibility, an atomic attach to one server, detach, a server's volumes, and
// the target's connection properties for the driver.
//
// Who may do what (Cinder's default policy, narrowed to registration):
//   reader+: list/show the project's own and the shared volumes;
//   admin:   everything, all_tenants, register, delete (unregister);
//   update (name, description): admins and members of the owning project.
//
// The CHAP secret is written once, at registration, and read back only by
// `blockDevice` for the driver: it is in no VolumeView, no error, no audit
// row, and it is registered with the log's secret registry so that a line
// which somehow quotes it is scrubbed.
import { randomUUID } from "node:crypto";
import type { BlockDeviceSpec } from "../driver/instance-spec.js";
import { processSecrets } from "../log/redact.js";
import type { VolumeAttachmentRecord, VolumeRecord, VolumeTarget } from "../store/records.js";
import { SecretBoxError } from "../store/secret-box.js";
import type { Store } from "../store/store.js";
import { auditOf } from "./admin-audit.js";
import { creationIso, nowIso } from "./clock.js";
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  type Caller,
  type VolumeListFilter,
  type VolumeRegistration,
  type VolumesApi,
  type VolumeUpdate,
  type VolumeUsage,
  type VolumeView,
} from "./contract.js";
import { isPrintableName } from "./names.js";
import { requireReader } from "./policy.js";
import { SecretsKeyMismatchError } from "./task-secrets.js";

/** Cinder's largest page (osapi_max_limit). */
export const MAX_VOLUME_PAGE = 1000;

/** Cinder's words for a volume the caller cannot see (VolumeNotFound). */
export function volumeNotFound(id: string): NotFoundError {
  return new NotFoundError(`Volume ${id} could not be found.`);
}

/** Cinder's policy refusal text (oslo.policy's PolicyNotAuthorized). */
function policyRefused(rule: string): ForbiddenError {
  return new ForbiddenError(`Policy doesn't allow ${rule} to be performed.`);
}

function requireVolumeAdmin(caller: Caller, rule: string): void {
  requireReader(caller);
  if (caller.role !== "admin") throw policyRefused(rule);
}

export function volumeView(volume: VolumeRecord): VolumeView {
  return { ...volume, status: volume.attachment === null ? "available" : "in-use" };
}

function canSee(caller: Caller, volume: VolumeRecord): boolean {
  return caller.role === "admin" || volume.projectId === null || volume.projectId === caller.projectId;
}

/** What an admin may read of a registration in the audit: everything but the secret. */
function auditSummary(volume: VolumeRecord): Record<string, unknown> {
  const { target } = volume;
  return {
    size_gb: volume.sizeGb,
    project_id: volume.projectId,
    bootable: volume.bootable,
    protocol: target.protocol,
    ...(target.protocol === "iscsi" ? { auth_method: target.chapUsername === null ? null : "CHAP" } : {}),
  };
}

function checkRegistration(registration: VolumeRegistration): void {
  if (!isPrintableName(registration.name)) throw new BadRequestError("Invalid volume: the name must be 1-255 printable characters.");
  if ((registration.description ?? "").length > 255) throw new BadRequestError("Invalid volume: the description is longer than 255 characters.");
  const { target, chapSecret } = registration;
  const wantsChap = target.protocol === "iscsi" && target.chapUsername !== null;
  if (wantsChap !== (chapSecret !== undefined)) {
    throw new BadRequestError("Invalid volume: a CHAP user and a CHAP secret go together, and only with iSCSI.");
  }
}

/**
 * The properties of an Ironic volume target for `volume` (Nova's
 * connection_info data, as Ironic's boot interfaces read it): for iSCSI
 * target_iqn/target_portal(s)/target_lun and, with CHAP, auth_method,
 * auth_username and auth_password; for FC target_wwn and target_lun.
 */
export function targetProperties(target: VolumeTarget, chapSecret: string | null): Record<string, unknown> {
  if (target.protocol === "fibre_channel") return { target_wwn: [...target.wwns], target_lun: target.lun };
  return {
    target_iqn: target.iqn,
    target_portal: target.portals[0],
    target_portals: [...target.portals],
    target_lun: target.lun,
    ...(target.chapUsername === null || chapSecret === null ? {} : { auth_method: "CHAP", auth_username: target.chapUsername, auth_password: chapSecret }),
  };
}

export class Volumes implements VolumesApi {
  constructor(private readonly store: Store) {}

  async register(caller: Caller, registration: VolumeRegistration): Promise<VolumeView> {
    requireVolumeAdmin(caller, "volume:create");
    checkRegistration(registration);
    if (registration.projectId !== null && (await this.store.projects.get(registration.projectId)) === undefined) {
      throw new BadRequestError(`Project ${registration.projectId} could not be found.`);
    }
    const now = creationIso();
    const record: VolumeRecord = {
      id: randomUUID(),
      name: registration.name,
      description: registration.description ?? "",
      sizeGb: registration.sizeGb,
      projectId: registration.projectId,
      bootable: registration.bootable,
      target: registration.target,
      metadata: registration.metadata ?? {},
      attachment: null,
      createdAt: now,
      updatedAt: now,
    };
    const secret = registration.chapSecret ?? null;
    if (secret !== null) processSecrets.register(secret);
    await this.store.volumes.create(record, secret, auditOf(caller, { type: "volume", id: record.id, name: record.name }, "create", auditSummary(record)));
    return volumeView(record);
  }

  async list(caller: Caller, filter: VolumeListFilter): Promise<VolumeView[]> {
    requireReader(caller);
    // As Cinder: all_tenants from a non-admin is ignored, not refused.
    const all = filter.allTenants === true && caller.role === "admin";
    if (filter.marker !== undefined) {
      const marker = await this.store.volumes.get(filter.marker);
      if (marker === undefined || !canSee(caller, marker)) throw new BadRequestError(`Marker ${filter.marker} could not be found.`);
    }
    const volumes = await this.store.volumes.list({
      ...(all ? {} : { visibleTo: caller.projectId }),
      ...(filter.name === undefined ? {} : { name: filter.name }),
      ...(filter.status === undefined ? {} : { status: filter.status }),
      ...(filter.marker === undefined ? {} : { marker: filter.marker }),
      limit: Math.min(filter.limit ?? MAX_VOLUME_PAGE, MAX_VOLUME_PAGE),
    });
    return volumes.map(volumeView);
  }

  async get(caller: Caller, id: string): Promise<VolumeView> {
    return volumeView(await this.visible(caller, id));
  }

  async update(caller: Caller, id: string, update: VolumeUpdate): Promise<VolumeView> {
    const volume = await this.visible(caller, id);
    if (caller.role !== "admin" && (caller.role !== "member" || volume.projectId !== caller.projectId)) throw policyRefused("volume:update");
    if (update.name !== undefined && !isPrintableName(update.name)) throw new BadRequestError("Invalid volume: the name must be 1-255 printable characters.");
    if (update.description !== undefined && update.description.length > 255) throw new BadRequestError("Invalid volume: the description is longer than 255 characters.");
    const updated = await this.store.volumes.update(id, update, nowIso());
    if (updated === undefined) throw volumeNotFound(id);
    return volumeView(updated);
  }

  async delete(caller: Caller, id: string): Promise<void> {
    requireVolumeAdmin(caller, "volume:delete");
    const volume = await this.visible(caller, id);
    const audit = auditOf(caller, { type: "volume", id, name: volume.name }, "delete", auditSummary(volume));
    const outcome = await this.store.volumes.delete(id, audit);
    if (outcome === "missing") throw volumeNotFound(id);
    if (outcome === "attached") {
      throw new BadRequestError("Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.");
    }
  }

  async usage(caller: Caller, projectId: string): Promise<VolumeUsage> {
    requireReader(caller);
    if (caller.role !== "admin" && projectId !== caller.projectId) throw policyRefused("volume_extension:quotas:show");
    const own = (await this.store.volumes.list({ visibleTo: projectId })).filter((volume) => volume.projectId === projectId);
    return { volumes: own.length, gigabytes: own.reduce((sum, volume) => sum + volume.sizeGb, 0) };
  }

  // ---- for boot from volume (issue 13 #3) ------------------------------------------

  /** The volume `caller` may use, by id: NotFoundError (Cinder's text) for unknown and invisible ones. */
  async lookup(caller: Caller, id: string): Promise<VolumeView> {
    return volumeView(await this.visible(caller, id));
  }

  /**
   * Attaches the volume to the server, atomically: ConflictError when it is
   * attached (to this or another server: a volume serves one server at a time),
   * NotFoundError when it is gone. The caller checked visibility with `lookup`.
   */
  async attach(volumeId: string, serverId: string): Promise<VolumeAttachmentRecord> {
    const attachment: VolumeAttachmentRecord = { id: randomUUID(), serverId, attachedAt: creationIso() };
    const outcome = await this.store.volumes.attach(volumeId, attachment);
    if (outcome === "missing") throw volumeNotFound(volumeId);
    if (outcome === "in-use") throw new ConflictError(`Invalid volume: Volume ${volumeId} status must be available to attach, but it is in-use.`);
    return attachment;
  }

  /** Detaches the volume from the server; false when it was not attached to it (idempotent). */
  detach(volumeId: string, serverId: string): Promise<boolean> {
    return this.store.volumes.detach(volumeId, serverId);
  }

  /** Detaches every volume of the server (its delete, a failed create). */
  async detachAll(serverId: string): Promise<void> {
    for (const volume of await this.store.volumes.ofServer(serverId)) await this.store.volumes.detach(volume.id, serverId);
  }

  /** The server's volumes, oldest attachment first. */
  async ofServer(serverId: string): Promise<VolumeView[]> {
    return (await this.store.volumes.ofServer(serverId)).map(volumeView);
  }

  /**
   * What the driver writes as the volume's Ironic target, CHAP secret
   * included, for a volume attached to `serverId` only (NotFoundError otherwise):
   * the one path by which the secret leaves the store.
   */
  async blockDevice(volumeId: string, serverId: string, bootIndex: number | null): Promise<BlockDeviceSpec> {
    const volume = await this.store.volumes.get(volumeId);
    if (volume?.attachment?.serverId !== serverId) throw volumeNotFound(volumeId);
    let secret: string | null;
    try {
      secret = (await this.store.volumes.chapSecret(volumeId)) ?? null;
    } catch (error: unknown) {
      if (error instanceof SecretBoxError) throw new SecretsKeyMismatchError(`CHAP secret of volume ${volumeId}`);
      throw error;
    }
    return { volumeId, bootIndex, volumeType: volume.target.protocol, properties: targetProperties(volume.target, secret) };
  }

  private async visible(caller: Caller, id: string): Promise<VolumeRecord> {
    requireReader(caller);
    const volume = await this.store.volumes.get(id);
    if (volume === undefined || !canSee(caller, volume)) throw volumeNotFound(id);
    return volume;
  }
}
