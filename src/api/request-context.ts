// What the API layer attaches to each request, and the types route files share.
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { Caller } from "../compute/contract.js";
import type { Role } from "../store/records.js";

/**
 * Who may call a route: anyone ("public"), any authenticated caller of any role
 * ("authenticated": the identity API, whose handlers judge the caller), or at
 * least this role (S11).
 */
export type RouteAccess = "public" | "authenticated" | Role;

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated caller; null only on public routes. */
    caller: Caller | null;
    /** The compute microversion's minor number: 2.N is N. */
    microversion: number;
    /** api.publicUrl without its trailing slash; "" when links follow the request. */
    linkBase: string;
  }
  interface FastifyContextConfig {
    /** Every route declares it; buildApi refuses routes without one. */
    access?: RouteAccess;
    /**
     * false: not a Compute API route (Image, admin), so no compute microversion
     * is parsed or echoed. Set for a whole plugin with `unversioned(app)`.
     */
    versioned?: boolean;
    /** Unscoped identity tokens are accepted (the identity API); elsewhere they get 403. */
    unscopedTokens?: boolean;
  }
}

export type ApiInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** Marks every route registered after this call, in this plugin, as outside the compute microversions. */
export function unversioned(app: Pick<FastifyInstance, "addHook">): void {
  app.addHook("onRoute", (route) => {
    route.config = { ...route.config, versioned: false };
  });
}

export function callerOf(request: FastifyRequest): Caller {
  if (request.caller === null) throw new Error(`route ${request.url} has no authenticated caller`);
  return request.caller;
}

export function isAdmin(request: FastifyRequest): boolean {
  return request.caller?.role === "admin";
}

/**
 * The base of every link, Location and /openapi.json server URL: api.publicUrl
 * when it is set (the Host header is then never used), else `http://host:port`
 * as the client reached us (Nova's default).
 */
export function baseUrl(request: FastifyRequest): string {
  return request.linkBase !== "" ? request.linkBase : `${request.protocol}://${request.host}`;
}

/** Nova's time format: seconds precision, `Z`. */
export function novaTime(iso: string): string;
export function novaTime(iso: string | null): string | null;
export function novaTime(iso: string | null): string | null {
  return iso === null ? null : iso.replace(/\.\d+Z$/, "Z");
}
