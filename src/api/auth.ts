// Authentication and role checks at the edge (S11).
// - "basic": HTTP Basic against compute.authenticate (bcrypt in worker threads,
//   bounded: 503 + Retry-After when its queue is full). In front of it, in order:
//   1. a positive cache of successful checks (authCacheTtlMs), keyed by an
//      HMAC-SHA-256 of user and password under a per-process random key (never
//      the credentials themselves), dropped at once when compute reports the
//      user removed; concurrent requests with the same credentials share one check;
//   2. a short negative cache of failed pairs (login.negativeCacheMs): 401 again
//      without a check;
//   3. failure limits per client address and per user name (login-limits.ts):
//      429 + Retry-After without a check. An attempt counts when it starts and is
//      taken back if it succeeds, so concurrent guesses count too.
//   Failed logins are logged at warn with the user name and client, never the
//   password.
// - "none": every request is the configured caller (serve allows this on
//   loopback only; see cli/config.ts).
// Public routes (discovery, health) skip both. Every other route declares the
// least role it needs; a weaker caller gets 403 before the handler runs.
import { createHmac, randomBytes } from "node:crypto";
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import type { Caller, ComputeApi } from "../compute/contract.js";
import type { Role } from "../store/records.js";
import { sendFault } from "./errors.js";
import { DEFAULT_LOGIN_LIMITS, FailureCounter, type LoginLimits } from "./login-limits.js";
import { TtlCache } from "./ttl-cache.js";

export type AuthenticatedCaller = Omit<Caller, "requestId">;

export type AuthMode =
  | {
      kind: "basic";
      compute: Pick<ComputeApi, "authenticate" | "onUserRemoved">;
      cacheTtlMs?: number;
      login?: LoginLimits;
    }
  | { kind: "none"; caller: AuthenticatedCaller };

const DEFAULT_TTL_MS = 10_000;
const MAX_HEADER_LENGTH = 1_024;
/** User names are at most 64 characters; longer ones share a counter (all unknown). */
const MAX_COUNTED_NAME = 65;
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

export type BasicOutcome =
  | { kind: "ok"; caller: AuthenticatedCaller }
  | { kind: "denied" }
  | { kind: "throttled"; retryAfterSeconds: number };

class BasicAuthenticator {
  private readonly cacheKey = randomBytes(32);
  private readonly accepted: TtlCache<AuthenticatedCaller>;
  private readonly refused: TtlCache<true>;
  private readonly inFlight = new Map<string, Promise<AuthenticatedCaller | undefined>>();
  private readonly perClient: FailureCounter;
  private readonly perUser: FailureCounter;

  constructor(
    private readonly compute: Pick<ComputeApi, "authenticate" | "onUserRemoved">,
    private readonly ttlMs: number,
    private readonly limits: LoginLimits,
  ) {
    this.accepted = new TtlCache(limits.maxTrackedKeys);
    this.refused = new TtlCache(limits.maxTrackedKeys);
    this.perClient = new FailureCounter(limits.maxFailuresPerClient, limits.failureWindowMs, limits.maxTrackedKeys);
    this.perUser = new FailureCounter(limits.maxFailuresPerUser, limits.failureWindowMs, limits.maxTrackedKeys);
    compute.onUserRemoved((userId) => {
      this.accepted.deleteWhere((caller) => caller.userId === userId);
    });
  }

  async check(header: string | undefined, client: string, log: FastifyBaseLogger): Promise<BasicOutcome> {
    const credentials = parseBasic(header);
    if (credentials === undefined) return { kind: "denied" };
    const key = createHmac("sha256", this.cacheKey).update(credentials.user).update("\0").update(credentials.password).digest("base64url");
    const cached = this.accepted.get(key);
    if (cached !== undefined) return { kind: "ok", caller: cached };
    if (this.refused.get(key) !== undefined) return { kind: "denied" };
    const pending = this.inFlight.get(key);
    if (pending !== undefined) {
      const caller = await pending;
      return caller === undefined ? { kind: "denied" } : { kind: "ok", caller };
    }
    const user = credentials.user.slice(0, MAX_COUNTED_NAME);
    const retryAfterSeconds = Math.max(this.perClient.retryAfterSeconds(client), this.perUser.retryAfterSeconds(user));
    if (retryAfterSeconds > 0) {
      log.debug({ user, client, retryAfterSeconds }, "login throttled");
      return { kind: "throttled", retryAfterSeconds };
    }
    this.perClient.fail(client);
    this.perUser.fail(user);
    const check = this.compute.authenticate(credentials.user, credentials.password);
    this.inFlight.set(key, check);
    let caller: AuthenticatedCaller | undefined;
    try {
      caller = await check;
    } catch (error) {
      // Not a failed login (e.g. the password workers are busy): not counted.
      this.perClient.undo(client);
      this.perUser.undo(user);
      throw error;
    } finally {
      this.inFlight.delete(key);
    }
    if (caller === undefined) {
      this.refused.set(key, true, this.limits.negativeCacheMs);
      log.warn({ user, client }, "failed login");
      return { kind: "denied" };
    }
    this.perClient.undo(client);
    this.perUser.reset(user);
    this.accepted.set(key, caller, this.ttlMs);
    return { kind: "ok", caller };
  }
}

/** The onRequest hook that sets request.caller or answers 401/403/429. */
export function authHook(mode: AuthMode): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const basic =
    mode.kind === "basic" ? new BasicAuthenticator(mode.compute, mode.cacheTtlMs ?? DEFAULT_TTL_MS, mode.login ?? DEFAULT_LOGIN_LIMITS) : undefined;
  return async (request, reply) => {
    const access = request.routeOptions.config.access;
    if (access === "public") return undefined;
    let caller: AuthenticatedCaller | undefined;
    if (mode.kind === "none") caller = mode.caller;
    else if (basic !== undefined) {
      const outcome = await basic.check(request.headers.authorization, request.ip, request.log);
      if (outcome.kind === "throttled") {
        reply.header("Retry-After", String(outcome.retryAfterSeconds));
        return sendFault(reply, 429, `Too many failed logins; try again in ${outcome.retryAfterSeconds} s.`);
      }
      if (outcome.kind === "ok") caller = outcome.caller;
    }
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
