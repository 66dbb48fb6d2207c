// The Image API v2 subset the OpenStack clients use (openstack-compat.md §5.3),
// mounted at /image/v2 and, for single-URL clients, under /v2.1 as well.
// Image documents are Glance's: unwrapped on show, relative `self`/`next` links.
import type { FastifyPluginCallbackZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ComputeApi } from "../compute/contract.js";
import type { ImageRecord } from "../store/records.js";
import { sendFault } from "./errors.js";
import { pageOf } from "./paging.js";
import { callerOf, isAdmin, unversioned } from "./request-context.js";
import { queryCount, uuidParams, uuidRef } from "./schemas.js";

const CORE_FIELDS = new Set([
  "id", "name", "status", "visibility", "protected", "os_hidden", "tags", "container_format", "disk_format",
  "min_disk", "min_ram", "size", "virtual_size", "checksum", "os_hash_algo", "os_hash_value", "owner",
  "created_at", "updated_at", "self", "file", "schema", "direct_url", "locations", "url", "properties",
]);

const listQuery = z.looseObject({
  name: z.string().max(255).optional(),
  limit: queryCount.optional(),
  marker: uuidRef.optional(),
  // Glance's filters; `all` and `shared` list everything visible (no sharing here).
  visibility: z.enum(["public", "private", "shared", "community", "all"]).optional(),
  owner: z.string().min(1).max(255).optional(),
});

const createBody = z
  .object({
    id: z.uuid().optional(),
    name: z.string().trim().min(1).max(255),
    /** Where Ironic downloads the image from (ironic-compute's own field). */
    url: z.url({ protocol: /^https?$/ }).max(2_048),
    disk_format: z.enum(["qcow2", "raw", "vmdk", "vdi", "vhd", "vhdx", "iso", "ploop", "aki", "ari", "ami"]).optional(),
    container_format: z.enum(["bare", "ovf", "ova", "aki", "ari", "ami", "docker", "compressed"]).optional(),
    visibility: z.enum(["public", "private"]).optional(),
    checksum: z.string().regex(/^[0-9a-f]{32}$/, "an MD5 hex digest").optional(),
    os_hash_algo: z.enum(["sha256", "sha512"]).optional(),
    os_hash_value: z.string().regex(/^[0-9a-f]{64,128}$/, "a hex digest").optional(),
    size: z.number().int().nonnegative().optional(),
    owner: z.string().min(1).max(255).optional(),
  })
  // Like Glance, any other string-valued key is an image property.
  .catchall(z.string().max(255))
  .refine((body) => (body.os_hash_algo === undefined) === (body.os_hash_value === undefined), {
    message: "os_hash_algo and os_hash_value go together",
  });

type CreateBody = z.output<typeof createBody>;

export function imageDoc(image: ImageRecord, admin: boolean): Record<string, unknown> {
  const properties = Object.fromEntries(Object.entries(image.properties).filter(([key]) => !CORE_FIELDS.has(key)));
  return {
    ...properties,
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

function propertiesOf(body: CreateBody): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!CORE_FIELDS.has(key) && typeof value === "string") properties[key] = value;
  }
  return properties;
}

export function imageRoutes(compute: ComputeApi): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    // The Image API has no compute microversions, also when mounted under /v2.1.
    unversioned(app);
    app.get("/images", { config: { access: "reader" }, schema: { querystring: listQuery } }, async (request) => {
      const { name, limit, marker, owner } = request.query;
      const visibility = request.query.visibility === "all" || request.query.visibility === "shared" ? undefined : request.query.visibility;
      const filtered = visibility !== undefined || owner !== undefined;
      const listed = await compute.images.list(callerOf(request), {
        ...(name === undefined ? {} : { name }),
        ...(limit === undefined || filtered ? {} : { limit }),
        ...(marker === undefined || filtered ? {} : { marker }),
      });
      const images = filtered
        ? pageOf(
            listed,
            { marker, limit },
            (image) =>
              // No image is "community" here.
              (visibility === undefined || (visibility !== "community" && image.visibility === visibility)) &&
              (owner === undefined || image.ownerProjectId === owner),
          )
        : listed;
      const last = images.at(-1);
      let next: string | undefined;
      if (limit !== undefined && last !== undefined && images.length === limit) {
        const query = new URLSearchParams({ marker: last.id, limit: String(limit) });
        if (name !== undefined) query.set("name", name);
        if (request.query.visibility !== undefined) query.set("visibility", request.query.visibility);
        if (owner !== undefined) query.set("owner", owner);
        next = `/v2/images?${query.toString()}`;
      }
      return {
        images: images.map((image) => imageDoc(image, isAdmin(request))),
        first: "/v2/images",
        schema: "/v2/schemas/images",
        ...(next === undefined ? {} : { next }),
      };
    });

    app.get("/images/:id", { config: { access: "reader" }, schema: { params: uuidParams } }, async (request) => {
      return imageDoc(await compute.images.get(callerOf(request), request.params.id), isAdmin(request));
    });

    app.post("/images", { config: { access: "admin" }, schema: { body: createBody } }, async (request, reply) => {
      const caller = callerOf(request);
      const body = request.body;
      const visibility = body.visibility ?? "public";
      const image = await compute.images.create(caller, {
        ...(body.id === undefined ? {} : { id: body.id }),
        name: body.name,
        url: body.url,
        checksum: body.checksum ?? null,
        osHashAlgo: body.os_hash_algo ?? null,
        osHashValue: body.os_hash_value ?? null,
        diskFormat: body.disk_format ?? "qcow2",
        visibility,
        ownerProjectId: body.owner ?? caller.projectId,
        sizeBytes: body.size ?? null,
        properties: propertiesOf(body),
      });
      return reply.code(201).send(imageDoc(image, true));
    });

    // `openstack image create` uploads stdin when it is not a terminal (empty in
    // scripts). There is no image store here: Ironic downloads `url`. An empty
    // upload is accepted as a no-op; data is refused.
    app.addContentTypeParser("application/octet-stream", { parseAs: "buffer" }, (_request, body, done) => {
      done(null, body);
    });
    app.put("/images/:id/file", { config: { access: "admin" }, schema: { params: uuidParams } }, async (request, reply) => {
      await compute.images.get(callerOf(request), request.params.id);
      const size = Buffer.isBuffer(request.body) ? request.body.length : 0;
      if (size > 0) {
        return sendFault(reply, 400, "ironic-compute stores no image data: create the image with a 'url' property that Ironic downloads.");
      }
      return reply.code(204).send();
    });

    app.delete("/images/:id", { config: { access: "admin" }, schema: { params: uuidParams } }, async (request, reply) => {
      await compute.images.delete(callerOf(request), request.params.id);
      return reply.code(204).send();
    });
    done();
  };
}
