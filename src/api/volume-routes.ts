// The Block Storage API v3 subset the OpenStack clients use for registered
// volumes (issue 13; docs/volumes.md), mounted at /volume/v3/{project_id} as
// Cinder's catalog URL has it, and at /volume/v3 as well. Cinder's shapes:
// volumes wrapped in `volume`/`volumes`, times without a zone, `bootable` as a
// string, faults `{"itemNotFound": {"code", "message"}}` (errors.ts).
//
// Registration is Cinder's create body plus ours: `volume.project_id` (a
// project, or null for a shared volume), `volume.bootable` and
// `volume.connection` (the target) — or, for clients that only pass metadata
// (`openstack volume create --property`), the same as `ironic_compute:*`
// metadata keys, which are taken out of the metadata. The CHAP secret comes in
// as `connection.auth_password` and is never answered: a volume shows
// `auth_method: CHAP` and the user name, to admins only.
import type { FastifyPluginCallbackZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ComputeApi, VolumeRegistration, VolumeView } from "../compute/contract.js";
import type { VolumeTarget } from "../store/records.js";
import { sendFault } from "./errors.js";
import { baseUrl, callerOf, isAdmin, unversioned, type ApiInstance } from "./request-context.js";
import { queryCount, queryFlag, uuidRef } from "./schemas.js";

/** The one microversion served: 3.0 (no microversioned fields). */
export const VOLUME_API_VERSION = "3.0";
/** The metadata key prefix that carries registration fields. */
export const REGISTRATION_PREFIX = "ironic_compute:";

const projectSegment = z.string().min(1).max(64).regex(/^[0-9a-zA-Z_-]+$/);
const idParams = z.object({ id: uuidRef, project_id: projectSegment.optional() }).strict();
const projectParams = z.object({ project_id: projectSegment.optional() }).strict();
const quotaParams = z.object({ project_id: projectSegment.optional(), target: projectSegment }).strict();

const listQuery = z.looseObject({
  name: z.string().max(255).optional(),
  status: z.string().max(32).optional(),
  all_tenants: queryFlag.optional(),
  limit: queryCount.optional(),
  marker: uuidRef.optional(),
});

const portal = z.string().min(3).max(261).regex(/^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "must be host:port");
const iqn = z.string().min(4).max(223).regex(/^(?:iqn\.\d{4}-\d{2}\.[^\s]+|eui\.[0-9A-Fa-f]{16}|naa\.[0-9A-Fa-f]{16,32})$/, "must be an iSCSI qualified name");
const wwn = z.string().regex(/^(?:[0-9a-fA-F]{2}:?){7}[0-9a-fA-F]{2}$/, "must be a WWN (16 hex digits)").transform((value) => value.replaceAll(":", "").toLowerCase());
const lun = z.number().int().min(0).max(16_383);
const chapText = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

const connection = z.discriminatedUnion("protocol", [
  z
    .object({
      protocol: z.literal("iscsi"),
      target_portals: z.array(portal).min(1).max(8),
      target_iqn: iqn,
      target_lun: lun,
      auth_username: chapText.optional(),
      auth_password: z.string().min(12).max(255).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces, 12 to 255 characters").optional(),
    })
    .strict(),
  z.object({ protocol: z.literal("fibre_channel"), target_wwns: z.array(wwn).min(1).max(16), target_lun: lun }).strict(),
]);

const metadata = z.record(z.string().min(1).max(255), z.string().max(255)).refine((items) => Object.keys(items).length <= 64, "at most 64 items");

/** Cinder's create body; what a registration cannot be (a copy, an image) must be absent or null. */
const createBody = z.looseObject({
  volume: z.looseObject({
    name: z.string().max(255).nullable().optional(),
    description: z.string().max(255).nullable().optional(),
    size: z.union([z.number().int(), z.string().regex(/^\d{1,9}$/).transform(Number)]).pipe(z.number().int().min(1).max(1_048_576)),
    metadata: metadata.nullable().optional(),
    project_id: projectSegment.nullable().optional(),
    bootable: z.boolean().optional(),
    connection: connection.optional(),
    snapshot_id: z.null().optional(),
    source_volid: z.null().optional(),
    imageRef: z.null().optional(),
    backup_id: z.null().optional(),
  }),
});

const updateBody = z.object({ volume: z.looseObject({ name: z.string().max(255).nullable().optional(), description: z.string().max(255).nullable().optional() }) }).strict();

