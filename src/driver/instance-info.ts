// The node's `instance_info`: what Ironic needs to deploy this instance (image,
// disk layout, capabilities, required traits) plus descriptive fields, built as a
// pure function of the instance and the node. Written in ONE patch that replaces
// the whole dict, so no stale key from an earlier instance survives.
//
// Differences from Nova on purpose: we write the image checksum / os_hash, disk
// format and kernel/ramdisk ourselves (there is no Glance for Ironic to ask), we
// send numbers as numbers and capabilities as a dict (Ironic accepts both), and
// we stamp a digest so a resumed spawn can tell "already written" from "stale".

import { createHash } from "node:crypto";
import { InvalidInputError } from "./errors.js";
import type { FlavorSpec, ImageSpec, InstanceSpec } from "./instance-spec.js";

export const DIGEST_KEY = "ironic_compute_digest";
export const INSTANCE_KEY = "ironic_compute_instance";
export const REBUILD_REQUEST_KEY = "ironic_compute_rebuild_request";

const TRAIT_NAME = /^[A-Z][A-Z0-9_]{0,254}$/;
const CAPABILITY_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_CAPABILITY_VALUE = 255;

/** Traits the flavor (`trait:X=required`, also granular `traitN:X`) and image require. */
export function requiredTraits(flavor: Pick<FlavorSpec, "extraSpecs">, image: ImageSpec | null): string[] {
  const traits = new Set<string>();
  for (const [key, value] of Object.entries(flavor.extraSpecs)) {
    const match = /^trait\d*:(.+)$/.exec(key);
    if (match?.[1] === undefined || value !== "required") continue;
    traits.add(match[1]);
  }
  const fromImage = image?.properties["traits_required"];
  if (fromImage !== undefined) {
    for (const trait of fromImage.split(",")) if (trait.trim() !== "") traits.add(trait.trim());
  }
  for (const trait of traits) {
    if (!TRAIT_NAME.test(trait)) throw new InvalidInputError(`'${trait.slice(0, 80)}' is not a valid trait name`);
  }
  return [...traits].sort();
}

/** Traits the flavor forbids (`trait:X=forbidden`): a scheduling filter only. */
export function forbiddenTraits(flavor: Pick<FlavorSpec, "extraSpecs">): string[] {
  const traits: string[] = [];
  for (const [key, value] of Object.entries(flavor.extraSpecs)) {
    const match = /^trait\d*:(.+)$/.exec(key);
    if (match?.[1] !== undefined && value === "forbidden") traits.push(match[1]);
  }
  return traits.sort();
}

/** `capabilities:boot_mode=uefi` → `{ boot_mode: "uefi" }`. */
export function flavorCapabilities(flavor: Pick<FlavorSpec, "extraSpecs">): Record<string, string> {
  const capabilities: Record<string, string> = {};
  for (const [key, value] of Object.entries(flavor.extraSpecs)) {
    if (!key.startsWith("capabilities:")) continue;
    const name = key.slice("capabilities:".length);
    if (!CAPABILITY_KEY.test(name) || value.length > MAX_CAPABILITY_VALUE) {
      throw new InvalidInputError(`flavor capability '${key.slice(0, 80)}' has an invalid name or value`);
    }
    capabilities[name] = value;
  }
  return capabilities;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function digestOf(info: Record<string, unknown>): string {
  return createHash("sha256").update(canonicalJson(info)).digest("hex").slice(0, 32);
}

function nonNegativeInt(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidInputError(`${what} must be a non-negative integer`);
  return value;
}

function imageFields(image: ImageSpec): Record<string, unknown> {
  const fields: Record<string, unknown> = { image_source: image.source };
  if (image.checksum !== undefined) fields["image_checksum"] = image.checksum;
  if (image.osHashAlgo !== undefined && image.osHashValue !== undefined) {
    fields["image_os_hash_algo"] = image.osHashAlgo;
    fields["image_os_hash_value"] = image.osHashValue;
  }
  if (image.diskFormat !== undefined) fields["image_disk_format"] = image.diskFormat;
  if (image.kernel !== undefined) fields["kernel"] = image.kernel;
  if (image.ramdisk !== undefined) fields["ramdisk"] = image.ramdisk;
  return fields;
}

export interface InstanceInfoOptions {
  /** Only for rebuild: keep the ephemeral partition. */
  preserveEphemeral?: boolean;
  /**
   * Only for rebuild: the request being carried out. It is part of the digest,
   * so a new rebuild with an unchanged spec is not mistaken for a finished one.
   */
  rebuildRequest?: string;
  /** The node's `properties.local_gb`, already parsed strictly. */
  nodeLocalGb: number;
}

/** The complete instance_info for `spec`, digest included. */
export function buildInstanceInfo(spec: InstanceSpec, options: InstanceInfoOptions): Record<string, unknown> {
  const flavor = spec.flavor;
  if (spec.image === null && !spec.volumes.some((volume) => volume.bootIndex === 0)) {
    throw new InvalidInputError("an instance without an image must boot from a volume (boot_index 0)");
  }
  const info: Record<string, unknown> = {
    ...(spec.image === null ? {} : imageFields(spec.image)),
    root_gb: nonNegativeInt(flavor.rootGb, "root_gb"),
    swap_mb: nonNegativeInt(flavor.swapMb, "swap_mb"),
    vcpus: nonNegativeInt(flavor.vcpus, "vcpus"),
    memory_mb: nonNegativeInt(flavor.memoryMb, "memory_mb"),
    local_gb: nonNegativeInt(options.nodeLocalGb, "local_gb"),
    display_name: spec.name,
    project_id: spec.projectId,
    user_id: spec.userId,
    flavor_name: flavor.name,
    [INSTANCE_KEY]: spec.uuid,
  };
  if (nonNegativeInt(flavor.ephemeralGb, "ephemeral_gb") > 0) {
    info["ephemeral_gb"] = flavor.ephemeralGb;
    if (flavor.ephemeralFormat !== undefined) info["ephemeral_format"] = flavor.ephemeralFormat;
  }
  if (options.preserveEphemeral !== undefined) info["preserve_ephemeral"] = options.preserveEphemeral;
  if (options.rebuildRequest !== undefined) info[REBUILD_REQUEST_KEY] = options.rebuildRequest;
  const capabilities = flavorCapabilities(flavor);
  if (Object.keys(capabilities).length > 0) info["capabilities"] = capabilities;
  const traits = requiredTraits(flavor, spec.image);
  if (traits.length > 0) info["traits"] = traits;
  info[DIGEST_KEY] = digestOf(info);
  return info;
}

/** Whether the node already carries exactly this instance_info. */
export function instanceInfoWritten(current: Record<string, unknown>, wanted: Record<string, unknown>): boolean {
  return current[DIGEST_KEY] === wanted[DIGEST_KEY] && current[INSTANCE_KEY] === wanted[INSTANCE_KEY];
}
