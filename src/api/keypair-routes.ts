// /v2.1/os-keypairs. Without a public key the service generates one and the
// private key is returned once, in the create response (whatever the
// microversion: OSC 6.0 relies on it, openstack-compat.md G18).
import { z } from "zod";
import type { ComputeApi } from "../compute/contract.js";
import type { KeypairRecord } from "../store/records.js";
import { sendFault } from "./errors.js";
import { baseUrl, callerOf, novaTime, type ApiInstance } from "./request-context.js";
import { queryCount } from "./schemas.js";

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
    if (body.type === "x509") return sendFault(reply, 400, "Only ssh key pairs are supported.");
    if (body.user_id !== undefined && body.user_id !== caller.userId) {
      return sendFault(reply, 400, "Key pairs can only be created for yourself.");
    }
    const { keypair, privateKey } = await compute.keypairs.create(caller, body.name, body.public_key);
    return reply.code(request.microversion >= 2 ? 201 : 200).send({
      keypair: {
        ...keypairDoc(keypair, request.microversion),
        user_id: keypair.userId,
        ...(privateKey === undefined ? {} : { private_key: privateKey }),
      },
    });
  });

  app.get("/os-keypairs", { config: { access: "reader" }, schema: { querystring: listQuery } }, async (request, reply) => {
    const caller = callerOf(request);
    if (request.query.user_id !== undefined && request.query.user_id !== caller.userId) {
      return sendFault(reply, 400, "Only your own key pairs can be listed.");
    }
    const all = await compute.keypairs.list(caller);
    const { microversion } = request;
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

  app.get("/os-keypairs/:name", { config: { access: "reader" }, schema: { params: nameParams } }, async (request) => {
    const keypair = await compute.keypairs.get(callerOf(request), request.params.name);
    return {
      keypair: {
        ...keypairDoc(keypair, request.microversion),
        user_id: keypair.userId,
        created_at: novaTime(keypair.createdAt),
        deleted: false,
        deleted_at: null,
        updated_at: null,
      },
    };
  });

  app.delete("/os-keypairs/:name", { config: { access: "member" }, schema: { params: nameParams } }, async (request, reply) => {
    await compute.keypairs.delete(callerOf(request), request.params.name);
    return reply.code(request.microversion >= 2 ? 204 : 202).send();
  });
}
