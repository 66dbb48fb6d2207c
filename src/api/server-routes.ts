// /v2.1/servers: list, show, create, delete (Nova shapes, openstack-compat.md §5.2).
import { z } from "zod";
import type { ComputeApi, CreateServerRequest, NetworkRequest, ServerListFilter } from "../compute/contract.js";
import { sendFault } from "./errors.js";
import { baseUrl, callerOf, isAdmin, type ApiInstance } from "./request-context.js";
import { base64Text, idParams, looseCount, metadataSchema, queryCount, queryFlag } from "./schemas.js";
import { serverDetail, serverLinks, serverSummary } from "./server-view.js";

const listQuery = z.looseObject({
  name: z.string().max(255).optional(),
  all_tenants: queryFlag.optional(),
  limit: queryCount.optional(),
  marker: z.string().min(1).max(255).optional(),
});

const networkEntry = z
  .object({
    uuid: z.string().min(1).max(255).optional(),
    fixed_ip: z.string().min(1).max(64).optional(),
    port: z.string().min(1).max(255).optional(),
    tag: z.string().max(60).optional(),
  })
  .strict();

const createBody = z
  .object({
    server: z
      .object({
        name: z.string().trim().min(1).max(255),
        imageRef: z.string().max(255).nullable().optional(),
        flavorRef: z.union([z.string().min(1).max(255), z.number().int().nonnegative()]),
        networks: z.union([z.literal("none"), z.literal("auto"), z.array(networkEntry).max(32)]).optional(),
        key_name: z.string().min(1).max(255).nullable().optional(),
        user_data: base64Text.nullable().optional(),
        metadata: metadataSchema.optional(),
        availability_zone: z.string().min(1).max(255).nullable().optional(),
        adminPass: z.string().min(1).max(255).optional(),
        min_count: looseCount.optional(),
        max_count: looseCount.optional(),
        hostname: z.string().min(1).max(255).optional(),
        // Accepted and ignored: what clients send that has no meaning here.
        security_groups: z.array(z.object({ name: z.string().max(255) }).strict()).optional(),
        "OS-DCF:diskConfig": z.enum(["AUTO", "MANUAL"]).optional(),
        config_drive: z.union([z.boolean(), z.string().max(8)]).optional(),
        description: z.string().max(255).nullable().optional(),
      })
      .strict(),
    "os:scheduler_hints": z.record(z.string(), z.unknown()).optional(),
    "OS-SCH-HNT:scheduler_hints": z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

type CreateBody = z.output<typeof createBody>["server"];

function networksOf(networks: CreateBody["networks"]): NetworkRequest {
  if (networks === undefined) return "auto";
  if (networks === "none" || networks === "auto") return networks;
  return networks.map((entry) => ({
    ...(entry.uuid === undefined ? {} : { uuid: entry.uuid }),
    ...(entry.fixed_ip === undefined ? {} : { fixedIp: entry.fixed_ip }),
    ...(entry.port === undefined ? {} : { port: entry.port }),
  }));
}

function createRequest(server: CreateBody): CreateServerRequest {
  return {
    name: server.name,
    flavorRef: String(server.flavorRef),
    imageRef: server.imageRef === undefined || server.imageRef === null || server.imageRef === "" ? null : server.imageRef,
    networks: networksOf(server.networks),
    ...(server.key_name == null ? {} : { keyName: server.key_name }),
    ...(server.user_data == null ? {} : { userData: server.user_data }),
    ...(server.metadata === undefined ? {} : { metadata: server.metadata }),
    ...(server.availability_zone == null ? {} : { availabilityZone: server.availability_zone }),
    ...(server.adminPass === undefined ? {} : { adminPass: server.adminPass }),
    ...(server.hostname === undefined ? {} : { hostname: server.hostname }),
  };
}

function nextLink(base: string, path: string, filter: ServerListFilter, lastId: string | undefined): Array<{ rel: string; href: string }> {
  if (filter.limit === undefined || lastId === undefined) return [];
  const query = new URLSearchParams({ limit: String(filter.limit), marker: lastId });
  if (filter.name !== undefined) query.set("name", filter.name);
  if (filter.allTenants === true) query.set("all_tenants", "1");
  return [{ rel: "next", href: `${base}/v2.1/${path}?${query.toString()}` }];
}

export function registerServerRoutes(app: ApiInstance, compute: ComputeApi): void {
  for (const detailed of [false, true]) {
    const path = detailed ? "servers/detail" : "servers";
    app.get(`/${path}`, { config: { access: "reader" }, schema: { querystring: listQuery } }, async (request) => {
      const filter: ServerListFilter = {
        ...(request.query.name === undefined ? {} : { name: request.query.name }),
        ...(request.query.all_tenants === undefined ? {} : { allTenants: request.query.all_tenants }),
        ...(request.query.limit === undefined ? {} : { limit: request.query.limit }),
        ...(request.query.marker === undefined ? {} : { marker: request.query.marker }),
      };
      const servers = await compute.servers.list(callerOf(request), filter);
      const base = baseUrl(request);
      const context = { base, microversion: request.microversion, admin: isAdmin(request) };
      const full = filter.limit !== undefined && servers.length === filter.limit && servers.length > 0;
      const links = full ? nextLink(base, path, filter, servers.at(-1)?.id) : [];
      return {
        servers: servers.map((server) => (detailed ? serverDetail(server, context) : serverSummary(server, base))),
        ...(links.length > 0 ? { servers_links: links } : {}),
      };
    });
  }

  app.get("/servers/:id", { config: { access: "reader" }, schema: { params: idParams } }, async (request) => {
    const server = await compute.servers.get(callerOf(request), request.params.id);
    return { server: serverDetail(server, { base: baseUrl(request), microversion: request.microversion, admin: isAdmin(request) }) };
  });

  app.post("/servers", { config: { access: "member" }, schema: { body: createBody } }, async (request, reply) => {
    const body = request.body.server;
    if ((body.min_count ?? 1) > 1 || (body.max_count ?? 1) > 1) {
      return sendFault(reply, 400, "Creating several servers in one request is not supported; set min_count and max_count to 1.");
    }
    const server = await compute.servers.create(callerOf(request), createRequest(body));
    const base = baseUrl(request);
    return reply
      .code(202)
      .header("Location", `${base}/v2.1/servers/${server.id}`)
      .send({
        server: {
          id: server.id,
          links: serverLinks(base, server.id),
          "OS-DCF:diskConfig": "MANUAL",
          security_groups: [{ name: "default" }],
          ...(body.adminPass === undefined ? {} : { adminPass: body.adminPass }),
        },
      });
  });

  app.delete("/servers/:id", { config: { access: "member" }, schema: { params: idParams } }, async (request, reply) => {
    await compute.servers.delete(callerOf(request), request.params.id);
    return reply.code(204).send();
  });
}
