// The Image API v2 subset the OpenStack clients use (openstack-compat.md §5.3),
// mounted at /image/v2 and, for single-URL clients, under /v2.1 as well —
// where Nova's image proxy shares its GET paths (nova-image-proxy.ts: a request
// with a compute microversion header gets Nova's format).
// Image documents are Glance's: unwrapped on show, relative `self`/`next` links.
import type { FastifyPluginCallbackZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ComputeApi } from "../compute/contract.js";
import { sendFault } from "./errors.js";
import { CORE_FIELDS, imageDoc } from "./image-view.js";
import { imageProxyRequest, novaImageList, novaImageShow } from "./nova-image-proxy.js";
import { pageOf } from "./paging.js";
import { callerOf, isAdmin, unversioned } from "./request-context.js";
import { queryCount, uuidParams, uuidRef } from "./schemas.js";

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

function propertiesOf(body: CreateBody): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!CORE_FIELDS.has(key) && typeof value === "string") properties[key] = value;
  }
  return properties;
}

export interface ImageRoutesOptions {
  /** Under /v2.1: Nova's image proxy answers the requests that name a compute microversion, and /images/detail. */
  novaProxy?: boolean;
}

export function imageRoutes(compute: ComputeApi, options: ImageRoutesOptions = {}): FastifyPluginCallbackZod {
  const proxy = options.novaProxy === true;
  return (app, _options, done) => {
    // The Image API has no compute microversions, also when mounted under /v2.1
    // (the Nova proxy parses its own, nova-image-proxy.ts).
    unversioned(app);
    if (proxy) {
      app.get("/images/detail", { config: { access: "reader" } }, async (request, reply) => {
        const decision = imageProxyRequest(request, reply, "nova-only");
        return decision === "nova" ? novaImageList(compute, request, reply, true) : decision;
      });
    }

    app.get("/images", { config: { access: "reader" }, schema: { querystring: listQuery } }, async (request, reply) => {
      if (proxy) {
        const decision = imageProxyRequest(request, reply, "shared");
        if (decision === "nova") return novaImageList(compute, request, reply, false);
        if (decision !== "glance") return decision;
      }
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

    app.get("/images/:id", { config: { access: "reader" }, schema: { params: uuidParams } }, async (request, reply) => {
      if (proxy) {
        const decision = imageProxyRequest(request, reply, "shared");
        if (decision === "nova") return novaImageShow(compute, request, reply, request.params.id);
        if (decision !== "glance") return decision;
      }
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
