// Image documents: Glance v2's (the Image API at /image/v2 and, for single-URL
// clients, /v2.1) and Nova's image proxy's (/v2.1 below 2.36, nova-image-proxy.ts).
import type { ImageRecord } from "../store/records.js";
import { novaTime } from "./request-context.js";

/** Glance's own image attributes: every other key of an image is a property. */
export const CORE_FIELDS = new Set([
  "id", "name", "status", "visibility", "protected", "os_hidden", "tags", "container_format", "disk_format",
  "min_disk", "min_ram", "size", "virtual_size", "checksum", "os_hash_algo", "os_hash_value", "owner",
  "created_at", "updated_at", "self", "file", "schema", "direct_url", "locations", "url", "properties",
]);

/** The image's properties that are not Glance attributes. */
export function extraProperties(image: ImageRecord): Record<string, string> {
  return Object.fromEntries(Object.entries(image.properties).filter(([key]) => !CORE_FIELDS.has(key)));
}

export function imageDoc(image: ImageRecord, admin: boolean): Record<string, unknown> {
  return {
    ...extraProperties(image),
    id: image.id,
    name: image.name,
    status: "active",
    visibility: image.visibility,
    protected: false,
    os_hidden: false,
    tags: [],
    container_format: "bare",
    disk_format: image.diskFormat,
    min_disk: 0,
    min_ram: 0,
    size: image.sizeBytes,
    virtual_size: null,
    checksum: image.checksum,
    os_hash_algo: image.osHashAlgo,
    os_hash_value: image.osHashValue,
    owner: image.ownerProjectId,
    created_at: image.createdAt.replace(/\.\d+Z$/, "Z"),
    updated_at: image.updatedAt.replace(/\.\d+Z$/, "Z"),
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: "/v2/schemas/image",
    // Where Ironic downloads it; it may carry a signed token, so admins only.
    ...(admin ? { direct_url: image.url } : {}),
  };
}

/**
 * Nova's image view (its images proxy): the Glance image in Nova's words.
 * Everything here is active (there is no upload), so status ACTIVE, progress 100.
 * `server` names the instance of a snapshot (property instance_uuid), as Nova.
 */
export function novaImageDoc(image: ImageRecord, base: string): Record<string, unknown> {
  const metadata = extraProperties(image);
  const instance = metadata["instance_uuid"];
  const diskConfig = metadata["auto_disk_config"];
  return {
    id: image.id,
    name: image.name,
    minRam: 0,
    minDisk: 0,
    metadata,
    created: novaTime(image.createdAt),
    updated: novaTime(image.updatedAt),
    status: "ACTIVE",
    progress: 100,
    links: novaImageLinks(image.id, base),
    "OS-EXT-IMG-SIZE:size": image.sizeBytes,
    ...(diskConfig === undefined ? {} : { "OS-DCF:diskConfig": diskConfig.toLowerCase() === "true" ? "AUTO" : "MANUAL" }),
    ...(instance === undefined
      ? {}
      : { server: { id: instance, links: [{ rel: "self", href: `${base}/v2.1/servers/${instance}` }, { rel: "bookmark", href: `${base}/servers/${instance}` }] } }),
  };
}

/** Nova's three image links; the alternate one is the image in the Image API (our Glance root is /image). */
export function novaImageLinks(id: string, base: string): Array<Record<string, string>> {
  return [
    { rel: "self", href: `${base}/v2.1/images/${id}` },
    { rel: "bookmark", href: `${base}/images/${id}` },
    { rel: "alternate", type: "application/vnd.openstack.image", href: `${base}/image/images/${id}` },
  ];
}