/** Cinder's time format: microseconds, no zone ("2026-12-02T01:00:00.000000"). */
export function cinderTime(iso: string): string {
  return iso.replace(/\.(\d{3})Z$/, ".$1000");
}

type Connection = z.output<typeof connection>;

function targetOf(body: Connection): { target: VolumeTarget; chapSecret?: string } {
  if (body.protocol === "fibre_channel") return { target: { protocol: "fibre_channel", wwns: body.target_wwns, lun: body.target_lun } };
  return {
    target: { protocol: "iscsi", portals: body.target_portals, iqn: body.target_iqn, lun: body.target_lun, chapUsername: body.auth_username ?? null },
    ...(body.auth_password === undefined ? {} : { chapSecret: body.auth_password }),
  };
}

const list = (text: string | undefined): string[] | undefined => text?.split(",").map((item) => item.trim()).filter((item) => item !== "");

/**
 * The registration fields carried as `ironic_compute:*` metadata, parsed as the
 * body's fields would be; the remaining metadata. A string is the 400 text
 * (never quoting a value: one of them may be the CHAP secret).
 */
function fromMetadata(items: Record<string, string>): { fields: Record<string, unknown>; rest: Record<string, string> } | string {
  const own = new Map<string, string>();
  const rest: Record<string, string> = {};
  for (const [key, value] of Object.entries(items)) {
    if (key.startsWith(REGISTRATION_PREFIX)) own.set(key.slice(REGISTRATION_PREFIX.length), value);
    else rest[key] = value;
  }
  if (own.size === 0) return { fields: {}, rest };
  const known = new Set(["protocol", "target_portals", "target_iqn", "target_lun", "target_wwns", "auth_username", "auth_password", "project_id", "bootable"]);
  for (const key of own.keys()) if (!known.has(key)) return `Invalid input for field/attribute metadata: unknown key ${REGISTRATION_PREFIX}${key}`;
  const lunText = own.get("target_lun");
  const raw = {
    protocol: own.get("protocol"),
    target_portals: list(own.get("target_portals")),
    target_iqn: own.get("target_iqn"),
    target_lun: lunText === undefined || !/^\d{1,5}$/.test(lunText) ? lunText : Number(lunText),
    target_wwns: list(own.get("target_wwns")),
    auth_username: own.get("auth_username"),
    auth_password: own.get("auth_password"),
  };
  const parsed = connection.safeParse(Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined)));
  if (!parsed.success) return `Invalid input for field/attribute metadata: ${REGISTRATION_PREFIX}* does not describe an iSCSI or FC target (${parsed.error.issues.map((issue) => issue.path.join(".")).join(", ")})`;
  const project = own.get("project_id");
  const bootable = own.get("bootable");
  if (bootable !== undefined && !["true", "false"].includes(bootable)) return `Invalid input for field/attribute metadata: ${REGISTRATION_PREFIX}bootable must be true or false`;
  if (project !== undefined && project !== "shared" && !projectSegment.safeParse(project).success) return `Invalid input for field/attribute metadata: ${REGISTRATION_PREFIX}project_id must be a project id or "shared"`;
  return {
    fields: {
      connection: parsed.data,
      ...(project === undefined ? {} : { project_id: project === "shared" ? null : project }),
      ...(bootable === undefined ? {} : { bootable: bootable === "true" }),
    },
    rest,
  };
}

type CreateBody = z.output<typeof createBody>["volume"];

/** The registration the body asks for, or the 400 text. */
function registrationOf(body: CreateBody): VolumeRegistration | string {
  const extracted = fromMetadata(body.metadata ?? {});
  if (typeof extracted === "string") return extracted;
  const { fields, rest } = extracted;
  if (fields["connection"] !== undefined && (body.connection !== undefined || body.project_id !== undefined || body.bootable !== undefined)) {
    return `Invalid input for field/attribute volume: give the registration either as volume.connection/project_id/bootable or as ${REGISTRATION_PREFIX}* metadata, not both`;
  }
  const conn = (fields["connection"] as Connection | undefined) ?? body.connection;
  if (conn === undefined) return "Invalid input for field/attribute volume: 'connection' is a required property (ironic-compute registers existing iSCSI or FC volumes; see docs/volumes.md)";
  const projectId = "project_id" in fields ? (fields["project_id"] as string | null) : body.project_id;
  if (projectId === undefined) return "Invalid input for field/attribute volume: 'project_id' is a required property (a project id, or null for a shared volume)";
  const name = body.name ?? "";
  if (name === "") return "Invalid input for field/attribute volume: 'name' is a required property";
  return {
    name,
    description: body.description ?? "",
    sizeGb: body.size,
    projectId,
    bootable: (fields["bootable"] as boolean | undefined) ?? body.bootable ?? false,
    metadata: rest,
    ...targetOf(conn),
  };
}

