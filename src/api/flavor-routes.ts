// /v2.1/flavors: list (summary and detail, with is_public/minRam/minDisk and
// limit/marker), show, os-extra_specs, and admin create/delete.
import { z } from "zod";
import type { ComputeApi } from "../compute/contract.js";
import type { FlavorRecord } from "../store/records.js";
import { BadRequestError } from "../compute/contract.js";
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

const traitName = z.string().regex(/^[A-Z0-9_]{1,255}$/, "traits are upper-case letters, digits and _");

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
        // ironic-compute's own fields: how the flavor schedules on Ironic nodes.
        resource_class: z.string().min(1).max(255),
        required_traits: z.array(traitName).max(64).optional(),
        forbidden_traits: z.array(traitName).max(64).optional(),
        capabilities: z.record(z.string().min(1).max(255), z.string().max(255)).optional(),
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

  app.get("/flavors/:id/os-extra_specs", { config: { access: "reader" }, schema: { params: flavorParams } }, async (request) => {
    const flavor = await compute.flavors.get(callerOf(request), request.params.id);
    return { extra_specs: flavorExtraSpecs(flavor) };
  });

  app.post("/flavors", { config: { access: "admin" }, schema: { body: createBody } }, async (request) => {
    const body = request.body.flavor;
    const flavor = await compute.flavors.create(callerOf(request), {
      ...(body.id === undefined || body.id === null ? {} : { id: String(body.id) }),
      name: body.name,
      description: body.description ?? "",
      resourceClass: body.resource_class,
      requiredTraits: body.required_traits ?? [],
      forbiddenTraits: body.forbidden_traits ?? [],
      capabilities: body.capabilities ?? {},
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
