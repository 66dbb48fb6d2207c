// GET /openapi.json (no credentials): an OpenAPI 3.1 description of every route
// the API serves, built from the routes themselves.
//
// An onRoute hook records each route as Fastify adds it (so registerOpenApi must
// run before any route is added; it is synchronous, like the access check in
// buildApi, and so also sees the discovery routes added straight onto the root,
// which @fastify/swagger's plugin-time hook would miss). The document is built
// once, on the first request (every route exists by then):
// - the path, method and `x-required-role` (the route's declared access: public,
//   reader, member or admin) come from the route;
// - parameters and the request body from the route's zod schemas, converted with
//   zod 4's z.toJSONSchema (the input side: what a client sends); response
//   schemas likewise when a route declares them;
// - summary, tag and success answers from route-docs.ts; a route missing there
//   is still listed, with `x-undocumented: true`;
// - HTTP Basic and Keystone's X-Auth-Token are the security schemes (either
//   will do); public routes clear them.
import type { FastifyRequest, RouteOptions } from "fastify";
import { z } from "zod";
import { buildVersion } from "./build-info.js";
import { MAX_VERSION_TEXT, MIN_VERSION_TEXT } from "./microversion.js";
import { baseUrl, type ApiInstance } from "./request-context.js";
import { ROUTE_DOCS, TAGS, type RouteDoc } from "./route-docs.js";

export const OPENAPI_PATH = "/openapi.json";
export const SECURITY_SCHEME = "basicAuth";
export const TOKEN_SCHEME = "keystoneToken";

type Json = Record<string, unknown>;

interface CollectedRoute {
  method: string;
  url: string;
  /** Fastify's own options object: later onRoute hooks may still change its config. */
  options: RouteOptions;
}

const HTTP_METHODS = new Set(["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"]);

/** Fastify's `/servers/:id` as OpenAPI's `/servers/{id}` (regex constraints dropped, `*` named "wildcard"). */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, "{$1}").replace(/\*/g, "{wildcard}");
}

function pathParamNames(url: string): string[] {
  return [...openApiPath(url).matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? "");
}

function operationId(method: string, url: string): string {
  return `${method.toLowerCase()}${url.replace(/[^A-Za-z0-9]+/g, "_")}`;
}

/** A route's schema part as JSON Schema: zod converted (input or output side), plain JSON Schema as is. */
function jsonSchemaOf(schema: unknown, io: "input" | "output"): Json | undefined {
  if (schema === undefined || schema === null) return undefined;
  if (schema instanceof z.ZodType) {
    const converted: Json = { ...z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) };
    delete converted["$schema"];
    return converted;
  }
  return typeof schema === "object" ? { ...(schema as Json) } : undefined;
}

function objectProperties(schema: Json | undefined): { properties: Record<string, Json>; required: Set<string> } {
  const properties = schema?.["properties"];
  const required = schema?.["required"];
  return {
    properties: typeof properties === "object" && properties !== null ? (properties as Record<string, Json>) : {},
    required: new Set(Array.isArray(required) ? required.filter((name): name is string => typeof name === "string") : []),
  };
}

const MICROVERSION_HEADERS: Json[] = [
  {
    name: "OpenStack-API-Version",
    in: "header",
    required: false,
    description: `\`compute 2.N\`: the compute microversion (${MIN_VERSION_TEXT}–${MAX_VERSION_TEXT} or \`latest\`; none means ${MIN_VERSION_TEXT}).`,
    schema: { type: "string", examples: [`compute ${MAX_VERSION_TEXT}`] },
  },
  {
    name: "X-OpenStack-Nova-API-Version",
    in: "header",
    required: false,
    description: "The legacy form of the microversion header: `2.N` or `latest`.",
    schema: { type: "string", examples: [MAX_VERSION_TEXT] },
  },
];

const FAULT_REF = { $ref: "#/components/schemas/Fault" };

function fault(description: string): Json {
  return { description, content: { "application/json": { schema: FAULT_REF } } };
}

