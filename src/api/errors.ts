// Errors as Nova shows them: `{"<faultName>": {"code": N, "message": "…"}}`;
// under /identity (and for a bad X-Auth-Token anywhere, as keystonemiddleware
// answers it) as Keystone does: `{"error": {"code": N, "title": "…", "message": "…"}}`;
// under /network as Neutron does: `{"NeutronError": {"type": "NetworkNotFound", "message": "…", "detail": ""}}`
// (the type a compute error names, or the HTTP one of its status).
// Compute errors keep their (secret-free) message; validation errors name the
// field but never echo the value (it may be a password, S8); anything else is a
// 500 with a generic message and the real error in the log only.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import {
  BadRequestError,
  ComputeError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  QuotaExceededError,
  ServiceBusyError,
  UnauthorizedError,
} from "../compute/contract.js";

const FAULT_NAMES: Readonly<Record<number, string>> = {
  400: "badRequest",
  401: "unauthorized",
  403: "forbidden",
  404: "itemNotFound",
  405: "badMethod",
  409: "conflictingRequest",
  413: "overLimit",
  415: "badMediaType",
  421: "misdirectedRequest",
  429: "overLimit",
  501: "notImplemented",
  503: "serviceUnavailable",
};

const KEYSTONE_TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Request Entity Too Large",
  415: "Unsupported Media Type",
  421: "Misdirected Request",
  429: "Too Many Requests",
  501: "Not Implemented",
  503: "Service Unavailable",
};

/** Neutron's type for an error that names none of its own: webob's exception class. */
const NEUTRON_TYPES: Readonly<Record<number, string>> = {
  400: "HTTPBadRequest",
  401: "HTTPUnauthorized",
  403: "HTTPForbidden",
  404: "HTTPNotFound",
  405: "HTTPMethodNotAllowed",
  409: "HTTPConflict",
  413: "HTTPRequestEntityTooLarge",
  415: "HTTPUnsupportedMediaType",
  421: "HTTPMisdirectedRequest",
  429: "HTTPTooManyRequests",
  501: "HTTPNotImplemented",
  503: "HTTPServiceUnavailable",
};

export type FaultStyle = "nova" | "keystone" | "neutron";

/** Where the identity API lives; its errors take Keystone's shape. */
export const IDENTITY_PREFIX = "/identity";
/** Where the network API lives; its errors take Neutron's shape. */
export const NETWORK_PREFIX = "/network";

export function faultBody(code: number, message: string, style: FaultStyle = "nova", neutronType?: string): Record<string, unknown> {
  if (style === "keystone") return { error: { code, title: KEYSTONE_TITLES[code] ?? "Internal Server Error", message } };
  if (style === "neutron") return { NeutronError: { type: neutronType ?? NEUTRON_TYPES[code] ?? "HTTPInternalServerError", message, detail: "" } };
  return { [FAULT_NAMES[code] ?? "computeFault"]: { code, message } };
}

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`);
}

function styleOf(request: FastifyRequest): FaultStyle {
  if (under(request.url, IDENTITY_PREFIX)) return "keystone";
  return under(request.url, NETWORK_PREFIX) ? "neutron" : "nova";
}

/** An error answer in the shape of the API the request is for (or `style`); `neutronType` only for Neutron's. */
export function sendFault(
  reply: FastifyReply,
  code: number,
  message: string,
  style: FaultStyle = styleOf(reply.request),
  neutronType?: string,
): FastifyReply {
  return reply.code(code).type("application/json; charset=utf-8").send(faultBody(code, message, style, neutronType));
}

/** The HTTP status of a compute error; undefined for kinds this API does not know. */
export function computeErrorStatus(error: ComputeError): number | undefined {
  if (error instanceof NotFoundError) return 404;
  if (error instanceof BadRequestError) return 400;
  if (error instanceof UnauthorizedError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof ConflictError) return 409;
  if (error instanceof QuotaExceededError) return 403;
  if (error instanceof ServiceBusyError) return 503;
  return undefined;
}

const SAFE_FRAMEWORK_MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "Request body is larger than the limit of 1 MiB.",
  FST_ERR_CTP_EMPTY_JSON_BODY: "The request body is empty but its content type is application/json.",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "Unsupported media type; send application/json.",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "Content-Length does not match the body.",
  FST_ERR_CTP_INVALID_JSON_BODY: "The request body is not valid JSON.",
};

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && "code" in error && typeof error.code === "string";
}

function validationMessage(
  context: string | undefined,
  issues: ReadonlyArray<{ instancePath: string; message?: string | undefined }>,
): string {
  const parts = issues.slice(0, 5).map((issue) => {
    const path = issue.instancePath.split("/").filter((segment) => segment !== "").join(".");
    const field = path === "" ? (context ?? "request") : path;
    return `Invalid input for field/attribute ${field}: ${issue.message ?? "invalid value"}`;
  });
  return parts.join("; ");
}

/** Fastify's error handler for the whole API. */
export function handleApiError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (hasZodFastifySchemaValidationErrors(error)) {
    // A path id that is not well formed names nothing: 404 as for an unknown id
    // (S3; clients try names as ids first and need the 404, openstack-compat.md §7).
    if (error.validationContext === "params") return handleNotFound(request, reply);
    return sendFault(reply, 400, validationMessage(error.validationContext, error.validation));
  }
  if (error instanceof ComputeError) {
    const status = computeErrorStatus(error);
    if (error instanceof ServiceBusyError) reply.header("Retry-After", String(error.retryAfterSeconds));
    if (status !== undefined) return sendFault(reply, status, error.message, undefined, error.neutronType);
  }
  // The JSON parser's own SyntaxError quotes the body, so its text is never sent.
  if (error instanceof SyntaxError && "statusCode" in error && error.statusCode === 400) {
    return sendFault(reply, 400, "The request body is not valid JSON.");
  }
  if (isFastifyError(error) && error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    const message = SAFE_FRAMEWORK_MESSAGES[error.code] ?? "The request is invalid.";
    return sendFault(reply, error.statusCode, message);
  }
  request.log.error({ err: error, method: request.method, url: request.routeOptions.url }, "unexpected API error");
  return sendFault(
    reply,
    500,
    `Unexpected API Error. The service log has the details under request id ${request.id}.`,
  );
}

export function handleNotFound(_request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendFault(reply, 404, "The resource could not be found.");
}

/**
 * Fastify's router errors, raised before any hook runs (so before auth, which
 * they do not need: they judge only the URL's syntax). Without this they answer
 * Fastify's own body, which echoes the URL. A path parameter longer than the
 * router allows names nothing: 404, as for any malformed id; a path that is not
 * valid percent-encoding is a 400.
 */
export function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header("x-openstack-request-id", request.id).header("x-compute-request-id", request.id);
  if (error.code === "FST_ERR_MAX_PARAM_LENGTH") void sendFault(reply, 404, "The resource could not be found.");
  else if (error.code === "FST_ERR_BAD_URL") void sendFault(reply, 400, "The request URL is not valid: malformed percent-encoding.");
  else void handleApiError(error, request, reply);
}
