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
import type { Caller, ComputeApi, TokenView } from "../compute/contract.js";
import { roleAllows } from "../compute/roles.js";
import { IDENTITY_PREFIX, sendFault } from "./errors.js";
import { LoginGuard } from "./login-limits.js";
import { baseUrl } from "./request-context.js";
import { TtlCache } from "./ttl-cache.js";

export type AuthenticatedCaller = Omit<Caller, "requestId">;

export type AuthMode =
  | {
      kind: "basic";
      compute: Pick<ComputeApi, "authenticate" | "onUserRemoved" | "tokens">;
      cacheTtlMs?: number;
      /** Shared with the token route: one failure budget for both ways in. */
      guard: LoginGuard;
    }
  | { kind: "none"; caller: AuthenticatedCaller };

/** X-Auth-Token values longer than this are not ours (ours are 43 characters). */
const MAX_TOKEN_HEADER = 512;

const DEFAULT_TTL_MS = 10_000;
const MAX_HEADER_LENGTH = 1_024;

export const WWW_AUTHENTICATE = 'Basic realm="ironic-compute"';

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

/** Exported for its unit tests; the API uses it only through authHook. */
export class BasicAuthenticator {
  private readonly cacheKey = randomBytes(32);
  private readonly accepted: TtlCache<AuthenticatedCaller>;
  private readonly refused: TtlCache<true>;
  private readonly inFlight = new Map<string, Promise<AuthenticatedCaller | undefined>>();

  constructor(
    private readonly compute: Pick<ComputeApi, "authenticate" | "onUserRemoved">,
    private readonly ttlMs: number,
    private readonly guard: LoginGuard,
  ) {
    this.accepted = new TtlCache(guard.limits.maxTrackedKeys);
    this.refused = new TtlCache(guard.limits.maxTrackedKeys);
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
    const user = credentials.user;
    const outcome = await this.guard.attempt(client, user, async () => {
      const check = this.compute.authenticate(credentials.user, credentials.password);
      this.inFlight.set(key, check);
      try {
        return await check;
      } finally {
        this.inFlight.delete(key);
      }
    });
    switch (outcome.kind) {
      case "throttled":
        log.debug({ user: user.slice(0, 65), client, retryAfterSeconds: outcome.retryAfterSeconds }, "login throttled");
        return outcome;
      case "denied":
        this.refused.set(key, true, this.guard.limits.negativeCacheMs);
        log.warn({ user: user.slice(0, 65), client }, "failed login");
        return outcome;
      case "ok":
        this.accepted.set(key, outcome.value, this.ttlMs);
        return { kind: "ok", caller: outcome.value };
    }
  }
}

/** The caller a valid identity token stands for (unscoped: no project). */
export function callerOfToken(view: TokenView): AuthenticatedCaller {
  return {
    userId: view.user.id,
    userName: view.user.name,
    projectId: view.project?.id ?? "",
    role: view.role,
    ...(view.applicationCredential === null
      ? {}
      : { applicationCredential: { id: view.applicationCredential.id, unrestricted: !view.applicationCredential.restricted } }),
  };
}

function tokenHeader(request: FastifyRequest): string | undefined {
  const header = request.headers["x-auth-token"];
  return typeof header === "string" ? header.trim() : undefined;
}

/** keystonemiddleware's answer to a missing, expired or revoked token. */
function tokenRefused(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header("WWW-Authenticate", `Keystone uri="${baseUrl(request)}${IDENTITY_PREFIX}"`);
  return sendFault(reply, 401, "The request you have made requires authentication.", "keystone");
}

/**
 * The onRequest hook that sets request.caller or answers 401/403/429. With
 * auth "basic", a request carrying X-Auth-Token is judged by the token alone
 * (no fallback to Basic); otherwise by its Basic header.
 */
export function authHook(mode: AuthMode): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const basic = mode.kind === "basic" ? new BasicAuthenticator(mode.compute, mode.cacheTtlMs ?? DEFAULT_TTL_MS, mode.guard) : undefined;
  return async (request, reply) => {
    const config = request.routeOptions.config;
    const access = config.access;
    if (access === "public") return undefined;
    let caller: AuthenticatedCaller | undefined;
    const token = mode.kind === "basic" ? tokenHeader(request) : undefined;
    if (mode.kind === "none") caller = mode.caller;
    else if (token !== undefined) {
      const view = token.length <= MAX_TOKEN_HEADER ? await mode.compute.tokens.validate(token) : undefined;
      if (view === undefined) return tokenRefused(request, reply);
      // Unscoped tokens are for the identity API (listing projects, re-scoping) only.
      if (view.project === null && config.unscopedTokens !== true) {
        return sendFault(reply, 403, "This token is not scoped to a project; ask for a project-scoped token.", "keystone");
      }
      caller = callerOfToken(view);
    } else if (basic !== undefined) {
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
    if (access !== undefined && access !== "authenticated" && !roleAllows(caller.role, access)) {
      return sendFault(reply, 403, `This action needs the ${access} role; you have ${caller.role}.`);
    }
    return undefined;
  };
}
