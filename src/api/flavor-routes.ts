// /v2.1/flavors: list (summary and detail, with is_public/minRam/minDisk and
// limit/marker), show, admin create/delete, and Nova's os-extra_specs (read
// for everyone who sees the flavor, writes for admins) — where a flavor's
// scheduling data lives (compute/flavor-scheduling.ts).
import { z } from "zod";
import type { ComputeApi } from "../compute/contract.js";
import type { FlavorRecord } from "../store/records.js";
import { BadRequestError, NotFoundError } from "../compute/contract.js";
import { flavorDetail, flavorExtraSpecs, flavorSummary } from "./flavor-view.js";
import { baseUrl, callerOf, isAdmin, type ApiInstance } from "./request-context.js";
import { flavorParams, flavorRef, queryCount } from "./schemas.js";

const listQuery = z.looseObject({
  is_public: z.string().max(8).optional(),
  minRam: queryCount.optional(),
  minDisk: queryCount.optional(),
  limit: queryCount.optional(),
  marker: flavorRef.optional(),
});

/** Nova's extra spec key and value (schemas/flavors_extraspecs.py): numbers are taken and stored as text. */
const specKey = z.string().regex(/^[a-zA-Z0-9-_:. ]{1,255}$/, "an extra spec key: letters, digits, spaces and -_:. (1-255)");
const specValue = z.union([z.string().max(255), z.number().refine((n) => String(n).length <= 255, "at most 255 characters")]);
const specs = z.record(specKey, specValue);
const specsBody = z.object({ extra_specs: specs }).strict();
/** PUT …/os-extra_specs/{key}: exactly the one key. */
const specBody = specs.refine((body) => Object.keys(body).length === 1, "the body is one key and its value");
const specParams = z.object({ id: flavorRef, key: z.string().min(1).max(255) }).strict();

function asText(body: Readonly<Record<string, string | number>>): Record<string, string> {
  return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, String(value)]));
}

const createBody = z
  .object({
    flavor: z
      .object({
        name: z.string().trim().min(1).max(255),
        id: z.union([flavorRef, z.number().int().nonnegative()]).nullable().optional(),
        ram: z.number().int().min(0).max(1 << 30),
        vcpus: z.number().int().min(0).max(1 << 16),
        disk: z.number().int().min(0).max(1 << 30),
        "OS-FLV-EXT-DATA:ephemeral": z.number().int().min(0).max(1 << 30).optional(),
        swap: z.union([z.number().int().min(0).max(1 << 30), z.literal("")]).optional(),
        rxtx_factor: z.number().positive().optional(),
        "os-flavor-access:is_public": z.boolean().optional(),
        description: z.string().max(65_535).nullable().optional(),
      })
      .strict(),
  })
  .strict();

/**
 * Nova's _parse_is_public, for admins: absent means public only, "none" means
 * every flavor. Others always get the public flavors, whatever they ask for.
 */
function isPublicFilter(value: string | undefined, admin: boolean): boolean | undefined {
  if (!admin) return undefined;
  if (value === undefined) return true;
  const lower = value.toLowerCase();
  if (lower === "none") return undefined;
  if (["true", "t", "1", "yes", "y", "on"].includes(lower)) return true;
  if (["false", "f", "0", "no", "n", "off"].includes(lower)) return false;
  throw new BadRequestError(`Invalid is_public filter [${value.slice(0, 16)}]`);
}

function page(flavors: FlavorRecord[], marker: string | undefined, limit: number | undefined): FlavorRecord[] {
  let start = 0;
  if (marker !== undefined) {
    const index = flavors.findIndex((flavor) => flavor.id === marker);
    if (index < 0) throw new BadRequestError(`marker [${marker}] not found`);
    start = index + 1;
  }
  return flavors.slice(start, limit === undefined ? undefined : start + limit);
}

