// What a server's owner edits in place: PUT /servers/{id} (name, description
// from 2.19, hostname from 2.90), /servers/{id}/metadata and, from 2.26,
// /servers/{id}/tags — in Nova's shapes (openstack-compat.md §5.2).
import type { FastifyReply } from "fastify";
import { z } from "zod";
import type { ComputeApi } from "../compute/contract.js";
import { sendFault } from "./errors.js";
import { outsideVersion } from "./microversion.js";
import { baseUrl, callerOf, isAdmin, type ApiInstance } from "./request-context.js";
import { accessIp, metadataItems, uuidParams, uuidRef } from "./schemas.js";
import { serverDetail } from "./server-view.js";

/** Nova: description from 2.19, hostname from 2.90, an FQDN hostname from 2.94; tags from 2.26. */
export const DESCRIPTION_FROM = 19;
export const HOSTNAME_FROM = 90;
const FQDN_HOSTNAME_FROM = 94;
export const TAGS_FROM = 26;

/** Nova's parameter_types.hostname (2.90–2.93) and fqdn (2.94 on). */
const HOSTNAME = /^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$/;
const FQDN = /^[a-zA-Z0-9-._]*$/;

/** Nova's parameter_types.tag: 1–60 characters, no '/' or ','. */
export const serverTag = z.string().min(1).max(60).regex(/^[^,/]*$/, "must not contain '/' or ','");

const updateBody = z
  .object({
    server: z
      .object({
        name: z.string().trim().min(1).max(255).optional(),
        // Nova's valid_description_regex: printable characters only.
        description: z.string().max(255).regex(/^\P{Cc}*$/u, "must be printable").nullable().optional(),
        hostname: z.string().min(1).max(255).optional(),
        accessIPv4: accessIp("ipv4").optional(),
        accessIPv6: accessIp("ipv6").optional(),
        "OS-DCF:diskConfig": z.enum(["AUTO", "MANUAL"]).optional(),
      })
      .strict(),
  })
  .strict();

const metadataBody = z.object({ metadata: metadataItems }).strict();
const metaBody = z
  .object({ meta: metadataItems.refine((items) => Object.keys(items).length === 1, "exactly one metadata item") })
  .strict();
const keyParams = z.object({ id: uuidRef, key: z.string().min(1).max(255) }).strict();
const tagsBody = z.object({ tags: z.array(serverTag).max(50) }).strict();
// Any text: a malformed tag in the path is Nova's 400 (below), not a 404.
const tagParams = z.object({ id: uuidRef, tag: z.string().max(1024) }).strict();

function unexpected(reply: FastifyReply, field: string, from: number): FastifyReply {
  return sendFault(
    reply,
    400,
    `Invalid input for field/attribute server: Additional properties are not allowed ('${field}' was unexpected); ${field} needs microversion 2.${from} or later.`,
  );
}

/** The hostname rule of this microversion, or the 400's text. */
function hostnameProblem(hostname: string, microversion: number): string | undefined {
  if (microversion >= FQDN_HOSTNAME_FROM) return FQDN.test(hostname) ? undefined : "must be letters, digits, '-', '.' and '_'";
  if (hostname.length < 2 || hostname.length > 63 || !HOSTNAME.test(hostname)) {
    return "must be 2-63 letters, digits and '-', starting and ending with a letter or digit";
  }
  return undefined;
}

