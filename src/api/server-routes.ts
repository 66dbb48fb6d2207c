// /v2.1/servers: list, show, create, delete (Nova shapes, openstack-compat.md §5.2).
import { z } from "zod";
import type { ComputeApi, CreateServerRequest, NetworkRequest, ServerListFilter } from "../compute/contract.js";
import { mayWaitForDeploySlot } from "../compute/servers.js";
import { acceptsGzip, answerKey, type AnswerCache } from "./answer-cache.js";
import { sendFault } from "./errors.js";
import { baseUrl, callerOf, isAdmin, type ApiInstance } from "./request-context.js";
import { accessIp, base64Text, flavorRef, metadataSchema, novaBoolean, queryCount, queryFlag, serverCount, uuidParams, uuidRef } from "./schemas.js";
import { serverDetail, serverLinks, serverStatus, serverSummary } from "./server-view.js";
import { changesWindow, serverSort } from "./server-list-query.js";
import { TAGS_FROM } from "./server-detail-routes.js";
import type { ServerListFields, TagFilter } from "../store/store.js";

const tagList = z.string().min(1).max(60 * 50 + 49);

/** A parameter Nova reads as a list when repeated (sort_key, sort_dir, changes-since…). */
const repeatable = (max: number) => z.union([z.string().max(max), z.array(z.string().max(max)).max(16)]);

const listQuery = z.looseObject({
  /** A regular expression (compute/search-pattern.ts says how long and which syntax). */
  name: z.string().max(4096).optional(),
  all_tenants: queryFlag.optional(),
  limit: queryCount.optional(),
  marker: uuidRef.optional(),
  status: z.string().min(1).max(32).optional(),
  image: z.string().min(1).max(255).optional(),
  flavor: z.string().min(1).max(255).optional(),
  project_id: z.string().min(1).max(255).optional(),
  tenant_id: z.string().min(1).max(255).optional(),
  // 2.26: comma-separated tags; 2.73: locked (checked there, ignored below as Nova does).
  tags: tagList.optional(),
  "tags-any": tagList.optional(),
  "not-tags": tagList.optional(),
  "not-tags-any": tagList.optional(),
  locked: z.string().max(8).optional(),
  reservation_id: z.string().min(1).max(255).optional(),
  // Admin only (compute drops them for others, as Nova).
  host: z.string().max(255).optional(),
  node: z.string().max(4096).optional(),
  ip: z.string().min(1).max(64).optional(),
  ip6: z.string().min(1).max(64).optional(),
  "changes-since": repeatable(64).optional(),
  "changes-before": repeatable(64).optional(),
  sort_key: repeatable(64).optional(),
  sort_dir: repeatable(16).optional(),
});

type ListQuery = z.output<typeof listQuery>;

/** Nova's four tag filters (2.26), split on ','; undefined when none is given. */
function tagFilterOf(query: ListQuery, microversion: number): TagFilter | undefined {
  if (microversion < TAGS_FROM) return undefined;
  const split = (value: string | undefined) => (value === undefined ? undefined : value.split(","));
  const filter: TagFilter = {
    ...(query.tags === undefined ? {} : { all: split(query.tags) }),
    ...(query["tags-any"] === undefined ? {} : { any: split(query["tags-any"]) }),
    ...(query["not-tags"] === undefined ? {} : { notAll: split(query["not-tags"]) }),
    ...(query["not-tags-any"] === undefined ? {} : { notAny: split(query["not-tags-any"]) }),
  };
  return Object.keys(filter).length === 0 ? undefined : filter;
}

const LOCKED_FILTER_FROM = 73;

/** Nova's status filter, on the status a server shows (serverStatus); undefined without one. */
function statusTest(status: string | undefined): ((server: ServerListFields) => boolean) | undefined {
  const wanted = status?.toUpperCase();
  return wanted === undefined ? undefined : (server) => serverStatus(server.vmState, server.taskState) === wanted;
}

const IP6_FILTER_FROM = 5;