export function registerFlavorRoutes(app: ApiInstance, compute: ComputeApi): void {
  for (const detailed of [false, true]) {
    const path = detailed ? "flavors/detail" : "flavors";
    app.get(`/${path}`, { config: { access: "reader" }, schema: { querystring: listQuery } }, async (request) => {
      const { query } = request;
      const isPublic = isPublicFilter(query.is_public, isAdmin(request));
      const all = (await compute.flavors.list(callerOf(request))).filter(
        (flavor) =>
          (isPublic === undefined || flavor.isPublic === isPublic) &&
          flavor.ramMb >= (query.minRam ?? 0) &&
          flavor.diskGb >= (query.minDisk ?? 0),
      );
      const flavors = page(all, query.marker, query.limit);
      const base = baseUrl(request);
      const last = flavors.at(-1);
      const more = query.limit !== undefined && last !== undefined && flavors.length === query.limit;
      return {
        flavors: flavors.map((flavor) =>
          detailed ? flavorDetail(flavor, base, request.microversion) : flavorSummary(flavor, base, request.microversion),
        ),
        ...(more
          ? { flavors_links: [{ rel: "next", href: `${base}/v2.1/${path}?limit=${query.limit}&marker=${encodeURIComponent(last.id)}` }] }
          : {}),
      };
    });
  }

  app.get("/flavors/:id", { config: { access: "reader" }, schema: { params: flavorParams } }, async (request) => {
    const flavor = await compute.flavors.get(callerOf(request), request.params.id);
    return { flavor: flavorDetail(flavor, baseUrl(request), request.microversion) };
  });

  // Nova's os-extra_specs: answers 200 with the request's body on writes (not
  // 201/204), and a delete's 200 has no body.
  app.get("/flavors/:id/os-extra_specs", { config: { access: "reader" }, schema: { params: flavorParams } }, async (request) => {
    const flavor = await compute.flavors.get(callerOf(request), request.params.id);
    return { extra_specs: flavorExtraSpecs(flavor) };
  });

  app.post("/flavors/:id/os-extra_specs", { config: { access: "admin" }, schema: { params: flavorParams, body: specsBody } }, async (request) => {
    await compute.flavors.setExtraSpecs(callerOf(request), request.params.id, asText(request.body.extra_specs));
    return request.body;
  });

  app.get("/flavors/:id/os-extra_specs/:key", { config: { access: "reader" }, schema: { params: specParams } }, async (request) => {
    const { id, key } = request.params;
    const value = flavorExtraSpecs(await compute.flavors.get(callerOf(request), id))[key];
    if (value === undefined) throw new NotFoundError(`Flavor ${id} has no extra specs with key ${key}.`);
    return { [key]: value };
  });

  app.put("/flavors/:id/os-extra_specs/:key", { config: { access: "admin" }, schema: { params: specParams, body: specBody } }, async (request) => {
    const { id, key } = request.params;
    if (!Object.hasOwn(request.body, key)) throw new BadRequestError("Request body and URI mismatch");
    await compute.flavors.setExtraSpecs(callerOf(request), id, asText(request.body));
    return request.body;
  });

  app.delete("/flavors/:id/os-extra_specs/:key", { config: { access: "admin" }, schema: { params: specParams } }, async (request, reply) => {
    await compute.flavors.deleteExtraSpec(callerOf(request), request.params.id, request.params.key);
    return reply.code(200).send();
  });

  app.post("/flavors", { config: { access: "admin" }, schema: { body: createBody } }, async (request) => {
    const body = request.body.flavor;
    const flavor = await compute.flavors.create(callerOf(request), {
      ...(body.id === undefined || body.id === null ? {} : { id: String(body.id) }),
      name: body.name,
      description: body.description ?? "",
      // Nova's create takes no extra specs: they come after, through os-extra_specs.
      extraSpecs: {},
      vcpus: body.vcpus,
      ramMb: body.ram,
      diskGb: body.disk,
      ephemeralGb: body["OS-FLV-EXT-DATA:ephemeral"] ?? 0,
      swapMb: body.swap === undefined || body.swap === "" ? 0 : body.swap,
      isPublic: body["os-flavor-access:is_public"] ?? true,
    });
    return { flavor: flavorDetail(flavor, baseUrl(request), request.microversion) };
  });

  app.delete("/flavors/:id", { config: { access: "admin" }, schema: { params: flavorParams } }, async (request, reply) => {
    await compute.flavors.delete(callerOf(request), request.params.id);
    return reply.code(202).send();
  });
}
