// The HTTP API: one Fastify instance serving the Compute v2.1 surface, the
// Image v2 subset (twice: /image/v2 and /v2.1), the admin API and discovery.
//
// Per request, in order: a `req-<uuid>` id (the client's valid X-OpenStack-Request-ID
// or a new one, request-id.ts; echoed as x-openstack-request-id and
// x-compute-request-id), authentication and the route's role (auth.ts), then the
// compute microversion (microversion.ts). Bodies are limited to 1 MiB and
// validated by each route's zod schemas; errors take Nova's shape (errors.ts).
import { createServer as createHttpsServer } from "node:https";
import {
  fastify,
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginCallback,
  type FastifyServerFactory,
} from "fastify";
import { validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Caller, ComputeApi } from "../compute/contract.js";
import type { Logger } from "../log/logger.js";
import { adminRoutes } from "./admin-routes.js";
import { authHook, type AuthMode } from "./auth.js";
import { computeRoutes } from "./compute-routes.js";
import { AnswerCache, DEFAULT_LIST_CACHE_MIB } from "./answer-cache.js";
import { registerDiscoveryRoutes } from "./discovery.js";
import { handleApiError, handleFrameworkError, handleNotFound, IDENTITY_PREFIX, NETWORK_PREFIX } from "./errors.js";
import { DEFAULT_REGION } from "./identity-documents.js";
import { identityRoutes } from "./identity-routes.js";
import { requestIdOf } from "./request-id.js";
import { hostCheckHook } from "./host-check.js";
import { imageRoutes } from "./image-routes.js";
import { DEFAULT_LOGIN_LIMITS, LoginGuard, type LoginLimits } from "./login-limits.js";
import { createServiceMetrics, type ServiceMetrics } from "./metrics.js";
import { registerMetricsRoutes } from "./metrics-routes.js";
import { registerRequestSpans } from "./request-spans.js";
import { networkRoutes } from "./network-routes.js";
import { MIN_MICROVERSION, microversionHook } from "./microversion.js";
import { registerOpenApi } from "./openapi.js";
import type { ApiInstance } from "./request-context.js";
import { registerVolumeDiscoveryRoutes, volumeRoutes } from "./volume-routes.js";

export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface ApiOptions {
  log: Logger;
  auth: "basic" | "none";
  /** Who every request is with auth "none". */
  noneCaller?: Omit<Caller, "requestId">;
  /** How long a successful Basic check is reused (default 10 s). */
  authCacheTtlMs?: number;
  /** Room for whole server-list answers (answer-cache.ts; api.listCacheMiB, default 16; 0: off). */
  listCacheMiB?: number;
  /** Failed-login limits and the negative cache (defaults: login-limits.ts). */
  login?: LoginLimits;
  /** PEM contents; with them the API speaks HTTPS only. */
  tls?: { cert: string; key: string };
  /** GET /metrics without credentials (api.metricsPublic); served only on a loopback listener. */
  metricsPublic?: boolean;
  /** The base of links (api.publicUrl); without it links follow the request's Host. */
  publicUrl?: string;
  /** The region the identity catalog names (api.region; default RegionOne). */
  region?: string;
  /** Host names (or name:port) besides the defaults of host-check.ts (api.allowedHosts). */
  allowedHosts?: readonly string[];
  /** The listen host (startApi sets it): allowed in the Host header. */
  host?: string;
  /** The service's metrics and tracer (startService makes them; default: fresh metrics, no traces). */
  metrics?: ServiceMetrics;
  /**
   * Routes of the layers beside the API (the web dashboard, src/web), mounted
   * after the API's own under the same hooks: request id, Host check,
   * authentication by each route's declared access.
   */
  plugins?: readonly WebPlugin[];
}

interface WebPlugin {
  plugin: FastifyPluginCallback;
  prefix: string;
  /**
   * Headers of every answer whose path is the prefix or under it (the web
   * layer's Content-Security-Policy), set here so that the router's own answers
   * (404, a malformed or over-long path), which no plugin's hook sees, carry them too.
   */
  headers?: Readonly<Record<string, string>>;
}

/** The headers a plugin declares for this URL's path, if any. */
function pathHeaders(plugins: readonly WebPlugin[], url: string): Readonly<Record<string, string>> | undefined {
  const path = url.split("?")[0] ?? "";
  return plugins.find(({ prefix, headers }) => headers !== undefined && prefix !== "" && (path === prefix || path.startsWith(`${prefix}/`)))?.headers;
}

function authMode(compute: ComputeApi, options: ApiOptions, guard: LoginGuard): AuthMode {
  switch (options.auth) {
    case "basic":
      return {
        kind: "basic",
        compute,
        ...(options.authCacheTtlMs === undefined ? {} : { cacheTtlMs: options.authCacheTtlMs }),
        guard,
      };
    case "none":
      if (options.noneCaller === undefined) throw new Error("auth 'none' needs the caller every request acts as");
      return { kind: "none", caller: options.noneCaller };
  }
}