/** Nova's ip and ip6 (ip6 from 2.5, always for admins), both matched as Neutron's ip_address_substr. */
function ipTexts(query: ListQuery, microversion: number, admin: boolean): string[] | undefined {
  const texts = [query.ip, admin || microversion >= IP6_FILTER_FROM ? query.ip6 : undefined].filter((text): text is string => text !== undefined);
  return texts.length === 0 ? undefined : texts;
}

const networkEntry = z
  .object({
    uuid: z.string().min(1).max(255).optional(),
    fixed_ip: z.string().min(1).max(64).optional(),
    port: z.string().min(1).max(255).optional(),
    tag: z.string().max(60).optional(),
  })
  .strict();

// Nova's hints: `group` is the one that means something here; the others
// (same_host, query, …) have no meaning on bare metal and are accepted as Nova
// accepts hints its filters do not use.
const schedulerHints = z.looseObject({
  group: z.union([uuidRef, z.array(uuidRef).length(1).transform((ids) => ids[0] ?? "")]).optional(),
});

// Nova's block_device_mapping_v2, as far as registered volumes go: an existing
// volume (source and destination `volume`); images, snapshots, blanks and
// local disks have no meaning without Cinder and are refused by name below.
const bdmEntry = z.looseObject({
  source_type: z.enum(["volume", "image", "snapshot", "blank"]),
  destination_type: z.enum(["volume", "local"]).optional(),
  uuid: z.string().min(1).max(255).optional(),
  boot_index: z.union([z.number().int(), z.string().regex(/^-?[0-9]+$/).transform(Number), z.null()]).optional(),
  delete_on_termination: z.boolean().optional(),
});

