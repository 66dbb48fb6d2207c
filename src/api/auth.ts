// Authentication and role checks at the edge (S11).
// - "basic": HTTP Basic against compute.authenticate (bcrypt). Successful checks
//   are cached for a short time, keyed by a SHA-256 of the header (never the
//   header itself), so bcrypt does not run on every poll; concurrent requests
//   with the same header share one check. A password change or user deletion
//   takes effect within the TTL.
// - "none": every request is the configured caller (serve allows this on
//   loopback only; see cli/config.ts).
// Public routes (discovery, health) skip both. Every other route declares the
// least role it needs; a weaker caller gets 403 before the handler runs.
import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Caller, ComputeApi } from "../compute/contract.js";
import type { Role } from "../store/records.js";
import { sendFault } from "./errors.js";

export type AuthenticatedCaller = Omit<Caller, "requestId">;

export type AuthMode =
  | { kind: "basic"; compute: Pick<ComputeApi, "authenticate">; cacheTtlMs?: number }
  | { kind: "none"; caller: AuthenticatedCaller };

const DEFAULT_TTL_MS = 10_000;
const MAX_CACHE_ENTRIES = 10_000;
const MAX_HEADER_LENGTH = 1_024;
const RANK: Readonly<Record<Exclude<Role, "service">, number>> = { reader: 0, member: 1, admin: 2 };

export const WWW_AUTHENTICATE = 'Basic realm="ironic-compute"';

/**
 * Whether `role` may call a route that needs `needed`. The service role is
 * outside the reader < member < admin ladder: it passes only routes that need
 * "service" (which admins pass too).
 */
export function roleAllows(role: Role, needed: Role): boolean {
  if (needed === "service") return role === "service" || role === "admin";
  if (role === "service") return false;
  return RANK[role] >= RANK[needed];
}

/** Decodes `Basic base64(user:password)`; undefined when malformed. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined || header.length > MAX_HEADER_LENGTH) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

class BasicAuthCache {
  private readonly entries = new Map<string, { caller: AuthenticatedCaller; expiresAt: number }>();
  private readonly inFlight = new Map<string, Promise<AuthenticatedCaller | undefined>>();

  constructor(
    private readonly compute: Pick<ComputeApi, "authenticate">,
    private readonly ttlMs: number,
  ) {}

  async check(header: string | undefined): Promise<AuthenticatedCaller | undefined> {
    const credentials = parseBasic(header);
    if (header === undefined || credentials === undefined) return undefined;
    const key = createHash("sha256").update(header).digest("hex");
    const cached = this.entries.get(key);
    if (cached !== undefined && cached.expiresAt > Date.now()) return cached.caller;
    if (cached !== undefined) this.entries.delete(key);
    const pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;
    const check = this.compute.authenticate(credentials.user, credentials.password).then((caller) => {
      if (caller !== undefined) this.remember(key, caller);
      return caller;
    });
    this.inFlight.set(key, check);
    try {
      return await check;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private remember(key: string, caller: AuthenticatedCaller): void {
    if (this.entries.size >= MAX_CACHE_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { caller, expiresAt: Date.now() + this.ttlMs });
  }
}

/** The onRequest hook that sets request.caller or answers 401/403. */
export function authHook(mode: AuthMode): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const cache = mode.kind === "basic" ? new BasicAuthCache(mode.compute, mode.cacheTtlMs ?? DEFAULT_TTL_MS) : undefined;
  return async (request, reply) => {
    const access = request.routeOptions.config.access;
    if (access === "public") return undefined;
    const caller = cache === undefined ? (mode.kind === "none" ? mode.caller : undefined) : await cache.check(request.headers.authorization);
    if (caller === undefined) {
      reply.header("WWW-Authenticate", WWW_AUTHENTICATE);
      return sendFault(reply, 401, "The request you have made requires authentication.");
    }
    request.caller = { ...caller, requestId: request.id };
    // Unknown routes have no access level: any authenticated caller then gets the 404.
    if (access !== undefined && !roleAllows(caller.role, access)) {
      return sendFault(reply, 403, `This action needs the ${access} role; you have ${caller.role}.`);
    }
    return undefined;
  };
}