/** What an admin sees of the target: everything but the secret. */
function connectionDoc(volume: VolumeView): Record<string, unknown> {
  const { target } = volume;
  if (target.protocol === "fibre_channel") return { protocol: target.protocol, target_wwns: target.wwns, target_lun: target.lun };
  return {
    protocol: target.protocol,
    target_portals: target.portals,
    target_iqn: target.iqn,
    target_lun: target.lun,
    ...(target.chapUsername === null ? {} : { auth_method: "CHAP", auth_username: target.chapUsername }),
  };
}

function volumeLinks(base: string, projectId: string, id: string): Array<{ href: string; rel: string }> {
  return [
    { href: `${base}/volume/v3/${projectId}/volumes/${id}`, rel: "self" },
    { href: `${base}/volume/${projectId}/volumes/${id}`, rel: "bookmark" },
  ];
}

export function volumeDoc(volume: VolumeView, context: { base: string; projectId: string; admin: boolean }): Record<string, unknown> {
  const attachment = volume.attachment;
  return {
    id: volume.id,
    name: volume.name,
    description: volume.description,
    size: volume.sizeGb,
    status: volume.status,
    bootable: volume.bootable ? "true" : "false",
    attachments:
      attachment === null
        ? []
        : [{ id: volume.id, attachment_id: attachment.id, volume_id: volume.id, server_id: attachment.serverId, host_name: null, device: null, attached_at: cinderTime(attachment.attachedAt) }],
    availability_zone: "nova",
    created_at: cinderTime(volume.createdAt),
    updated_at: cinderTime(volume.updatedAt),
    encrypted: false,
    multiattach: false,
    metadata: volume.metadata,
    volume_type: null,
    snapshot_id: null,
    source_volid: null,
    consistencygroup_id: null,
    replication_status: null,
    user_id: null,
    "os-vol-tenant-attr:tenant_id": volume.projectId,
    links: volumeLinks(context.base, context.projectId, volume.id),
    ...(context.admin ? { "os-vol-host-attr:host": null, migration_status: null, "ironic_compute:connection": connectionDoc(volume) } : {}),
  };
}

function cinderVersion(base: string): Record<string, unknown> {
  return {
    id: "v3.0",
    status: "CURRENT",
    version: VOLUME_API_VERSION,
    min_version: VOLUME_API_VERSION,
    updated: "2016-02-08T12:20:21Z",
    links: [{ href: `${base}/volume/v3/`, rel: "self" }],
    "media-types": [{ base: "application/json", type: "application/vnd.openstack.volume+json;version=3" }],
  };
}

/** GET /volume and /volume/v3: version discovery, without credentials (as the other APIs). */
export function registerVolumeDiscoveryRoutes(app: ApiInstance): void {
  for (const url of ["/volume", "/volume/"]) {
    app.get(url, { config: { access: "public" } }, (request, reply) => reply.code(300).send({ versions: [cinderVersion(baseUrl(request))] }));
  }
  for (const url of ["/volume/v3", "/volume/v3/"]) {
    app.get(url, { config: { access: "public" } }, (request) => ({ versions: [cinderVersion(baseUrl(request))] }));
  }
}

const STATUSES = new Set(["available", "in-use"]);