export function buildApi(compute: ComputeApi, options: ApiOptions): FastifyInstance {
  const guard = new LoginGuard(options.login ?? DEFAULT_LOGIN_LIMITS);
  const mode = authMode(compute, options, guard);
  const tls = options.tls;
  const httpsFactory: FastifyServerFactory | undefined =
    tls === undefined ? undefined : (handler) => createHttpsServer({ cert: tls.cert, key: tls.key }, handler);
  const logger: FastifyBaseLogger = options.log;
  const app: ApiInstance = fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (raw) => requestIdOf(raw.headers),
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 512 },
    frameworkErrors: (error, request, reply) => {
      reply.headers(pathHeaders(options.plugins ?? [], request.url) ?? {});
      handleFrameworkError(error, request, reply);
    },
    ...(httpsFactory === undefined ? {} : { serverFactory: httpsFactory }),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.addHook("onSend", async (request, reply) => {
    const headers = pathHeaders(options.plugins ?? [], request.url);
    if (headers !== undefined) reply.headers(headers);
  });
  // An empty body with Content-Type: application/json (a bodiless DELETE from some
  // clients) is "no body"; anything else goes to Fastify's own (secure) parser.
  const defaultJsonParser = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") {
      done(null, undefined);
      return;
    }
    void defaultJsonParser(request, text, done);
  });
  const metrics = options.metrics ?? createServiceMetrics();
  registerRequestSpans(app, metrics.observer.tracer);
  app.decorateRequest("caller", null);
  app.decorateRequest("microversion", MIN_MICROVERSION);
  const linkBase = options.publicUrl?.replace(/\/+$/, "") ?? "";
  app.decorateRequest("linkBase", "");
  app.addHook("onRoute", (route) => {
    if (route.config?.access === undefined) {
      throw new Error(`route ${route.method.toString()} ${route.url} declares no access level`);
    }
  });
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-openstack-request-id", request.id).header("x-compute-request-id", request.id);
    request.linkBase = linkBase;
  });
  // Whenever a request needs no credentials, a foreign Host is refused first (DNS rebinding).
  if (options.auth === "none" || options.metricsPublic === true || (options.allowedHosts?.length ?? 0) > 0) {
    app.addHook(
      "onRequest",
      hostCheckHook({
        address: () => app.server.address(),
        ...(options.host === undefined ? {} : { listenHost: options.host }),
        ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
        ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }),
      }),
    );
  }
  app.addHook("onRequest", authHook(mode));
  app.addHook("onRequest", microversionHook);
  app.addHook("onResponse", async (request, reply) => {
    request.log.debug(
      { method: request.method, route: request.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      "request",
    );
  });
  // Before any route: the OpenAPI route recorder and the request metrics see them all.
  registerOpenApi(app);
  registerMetricsRoutes(app, compute, { public: options.metricsPublic === true, metrics });
  app.setErrorHandler(handleApiError);
  app.setNotFoundHandler(handleNotFound);

  registerDiscoveryRoutes(app, compute);
  const lists = new AnswerCache((options.listCacheMiB ?? DEFAULT_LIST_CACHE_MIB) * 1024 * 1024);
  void app.register(computeRoutes(compute, lists), { prefix: "/v2.1" });
  void app.register(imageRoutes(compute), { prefix: "/image/v2" });
  // Also Nova's image proxy (below 2.36), told apart by the compute microversion header.
  void app.register(imageRoutes(compute, { novaProxy: true }), { prefix: "/v2.1" });
  void app.register(adminRoutes(compute), { prefix: "/admin/v1" });
  void app.register(identityRoutes(compute, { guard, region: options.region ?? DEFAULT_REGION }), { prefix: IDENTITY_PREFIX });
  void app.register(networkRoutes(compute), { prefix: NETWORK_PREFIX });
  // Block Storage v3: with the project in the path (Cinder's catalog URL) and without.
  registerVolumeDiscoveryRoutes(app);
  void app.register(volumeRoutes(compute), { prefix: "/volume/v3/:project_id" });
  void app.register(volumeRoutes(compute), { prefix: "/volume/v3" });
  for (const { plugin, prefix } of options.plugins ?? []) void app.register(plugin, { prefix });
  return app;
}

export interface RunningApi {
  app: FastifyInstance;
  /** `http(s)://host:port` as bound (the real port when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

export async function startApi(
  compute: ComputeApi,
  options: ApiOptions & { host: string; port: number },
): Promise<RunningApi> {
  const app = buildApi(compute, options);
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("the API listener has no TCP address");
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `${options.tls === undefined ? "http" : "https"}://${host}:${address.port}`;
  return { app, url, close: () => app.close() };
}
