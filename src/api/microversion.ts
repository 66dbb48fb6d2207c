// Compute API microversions: which one a request asks for, and the headers that
// echo it. Clients send `OpenStack-API-Version: compute 2.N` and/or the legacy
// `X-OpenStack-Nova-API-Version: 2.N`; none means 2.1; `latest` is our maximum.
import type { FastifyReply, FastifyRequest } from "fastify";
import { sendFault } from "./errors.js";

export const MIN_MICROVERSION = 1;
export const MAX_MICROVERSION = 95;
export const MIN_VERSION_TEXT = `2.${MIN_MICROVERSION}`;
export const MAX_VERSION_TEXT = `2.${MAX_MICROVERSION}`;

export type MicroversionResult =
  | { ok: true; minor: number }
  | { ok: false; status: 400 | 406; message: string };

const FORMAT = /^([1-9]\d*)\.([1-9]\d*|0)$/;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  if (Array.isArray(value)) return value.join(",");
  return value;
}

/** The version text the request asks for, or undefined for the default. */
function requestedVersion(request: FastifyRequest): string | undefined {
  const modern = header(request, "openstack-api-version");
  if (modern !== undefined) {
    for (const entry of modern.split(",")) {
      const [service, version, ...rest] = entry.trim().split(/\s+/);
      if (service?.toLowerCase() === "compute" && version !== undefined && rest.length === 0) return version;
    }
  }
  const legacy = header(request, "x-openstack-nova-api-version");
  return legacy === undefined ? undefined : legacy.trim();
}

export function parseMicroversion(text: string | undefined): MicroversionResult {
  if (text === undefined || text === "") return { ok: true, minor: MIN_MICROVERSION };
  if (text.toLowerCase() === "latest") return { ok: true, minor: MAX_MICROVERSION };
  const match = FORMAT.exec(text);
  if (match === null) {
    return {
      ok: false,
      status: 400,
      message: `API Version String ${text.slice(0, 32)} is of invalid format. Must be of format MajorNum.MinorNum.`,
    };
  }
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major !== 2 || minor < MIN_MICROVERSION || minor > MAX_MICROVERSION) {
    return {
      ok: false,
      status: 406,
      message: `Version ${text} is not supported by the API. Minimum is ${MIN_VERSION_TEXT} and maximum is ${MAX_VERSION_TEXT}.`,
    };
  }
  return { ok: true, minor };
}

/**
 * Nova's answer for a method outside its microversion range
 * (VersionNotFoundForAPIMethod): 404 itemNotFound.
 */
export function outsideVersion(reply: FastifyReply): FastifyReply {
  return sendFault(reply, 404, "The resource could not be found.");
}

/**
 * The compute microversion a request names in its headers, or undefined when it
 * names none. For routes outside the compute API that still answer as Nova
 * when asked with a version (Nova's image proxy under /v2.1, image-routes.ts).
 */
export function explicitMicroversion(request: FastifyRequest): MicroversionResult | undefined {
  const text = requestedVersion(request);
  return text === undefined ? undefined : parseMicroversion(text);
}

/** Sets request.microversion and the headers that echo it. */
export function applyMicroversion(request: FastifyRequest, reply: FastifyReply, minor: number): void {
  request.microversion = minor;
  reply
    .header("OpenStack-API-Version", `compute 2.${minor}`)
    .header("X-OpenStack-Nova-API-Version", `2.${minor}`)
    .header("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version");
}

/** onRequest hook: sets request.microversion and the echo headers, or answers 400/406. */
export async function microversionHook(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const config = request.routeOptions.config;
  if (config.access === "public" || config.versioned === false) return undefined;
  const result = parseMicroversion(requestedVersion(request));
  if (!result.ok) return sendFault(reply, result.status, result.message);
  applyMicroversion(request, reply, result.minor);
  return undefined;
}