function operationOf(route: CollectedRoute, doc: RouteDoc | undefined): Json {
  const { method, url, options } = route;
  const config = options.config ?? {};
  const access = config.access ?? "public";
  const versioned = access !== "public" && config.versioned !== false && url.startsWith("/v2.1");
  const schema = options.schema ?? {};

  const params = objectProperties(jsonSchemaOf(schema.params, "input"));
  const parameters: Json[] = pathParamNames(url).map((name) => ({
    name,
    in: "path",
    required: true,
    schema: params.properties[name] ?? { type: "string" },
  }));
  const query = objectProperties(jsonSchemaOf(schema.querystring, "input"));
  for (const [name, propertySchema] of Object.entries(query.properties)) {
    parameters.push({ name, in: "query", required: query.required.has(name), schema: propertySchema });
  }
  if (versioned) parameters.push(...MICROVERSION_HEADERS);

  const responses: Json = {};
  const declared = schema.response;
  const mediaType = doc?.mediaType ?? "application/json";
  for (const [status, answer] of Object.entries(doc?.responses ?? { 200: "Success." })) {
    const description = typeof answer === "string" ? answer : answer.description;
    const withBody = typeof answer === "string" && status !== "204";
    const responseSchema =
      typeof declared === "object" && declared !== null ? jsonSchemaOf((declared as Record<string, unknown>)[status], "output") : undefined;
    responses[status] = withBody ? { description, content: { [mediaType]: { schema: responseSchema ?? {} } } } : { description };
  }
  const validated = schema.body !== undefined || schema.querystring !== undefined || schema.params !== undefined;
  if (validated) responses["400"] = fault("The request is invalid (the message names the field, never its value).");
  if (access !== "public") {
    responses["401"] = fault("No or wrong credentials (HTTP Basic), or an unknown, expired or revoked X-Auth-Token.");
    responses["403"] = fault(`The caller's role is below ${access}, or the policy refuses the request.`);
  }
  if (parameters.some((parameter) => parameter["in"] === "path")) responses["404"] = fault("Not found (or not visible to the caller).");
  if (versioned) responses["406"] = fault("The requested microversion is outside the supported range.");
  responses["default"] = fault("Any other error, in Nova's fault shape.");

  const body = jsonSchemaOf(schema.body, "input");
  return {
    operationId: operationId(method, url),
    summary: doc?.summary ?? `${method} ${url}`,
    ...(doc?.description === undefined ? {} : { description: doc.description }),
    tags: [doc?.tag ?? "undocumented"],
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(body === undefined ? {} : { requestBody: { required: true, content: { "application/json": { schema: body } } } }),
    responses,
    ...(access === "public" ? { security: [] } : {}),
    "x-required-role": access,
    ...(doc === undefined ? { "x-undocumented": true } : {}),
  };
}

/** The OpenAPI document for these routes (HEAD routes Fastify adds for GETs are left out). */
export function openApiDocument(routes: readonly CollectedRoute[]): Json {
  const gets = new Set(routes.filter((route) => route.method === "GET").map((route) => route.url));
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    if (route.method === "HEAD" && gets.has(route.url)) continue;
    const item = (paths[openApiPath(route.url)] ??= {});
    item[route.method.toLowerCase()] = operationOf(route, ROUTE_DOCS[`${route.method} ${route.url}`]);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "ironic-compute",
      version: buildVersion(),
      summary: "Bare-metal servers as if they were VMs: Compute v2.1 (Nova) and Image v2 (Glance) subsets over OpenStack Ironic.",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    security: [{ [SECURITY_SCHEME]: [] }, { [TOKEN_SCHEME]: [] }],
    paths,
    components: {
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: "http",
          scheme: "basic",
          description: "An ironic-compute user's name and password. Each route names the least role it needs in `x-required-role`.",
        },
        [TOKEN_SCHEME]: {
          type: "apiKey",
          in: "header",
          name: "X-Auth-Token",
          description: "A token from POST /identity/v3/auth/tokens (Keystone v3). It carries the user's role in one project.",
        },
      },
      schemas: {
        Fault: {
          type: "object",
          description: 'Nova\'s error shape, e.g. {"itemNotFound": {"code": 404, "message": "…"}}.',
          minProperties: 1,
          maxProperties: 1,
          additionalProperties: {
            type: "object",
            properties: { code: { type: "integer" }, message: { type: "string" } },
            required: ["code", "message"],
          },
        },
      },
    },
  };
}

/**
 * Starts recording routes and registers GET /openapi.json. Call it before any
 * route is added: routes added earlier are not seen.
 */
export function registerOpenApi(app: ApiInstance): void {
  const routes: CollectedRoute[] = [];
  app.addHook("onRoute", (options) => {
    const methods = Array.isArray(options.method) ? options.method : [options.method];
    for (const method of methods) {
      const upper = method.toUpperCase();
      if (HTTP_METHODS.has(upper)) routes.push({ method: upper, url: options.url, options });
    }
  });
  let document: Json | undefined;
  app.get(OPENAPI_PATH, { config: { access: "public", versioned: false } }, (request: FastifyRequest) => {
    document ??= openApiDocument(routes);
    return { ...document, servers: [{ url: baseUrl(request), description: "This ironic-compute endpoint, as the request reached it." }] };
  });
}
