// Nova's image proxy: GET /v2.1/images, /images/detail and /images/{id} in
// Nova's image format below compute microversion 2.36, 404 from 2.36 (Nova
// removed the proxy there).
//
// /v2.1/images and /v2.1/images/{id} are also where single-URL clients find the
// Glance-format Image API (openstack-compat.md, shape A: openstacksdk sends
// its Image API calls there, with no compute microversion header). Both are
// served, told apart by that header: a request naming a compute microversion
// is Nova's proxy's, one naming none is Glance's. /images/detail exists only
// in Nova's API, so there no header means Nova's default, 2.1.
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { NotFoundError, type ComputeApi } from "../compute/contract.js";
import type { ImageRecord } from "../store/records.js";
import { sendFault } from "./errors.js";
import { extraProperties, novaImageDoc, novaImageLinks } from "./image-view.js";
import { applyMicroversion, explicitMicroversion, MIN_MICROVERSION, outsideVersion } from "./microversion.js";
import { pageOf } from "./paging.js";
import { baseUrl, callerOf } from "./request-context.js";
import { queryCount, uuidRef } from "./schemas.js";

/** The last microversion with the image proxy (Nova: 2.35). */
export const IMAGE_PROXY_UNTIL = 35;

const nonNegative = z.string().regex(/^\d{1,9}$/, "must be a non-negative integer").transform(Number);

/** Nova's image filters (its SUPPORTED_FILTERS) and paging. */
const novaQuery = z.looseObject({
  name: z.string().max(255).optional(),
  status: z.string().max(64).optional(),
  server: z.string().max(2_048).optional(),
  type: z.string().max(64).optional(),
  minRam: nonNegative.optional(),
  minDisk: nonNegative.optional(),
  "changes-since": z.iso.datetime({ offset: true }).optional(),
  limit: queryCount.optional(),
  marker: uuidRef.optional(),
});

type NovaQuery = z.output<typeof novaQuery>;

/**
 * Whether this request is for Nova's proxy: "glance" (no compute microversion
 * on a shared path), "nova" (its microversion applied), or the answer already
 * sent (400/406 for a malformed or unsupported version, 404 from 2.36).
 */
export function imageProxyRequest(request: FastifyRequest, reply: FastifyReply, path: "shared" | "nova-only"): "glance" | "nova" | FastifyReply {
  const asked = explicitMicroversion(request);
  if (asked === undefined && path === "shared") return "glance";
  const result = asked ?? { ok: true as const, minor: MIN_MICROVERSION };
  if (!result.ok) return sendFault(reply, result.status, result.message);
  applyMicroversion(request, reply, result.minor);
  if (result.minor > IMAGE_PROXY_UNTIL) return outsideVersion(reply);
  return "nova";
}

/** Nova's filters on what it reads from the image service. */
function matches(image: ImageRecord, query: NovaQuery): boolean {
  const metadata = extraProperties(image);
  // Nova's `server` filter may be a server's URL: its last segment is the id.
  const server = query.server?.split("/").at(-1);
  return (
    (query.name === undefined || image.name === query.name) &&
    (query.status === undefined || query.status.toLowerCase() === "active") &&
    (server === undefined || metadata["instance_uuid"] === server) &&
    (query.type === undefined || metadata["image_type"] === query.type) &&
    // Every image here needs 0 MB and 0 GB at least.
    (query.minRam === undefined || query.minRam <= 0) &&
    (query.minDisk === undefined || query.minDisk <= 0) &&
    (query["changes-since"] === undefined || Date.parse(image.updatedAt) >= Date.parse(query["changes-since"]))
  );
}

/** GET /v2.1/images (detail: false) and /v2.1/images/detail in Nova's format. */
export async function novaImageList(compute: ComputeApi, request: FastifyRequest, reply: FastifyReply, detail: boolean): Promise<FastifyReply> {
  // The raw query: on the shared path Glance's schema has already transformed request.query.
  const raw = Object.fromEntries(new URLSearchParams(request.url.split("?")[1] ?? ""));
  const parsed = novaQuery.safeParse(raw);
  if (!parsed.success) return sendFault(reply, 400, `Invalid input for query parameters: ${parsed.error.issues[0]?.message ?? "invalid value"}`);
  const query = parsed.data;
  const all = await compute.images.list(callerOf(request), {});
  const images = pageOf(all, { marker: query.marker, limit: query.limit }, (image) => matches(image, query));
  const base = baseUrl(request);
  const last = images.at(-1);
  const more = query.limit !== undefined && last !== undefined && images.length === query.limit;
  const path = detail ? "images/detail" : "images";
  return reply.send({
    images: images.map((image) => (detail ? novaImageDoc(image, base) : { id: image.id, name: image.name, links: novaImageLinks(image.id, base) })),
    ...(more ? { images_links: [{ rel: "next", href: `${base}/v2.1/${path}?${new URLSearchParams({ limit: String(query.limit), marker: last.id }).toString()}` }] } : {}),
  });
}

/** GET /v2.1/images/{id} in Nova's format; Nova's 404 text for an image the caller cannot see. */
export async function novaImageShow(compute: ComputeApi, request: FastifyRequest, reply: FastifyReply, id: string): Promise<FastifyReply> {
  const image = await compute.images.get(callerOf(request), id).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
  if (image === undefined) return sendFault(reply, 404, "Image not found.");
  return reply.send({ image: novaImageDoc(image, baseUrl(request)) });
}
