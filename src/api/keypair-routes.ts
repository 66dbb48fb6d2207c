// /v2.1/os-keypairs. Without a public key the service generates one and the
// private key is returned once, in the create response (whatever the
// microversion: OSC 6.0 relies on it, openstack-compat.md G18). As Nova: `type`
// (ssh or x509, a PEM certificate) from 2.2, and from 2.10 `user_id` — in the
// create body and the query of list, show and delete — for admins to name
// another user's key pairs (403 for others; ignored in the query below 2.10).
import { z } from "zod";
import type { ComputeApi } from "../compute/contract.js";
import type { KeypairRecord } from "../store/records.js";
import { sendFault } from "./errors.js";
import { baseUrl, callerOf, novaTime, type ApiInstance } from "./request-context.js";
import { queryCount, uuidInteger } from "./schemas.js";

/** Nova: key pair types from 2.2, another user's key pairs (admins) from 2.10. */
const TYPE_FROM = 2;
const USER_ID_FROM = 10;

const keypairName = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9 _.@-]+$/, "key pair names are letters, digits, spaces and _.@-");

const nameParams = z.object({ name: z.string().min(1).max(255) }).strict();

const createBody = z
  .object({
    keypair: z
      .object({
        name: keypairName,
        public_key: z.string().min(1).max(16_384).optional(),
        type: z.enum(["ssh", "x509"]).optional(),
        user_id: z.string().min(1).max(255).optional(),
      })
      .strict(),
  })
  .strict();

const userQuery = z.looseObject({ user_id: z.string().min(1).max(255).optional() });

const listQuery = z.looseObject({
  user_id: z.string().min(1).max(255).optional(),
  // From 2.35; the marker is a key pair name.
  limit: queryCount.optional(),
  marker: z.string().min(1).max(255).optional(),
});

function keypairDoc(keypair: KeypairRecord, microversion: number): Record<string, unknown> {
  return {
    name: keypair.name,
    public_key: keypair.publicKey,
    fingerprint: keypair.fingerprint,
    ...(microversion >= 2 ? { type: keypair.type } : {}),
  };
}

export function registerKeypairRoutes(app: ApiInstance, compute: ComputeApi): void {
  app.post("/os-keypairs", { config: { access: "member" }, schema: { body: createBody } }, async (request, reply) => {
    const caller = callerOf(request);
    const body = request.body.keypair;
    for (const [field, from] of [["type", TYPE_FROM], ["user_id", USER_ID_FROM]] as const) {
      if (body[field] !== undefined && request.microversion < from) {
        return sendFault(
          reply,
          400,
          `Invalid input for field/attribute keypair: Additional properties are not allowed ('${field}' was unexpected); ${field} needs microversion 2.${from} or later.`,
        );
      }
    }
    const { keypair, privateKey } = await compute.keypairs.create(caller, body.name, body.public_key, {
      ...(body.type === undefined ? {} : { type: body.type }),
      ...(body.user_id === undefined ? {} : { userId: body.user_id }),
    });
    return reply.code(request.microversion >= 2 ? 201 : 200).send({
      keypair: {
        ...keypairDoc(keypair, request.microversion),
        user_id: keypair.userId,
        ...(privateKey === undefined ? {} : { private_key: privateKey }),
      },
    });
  });

  app.get("/os-keypairs", { config: { access: "reader" }, schema: { querystring: listQuery } }, async (request, reply) => {
    const { microversion } = request;
    const all = await compute.keypairs.list(callerOf(request), microversion >= USER_ID_FROM ? request.query.user_id : undefined);
    const limit = microversion >= 35 ? request.query.limit : undefined;
    const marker = microversion >= 35 ? request.query.marker : undefined;
    let keypairs = all;
    if (marker !== undefined) {
      const index = all.findIndex((keypair) => keypair.name === marker);
      if (index < 0) return sendFault(reply, 400, `Marker ${marker.slice(0, 64)} could not be found.`);
      keypairs = all.slice(index + 1);
    }
    if (limit !== undefined) keypairs = keypairs.slice(0, limit);
    const last = keypairs.at(-1);
    const more = limit !== undefined && last !== undefined && keypairs.length === limit;
    return {
      keypairs: keypairs.map((keypair) => ({ keypair: keypairDoc(keypair, microversion) })),
      ...(more
        ? { keypairs_links: [{ rel: "next", href: `${baseUrl(request)}/v2.1/os-keypairs?${new URLSearchParams({ limit: String(limit), marker: last.name }).toString()}` }] }
        : {}),
    };
  });

  app.get("/os-keypairs/:name", { config: { access: "reader" }, schema: { params: nameParams, querystring: userQuery } }, async (request) => {
    const userId = request.microversion >= USER_ID_FROM ? request.query.user_id : undefined;
    const keypair = await compute.keypairs.get(callerOf(request), request.params.name, userId);
    return {
      keypair: {
        ...keypairDoc(keypair, request.microversion),
        // Nova's is its table's integer key; ours is derived from the record's UUID.
        id: uuidInteger(keypair.id),
        user_id: keypair.userId,
        created_at: novaTime(keypair.createdAt),
        deleted: false,
        deleted_at: null,
        updated_at: null,
      },
    };
  });

  app.delete("/os-keypairs/:name", { config: { access: "member" }, schema: { params: nameParams, querystring: userQuery } }, async (request, reply) => {
    const userId = request.microversion >= USER_ID_FROM ? request.query.user_id : undefined;
    await compute.keypairs.delete(callerOf(request), request.params.name, userId);
    return reply.code(request.microversion >= 2 ? 204 : 202).send();
  });
}