export function volumeRoutes(compute: ComputeApi): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    unversioned(app);
    // Cinder answers every request with the microversion it used.
    app.addHook("onSend", async (_request, reply) => {
      reply.header("OpenStack-API-Version", `volume ${VOLUME_API_VERSION}`);
    });
    // The project in the path must be the token's (Cinder: "Malformed request url"), admins aside.
    app.addHook("preHandler", async (request, reply) => {
      const segment = (request.params as { project_id?: string } | undefined)?.project_id;
      const caller = request.caller;
      if (segment !== undefined && caller !== null && caller.role !== "admin" && segment !== caller.projectId) {
        return sendFault(reply, 400, "Malformed request url");
      }
      return undefined;
    });
    const context = (request: Parameters<typeof callerOf>[0]) => ({ base: baseUrl(request), projectId: callerOf(request).projectId, admin: isAdmin(request) });

    const listed = async (request: Parameters<typeof callerOf>[0], query: z.output<typeof listQuery>) => {
      const { name, status, all_tenants: allTenants, limit, marker } = query;
      if (status !== undefined && !STATUSES.has(status)) return [];
      return compute.volumes.list(callerOf(request), {
        ...(allTenants === undefined ? {} : { allTenants }),
        ...(name === undefined ? {} : { name }),
        ...(status === undefined ? {} : { status: status as "available" | "in-use" }),
        ...(limit === undefined ? {} : { limit }),
        ...(marker === undefined ? {} : { marker }),
      });
    };
    /** Cinder's `volumes_links`: a next link when `limit` filled the page. */
    const pageLinks = (request: Parameters<typeof callerOf>[0], volumes: readonly VolumeView[], limit: number | undefined) => {
      const last = volumes.at(-1);
      if (limit === undefined || last === undefined || volumes.length < limit) return {};
      const url = new URL(request.url, "http://x");
      url.searchParams.set("marker", last.id);
      return { volumes_links: [{ href: `${baseUrl(request)}${url.pathname}${url.search}`, rel: "next" }] };
    };

    app.get("/volumes", { config: { access: "reader" }, schema: { params: projectParams, querystring: listQuery } }, async (request) => {
      const volumes = await listed(request, request.query);
      const { base, projectId } = context(request);
      return { volumes: volumes.map((volume) => ({ id: volume.id, name: volume.name, links: volumeLinks(base, projectId, volume.id) })), ...pageLinks(request, volumes, request.query.limit) };
    });

    app.get("/volumes/detail", { config: { access: "reader" }, schema: { params: projectParams, querystring: listQuery } }, async (request) => {
      const volumes = await listed(request, request.query);
      return { volumes: volumes.map((volume) => volumeDoc(volume, context(request))), ...pageLinks(request, volumes, request.query.limit) };
    });

    app.get("/volumes/:id", { config: { access: "reader" }, schema: { params: idParams } }, async (request) => {
      return { volume: volumeDoc(await compute.volumes.get(callerOf(request), request.params.id), context(request)) };
    });

    // Cinder's policy decides, not the role ladder: members get Cinder's 403 text from the compute layer.
    app.post("/volumes", { config: { access: "reader" }, schema: { params: projectParams, body: createBody } }, async (request, reply) => {
      if (!isAdmin(request)) return sendFault(reply, 403, "Policy doesn't allow volume:create to be performed.");
      const registration = registrationOf(request.body.volume);
      if (typeof registration === "string") return sendFault(reply, 400, registration);
      const volume = await compute.volumes.register(callerOf(request), registration);
      return reply.code(202).send({ volume: volumeDoc(volume, context(request)) });
    });

    app.put("/volumes/:id", { config: { access: "reader" }, schema: { params: idParams, body: updateBody } }, async (request) => {
      const { name, description } = request.body.volume;
      const volume = await compute.volumes.update(callerOf(request), request.params.id, {
        ...(name === undefined || name === null ? {} : { name }),
        ...(description === undefined ? {} : { description: description ?? "" }),
      });
      return { volume: volumeDoc(volume, context(request)) };
    });

    app.delete("/volumes/:id", { config: { access: "reader" }, schema: { params: idParams, querystring: z.looseObject({}) } }, async (request, reply) => {
      await compute.volumes.delete(callerOf(request), request.params.id);
      return reply.code(202).send();
    });

    // What `openstack quota show` asks once a volume endpoint is in the catalog:
    // no volume quotas exist here, so every limit is -1 (unlimited); usage counts.
    app.get("/os-quota-sets/:target", { config: { access: "reader" }, schema: { params: quotaParams, querystring: z.looseObject({ usage: queryFlag.optional() }) } }, async (request) => {
      const usage = await compute.volumes.usage(callerOf(request), request.params.target);
      const counts: Record<string, number> = { volumes: usage.volumes, gigabytes: usage.gigabytes, snapshots: 0, backups: 0, backup_gigabytes: 0, groups: 0, per_volume_gigabytes: 0 };
      const quota = Object.fromEntries(
        Object.entries(counts).map(([key, inUse]) => [key, request.query.usage === true ? { limit: -1, in_use: key === "per_volume_gigabytes" ? 0 : inUse, reserved: 0, allocated: 0 } : -1]),
      );
      return { quota_set: { id: request.params.target, ...quota } };
    });
    done();
  };
}