const createBody = z
  .object({
    server: z
      .object({
        name: z.string().trim().min(1).max(255),
        // A UUID, or empty/null for boot from volume (Nova: image_id_or_empty_string).
        imageRef: z.union([uuidRef, z.literal("")]).nullable().optional(),
        flavorRef: z.union([flavorRef, z.number().int().nonnegative()]),
        networks: z.union([z.literal("none"), z.literal("auto"), z.array(networkEntry).max(32)]).optional(),
        key_name: z.string().min(1).max(255).nullable().optional(),
        user_data: base64Text.nullable().optional(),
        metadata: metadataSchema.optional(),
        availability_zone: z.string().min(1).max(255).nullable().optional(),
        adminPass: z.string().min(1).max(255).optional(),
        min_count: serverCount.optional(),
        max_count: serverCount.optional(),
        return_reservation_id: novaBoolean.optional(),
        hostname: z.string().min(1).max(255).optional(),
        accessIPv4: accessIp("ipv4").optional(),
        accessIPv6: accessIp("ipv6").optional(),
        // Only "default" exists without a network service (checked in compute).
        security_groups: z.array(z.object({ name: z.string().max(255) }).strict()).max(32).optional(),
        "OS-DCF:diskConfig": z.enum(["AUTO", "MANUAL"]).optional(),
        // Bare metal always gets a config drive here: any of Nova's boolean values is accepted.
        config_drive: z.union([novaBoolean, z.literal("")]).optional(),
        description: z.string().max(255).nullable().optional(),
        block_device_mapping_v2: z.array(bdmEntry).max(16).optional(),
      })
      .strict(),
    "os:scheduler_hints": schedulerHints.optional(),
    "OS-SCH-HNT:scheduler_hints": schedulerHints.optional(),
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

/** The volumes of a create, or the 400 text. */
function volumesOf(mappings: CreateBody["block_device_mapping_v2"]): NonNullable<CreateServerRequest["volumes"]> | string {
  const volumes: NonNullable<CreateServerRequest["volumes"]> = [];
  for (const mapping of mappings ?? []) {
    if (mapping.source_type !== "volume" || (mapping.destination_type ?? "volume") !== "volume" || mapping.uuid === undefined) {
      return "Block Device Mapping is Invalid: only existing volumes (source_type and destination_type 'volume', with a uuid) can be mapped here.";
    }
    if (mapping.delete_on_termination === true) return "Block Device Mapping is Invalid: registered volumes are never deleted with a server (delete_on_termination must be false).";
    const index = mapping.boot_index ?? null;
    volumes.push({ volumeId: mapping.uuid, bootIndex: index === null || index < 0 ? null : index });
  }
  return volumes;
}

function createRequest(server: CreateBody, hints: z.output<typeof schedulerHints> | undefined, volumes: NonNullable<CreateServerRequest["volumes"]>): CreateServerRequest {
  return {
    ...(volumes.length === 0 ? {} : { volumes }),
    ...(hints?.group === undefined ? {} : { groupId: hints.group }),
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
    ...(server.min_count === undefined ? {} : { minCount: server.min_count }),
    ...(server.max_count === undefined ? {} : { maxCount: server.max_count }),
    ...(server.accessIPv4 === undefined ? {} : { accessIPv4: server.accessIPv4 }),
    ...(server.accessIPv6 === undefined ? {} : { accessIPv6: server.accessIPv6 }),
    ...(server["OS-DCF:diskConfig"] === undefined ? {} : { diskConfig: server["OS-DCF:diskConfig"] }),
    ...(server.security_groups === undefined ? {} : { securityGroups: server.security_groups.map((group) => group.name) }),
  };
}

/** The link to the page after `lastId`, keeping every filter of this request. */
function nextLink(base: string, path: string, query: ListQuery, lastId: string | undefined): Array<{ rel: string; href: string }> {
  if (query.limit === undefined || lastId === undefined) return [];
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (key === "marker" || key === "limit") continue;
    if (typeof value === "boolean") params.set(key, value ? "1" : "0");
    else if (typeof value === "string" || typeof value === "number") params.set(key, String(value));
    else if (Array.isArray(value)) for (const item of value) if (typeof item === "string") params.append(key, item);
  }
  params.set("limit", String(query.limit));
  params.set("marker", lastId);
  return [{ rel: "next", href: `${base}/v2.1/${path}?${params.toString()}` }];
}

/** The raw query string of a URL ("" without one): part of a kept answer's key. */
function rawQuery(url: string): string {
  const at = url.indexOf("?");
  return at === -1 ? "" : url.slice(at + 1);
}

/** Fastify's own content type for an object it serializes: a kept answer is sent with the same. */
const JSON_TYPE = "application/json; charset=utf-8";

/** `lists`: whole list answers, kept while the store's view version stands (answer-cache.ts). */
export function registerServerRoutes(app: ApiInstance, compute: ComputeApi, lists: AnswerCache): void {
  for (const detailed of [false, true]) {
    const path = detailed ? "servers/detail" : "servers";
    app.get(`/${path}`, { config: { access: "reader" }, schema: { querystring: listQuery } }, async (request, reply) => {
      const { query } = request;
      const admin = isAdmin(request);
      if (query.all_tenants === true && !admin) {
        return sendFault(reply, 403, `Policy doesn't allow os_compute_api:servers:${detailed ? "detail" : "index"}:get_all_tenants to be performed.`);
      }
      const tags = tagFilterOf(query, request.microversion);
      let locked: boolean | undefined;
      if (query.locked !== undefined && request.microversion >= LOCKED_FILTER_FROM) {
        const parsed = queryFlag.safeParse(query.locked);
        if (!parsed.success) return sendFault(reply, 400, `Unrecognized value '${query.locked}', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'`);
        locked = parsed.data;
      }
      const sort = serverSort(query.sort_key, query.sort_dir, request.microversion, admin);
      const changes = changesWindow(query["changes-since"], query["changes-before"], request.microversion);
      const keep = statusTest(query.status);
      const ips = ipTexts(query, request.microversion, admin);
      // As Nova: tenant_id/project_id mean something only with all_tenants.
      const project = admin && query.all_tenants === true ? (query.project_id ?? query.tenant_id) : undefined;
      const filter: ServerListFilter = {
        sort,
        ...changes,
        ...(tags === undefined ? {} : { tags }),
        ...(locked === undefined ? {} : { locked }),
        ...(keep === undefined ? {} : { keep }),
        ...(ips === undefined ? {} : { ipContains: ips }),
        ...(project === undefined ? {} : { projectId: project }),
        ...(query.name === undefined ? {} : { name: query.name }),
        ...(query.image === undefined ? {} : { imageId: query.image }),
        ...(query.flavor === undefined ? {} : { flavorId: query.flavor }),
        ...(query.host === undefined ? {} : { host: query.host }),
        ...(query.node === undefined ? {} : { node: query.node }),
        ...(query.all_tenants === undefined ? {} : { allTenants: query.all_tenants }),
        ...(query.limit === undefined ? {} : { limit: query.limit }),
        ...(query.marker === undefined ? {} : { marker: query.marker }),
        ...(query.reservation_id === undefined ? {} : { reservationId: query.reservation_id }),
      };
      const caller = callerOf(request);
      const base = baseUrl(request);
      // Read before the rows (answer-cache.ts says why the order matters).
      const version = lists.enabled ? await compute.servers.viewVersion() : undefined;
      const key = answerKey({ path, query: rawQuery(request.url), base, microversion: request.microversion, projectId: caller.projectId, role: caller.role });
      const kept = version === undefined ? undefined : lists.get(key, version);
      // The answer varies by Accept-Encoding whether kept or not (for caches between).
      reply.header("vary", "Accept-Encoding");
      if (kept?.gzip !== undefined && acceptsGzip(request.headers["accept-encoding"])) {
        return reply.type(JSON_TYPE).header("content-encoding", "gzip").send(kept.gzip);
      }
      if (kept !== undefined) return reply.type(JSON_TYPE).send(kept.body);
      const servers = await compute.servers.list(caller, filter);
      const context = { base, microversion: request.microversion, admin };
      const full = filter.limit !== undefined && servers.length === filter.limit && servers.length > 0;
      const links = full ? nextLink(base, path, query, servers.at(-1)?.id) : [];
      const answer = {
        servers: servers.map((server) => (detailed ? serverDetail(server, context) : serverSummary(server, base))),
        ...(links.length > 0 ? { servers_links: links } : {}),
      };
      // A summary shows no queue position: kept whatever the servers do.
      if (version === undefined || (detailed && servers.some(mayWaitForDeploySlot))) return answer;
      const body = Buffer.from(JSON.stringify(answer));
      lists.set(key, version, body).catch((error: unknown) => {
        request.log.warn({ err: error }, "could not gzip a server list answer; it is kept plain");
      });
      return reply.type(JSON_TYPE).send(body);
    });
  }

  app.get("/servers/:id", { config: { access: "reader" }, schema: { params: uuidParams } }, async (request) => {
    const server = await compute.servers.get(callerOf(request), request.params.id);
    return { server: serverDetail(server, { base: baseUrl(request), microversion: request.microversion, admin: isAdmin(request), single: true }) };
  });

  app.post("/servers", { config: { access: "member" }, schema: { body: createBody } }, async (request, reply) => {
    const body = request.body.server;
    const volumes = volumesOf(body.block_device_mapping_v2);
    if (typeof volumes === "string") return sendFault(reply, 400, volumes);
    const server = await compute.servers.create(callerOf(request), createRequest(body, request.body["os:scheduler_hints"] ?? request.body["OS-SCH-HNT:scheduler_hints"], volumes));
    // Nova: with return_reservation_id the answer is the reservation alone (no Location).
    if (body.return_reservation_id === true) return reply.code(202).send({ reservation_id: server.reservationId });
    const base = baseUrl(request);
    return reply
      .code(202)
      .header("Location", `${base}/v2.1/servers/${server.id}`)
      .send({
        server: {
          id: server.id,
          links: serverLinks(base, server.id),
          "OS-DCF:diskConfig": server.diskConfig,
          security_groups: [{ name: "default" }],
          ...(server.adminPass === undefined ? {} : { adminPass: server.adminPass }),
        },
      });
  });

  app.delete("/servers/:id", { config: { access: "member" }, schema: { params: uuidParams } }, async (request, reply) => {
    await compute.servers.delete(callerOf(request), request.params.id);
    return reply.code(204).send();
  });
}
