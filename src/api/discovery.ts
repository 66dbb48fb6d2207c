// Version discovery documents, the health check (/healthz: the process serves)
// and the readiness check (/readyz: compute/readiness.ts): no authentication
// needed (openstacksdk asks for the documents without credentials first; load
// balancers and systemd probes have none).
import type { ComputeApi } from "../compute/contract.js";
import { MAX_VERSION_TEXT, MIN_VERSION_TEXT } from "./microversion.js";
import { baseUrl, type ApiInstance } from "./request-context.js";

const PUBLIC = { access: "public" } as const;

function computeVersion(selfHref: string): Record<string, unknown> {
  return {
    id: "v2.1",
    status: "CURRENT",
    version: MAX_VERSION_TEXT,
    min_version: MIN_VERSION_TEXT,
    updated: "2013-07-23T11:33:21Z",
    links: [{ rel: "self", href: selfHref }],
    "media-types": [{ base: "application/json", type: "application/vnd.openstack.compute+json;version=2.1" }],
  };
}

/**
 * Nova's v2.0: the legacy API without microversions. Only its version document
 * is served (the root advertises it); every other /v2/ path is a 404.
 */
function legacyComputeVersion(selfHref: string): Record<string, unknown> {
  return {
    id: "v2.0",
    status: "SUPPORTED",
    version: "",
    min_version: "",
    updated: "2011-01-21T11:33:21Z",
    links: [{ rel: "self", href: selfHref }],
    "media-types": [{ base: "application/json", type: "application/vnd.openstack.compute+json;version=2" }],
  };
}

function imageVersions(selfHref: string): Record<string, unknown> {
  return {
    versions: [
      { id: "v2.16", status: "CURRENT", links: [{ rel: "self", href: selfHref }] },
      { id: "v2.0", status: "SUPPORTED", links: [{ rel: "self", href: selfHref }] },
    ],
  };
}

export function registerDiscoveryRoutes(app: ApiInstance, compute: ComputeApi): void {
  app.get("/", { config: PUBLIC }, (request) => {
    const base = baseUrl(request);
    return {
      versions: [
        legacyComputeVersion(`${base}/v2/`),
        computeVersion(`${base}/v2.1/`),
      ],
    };
  });

  for (const url of ["/v2.1", "/v2.1/"]) {
    app.get(url, { config: PUBLIC }, (request) => {
      const path = (request.url.split("?")[0] ?? url).replace(/\/?$/, "/");
      return { version: computeVersion(`${baseUrl(request)}${path}`) };
    });
  }

  for (const url of ["/v2", "/v2/"]) {
    app.get(url, { config: PUBLIC }, (request) => ({ version: legacyComputeVersion(`${baseUrl(request)}/v2/`) }));
  }

  for (const url of ["/image", "/image/", "/image/v2", "/image/v2/"]) {
    app.get(url, { config: PUBLIC }, (request, reply) => {
      return reply.code(300).send(imageVersions(`${baseUrl(request)}/image/v2/`));
    });
  }

  for (const url of ["/network", "/network/"]) {
    app.get(url, { config: PUBLIC }, (request) => ({
      versions: [{ id: "v2.0", status: "CURRENT", links: [{ rel: "self", href: `${baseUrl(request)}/network/v2.0/` }] }],
    }));
  }

  app.get("/healthz", { config: PUBLIC }, () => ({ status: "ok" }));

  // Names and ok/failing only: no reason, host or version reaches an anonymous caller.
  app.get("/readyz", { config: PUBLIC }, async (_request, reply) => {
    const report = await compute.health.readiness();
    return reply.code(report.ready ? 200 : 503).send({
      status: report.ready ? "ready" : "not ready",
      checks: Object.fromEntries(report.checks.map((check) => [check.name, check.ok ? "ok" : "failing"])),
    });
  });
}