export function registerServerDetailRoutes(app: ApiInstance, compute: ComputeApi): void {
  app.put("/servers/:id", { config: { access: "member" }, schema: { params: uuidParams, body: updateBody } }, async (request, reply) => {
    const body = request.body.server;
    const { microversion } = request;
    if (body.description !== undefined && microversion < DESCRIPTION_FROM) return unexpected(reply, "description", DESCRIPTION_FROM);
    if (body.hostname !== undefined) {
      if (microversion < HOSTNAME_FROM) return unexpected(reply, "hostname", HOSTNAME_FROM);
      const problem = hostnameProblem(body.hostname, microversion);
      if (problem !== undefined) return sendFault(reply, 400, `Invalid input for field/attribute hostname: ${problem}`);
    }
    const server = await compute.servers.update(callerOf(request), request.params.id, {
      ...(body.name === undefined ? {} : { name: body.name }),
      ...(body.description === undefined ? {} : { description: body.description }),
      ...(body.hostname === undefined ? {} : { hostname: body.hostname }),
      ...(body.accessIPv4 === undefined ? {} : { accessIPv4: body.accessIPv4 }),
      ...(body.accessIPv6 === undefined ? {} : { accessIPv6: body.accessIPv6 }),
      ...(body["OS-DCF:diskConfig"] === undefined ? {} : { diskConfig: body["OS-DCF:diskConfig"] }),
    });
    return { server: serverDetail(server, { base: baseUrl(request), microversion, admin: isAdmin(request), single: true }) };
  });

  // ---- metadata ----
  app.get("/servers/:id/metadata", { config: { access: "reader" }, schema: { params: uuidParams } }, async (request) => ({
    metadata: await compute.servers.metadata(callerOf(request), request.params.id),
  }));
  for (const [method, mode] of [
    ["PUT", "replace"],
    ["POST", "merge"],
  ] as const) {
    app.route({
      method,
      url: "/servers/:id/metadata",
      config: { access: "member" },
      schema: { params: uuidParams, body: metadataBody },
      handler: async (request) => ({
        metadata: await compute.servers.setMetadata(callerOf(request), request.params.id, request.body.metadata, mode),
      }),
    });
  }
  app.get("/servers/:id/metadata/:key", { config: { access: "reader" }, schema: { params: keyParams } }, async (request) => {
    const { id, key } = request.params;
    return { meta: { [key]: await compute.servers.metadataItem(callerOf(request), id, key) } };
  });
  app.put("/servers/:id/metadata/:key", { config: { access: "member" }, schema: { params: keyParams, body: metaBody } }, async (request, reply) => {
    const { id, key } = request.params;
    const value = request.body.meta[key];
    if (value === undefined) return sendFault(reply, 400, "Request body and URI mismatch");
    await compute.servers.setMetadata(callerOf(request), id, { [key]: value }, "merge");
    return { meta: { [key]: value } };
  });
  app.delete("/servers/:id/metadata/:key", { config: { access: "member" }, schema: { params: keyParams } }, async (request, reply) => {
    await compute.servers.deleteMetadataItem(callerOf(request), request.params.id, request.params.key);
    return reply.code(204).send();
  });

  // ---- tags (2.26) ----
  app.get("/servers/:id/tags", { config: { access: "reader" }, schema: { params: uuidParams } }, async (request, reply) => {
    if (request.microversion < TAGS_FROM) return outsideVersion(reply);
    return { tags: await compute.servers.tags(callerOf(request), request.params.id) };
  });
  app.put("/servers/:id/tags", { config: { access: "member" }, schema: { params: uuidParams, body: tagsBody } }, async (request, reply) => {
    if (request.microversion < TAGS_FROM) return outsideVersion(reply);
    return { tags: await compute.servers.replaceTags(callerOf(request), request.params.id, request.body.tags) };
  });
  app.delete("/servers/:id/tags", { config: { access: "member" }, schema: { params: uuidParams } }, async (request, reply) => {
    if (request.microversion < TAGS_FROM) return outsideVersion(reply);
    await compute.servers.removeAllTags(callerOf(request), request.params.id);
    return reply.code(204).send();
  });
  app.get("/servers/:id/tags/:tag", { config: { access: "reader" }, schema: { params: tagParams } }, async (request, reply) => {
    if (request.microversion < TAGS_FROM) return outsideVersion(reply);
    await compute.servers.hasTag(callerOf(request), request.params.id, request.params.tag);
    return reply.code(204).send();
  });
  app.put("/servers/:id/tags/:tag", { config: { access: "member" }, schema: { params: tagParams } }, async (request, reply) => {
    if (request.microversion < TAGS_FROM) return outsideVersion(reply);
    const { id, tag } = request.params;
    const valid = serverTag.safeParse(tag);
    if (!valid.success) {
      return sendFault(
        reply,
        400,
        `Tag '${tag.slice(0, 64)}' is invalid. It must be a non empty string without characters '/' and ',' (at most 60 characters).`,
      );
    }
    const result = await compute.servers.addTag(callerOf(request), id, tag);
    if (result === "present") return reply.code(204).send();
    return reply.code(201).header("Location", `${baseUrl(request)}/v2.1/servers/${id}/tags/${encodeURIComponent(tag)}`).send();
  });
  app.delete("/servers/:id/tags/:tag", { config: { access: "member" }, schema: { params: tagParams } }, async (request, reply) => {
    if (request.microversion < TAGS_FROM) return outsideVersion(reply);
    await compute.servers.removeTag(callerOf(request), request.params.id, request.params.tag);
    return reply.code(204).send();
  });
}
