// The documents of the identity API in Keystone v3's shapes (see
// ../shared/docs/keystone-facts.md): version discovery, tokens with their
// service catalog, projects, users and application credentials.
//
// The catalog lists this service's own APIs, one URL for every interface
// (public, internal, admin) in one region. CATALOG_SERVICES is the one list of
// them: a new API (network, volume) adds its row here.
import { createHash } from "node:crypto";
import type { ApplicationCredentialView, TokenView } from "../compute/contract.js";
import { roleId } from "../compute/roles.js";
import type { ProjectRecord, Role, UserRecord } from "../store/records.js";
import { IDENTITY_PREFIX } from "./errors.js";

export const DEFAULT_DOMAIN = { id: "default", name: "Default" } as const;
export const DEFAULT_REGION = "RegionOne";
const INTERFACES = ["public", "internal", "admin"] as const;

/** Keystone's endpoint template for the token's project, as Cinder's endpoints use it. */
export const PROJECT_ID_TEMPLATE = "$(project_id)s";

/**
 * Every API this service serves, as the catalog names it: type, name, path
 * under the base URL (PROJECT_ID_TEMPLATE becomes the token's project).
 * Block Storage is listed under both types clients look for: `volumev3`
 * (cinderclient, hence `openstack volume …`) and `block-storage` (openstacksdk's
 * official type), with Cinder's URL `…/volume/v3/<project id>`.
 */
export const CATALOG_SERVICES: ReadonlyArray<{ type: string; name: string; path: string }> = [
  { type: "identity", name: "keystone", path: IDENTITY_PREFIX },
  { type: "compute", name: "nova", path: "/v2.1" },
  { type: "image", name: "glance", path: "/image" },
  { type: "network", name: "neutron", path: "/network" },
  { type: "volumev3", name: "cinderv3", path: `/volume/v3/${PROJECT_ID_TEMPLATE}` },
  { type: "block-storage", name: "cinder", path: `/volume/v3/${PROJECT_ID_TEMPLATE}` },
];

/** Stable ids for catalog entries: the same on every worker and every restart. */
function stableId(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 32);
}

export function catalog(base: string, region: string, projectId: string): Array<Record<string, unknown>> {
  return CATALOG_SERVICES.map((service) => ({
    id: stableId("service", service.type),
    type: service.type,
    name: service.name,
    endpoints: INTERFACES.map((face) => ({
      id: stableId("endpoint", service.type, face),
      interface: face,
      region,
      region_id: region,
      url: `${base}${service.path.replace(PROJECT_ID_TEMPLATE, projectId)}`,
    })),
  }));
}

/** Keystone's time format: microseconds and `Z` ("2026-12-02T01:00:00.000000Z"). */
export function keystoneTime(iso: string): string {
  return iso.replace(/\.(\d{3})Z$/, ".$1000Z");
}

const V3_MEDIA = [{ base: "application/json", type: "application/vnd.openstack.identity-v3+json" }];

export function identityVersion(base: string): Record<string, unknown> {
  return {
    id: "v3.14",
    status: "stable",
    updated: "2020-04-07T00:00:00Z",
    links: [{ rel: "self", href: `${base}${IDENTITY_PREFIX}/v3/` }],
    "media-types": V3_MEDIA,
  };
}

function roleDoc(role: Role): Record<string, unknown> {
  return { id: roleId(role), name: role, domain_id: null };
}

export function tokenDoc(view: TokenView, options: { base: string; region: string; withCatalog: boolean }): Record<string, unknown> {
  return {
    token: {
      methods: view.methods,
      audit_ids: [view.auditId],
      issued_at: keystoneTime(view.issuedAt),
      expires_at: keystoneTime(view.expiresAt),
      user: { id: view.user.id, name: view.user.name, domain: DEFAULT_DOMAIN, password_expires_at: null },
      ...(view.project === null
        ? {}
        : {
            project: { id: view.project.id, name: view.project.name, domain: DEFAULT_DOMAIN },
            is_domain: false,
            roles: view.roles.map((role) => ({ id: roleId(role), name: role })),
          }),
      ...(view.applicationCredential === null ? {} : { application_credential: view.applicationCredential }),
      ...(options.withCatalog && view.project !== null ? { catalog: catalog(options.base, options.region, view.project.id) } : {}),
    },
  };
}

export function projectDoc(project: ProjectRecord, base: string): Record<string, unknown> {
  return {
    id: project.id,
    name: project.name,
    description: project.description,
    domain_id: DEFAULT_DOMAIN.id,
    parent_id: DEFAULT_DOMAIN.id,
    enabled: true,
    is_domain: false,
    tags: [],
    options: {},
    links: { self: `${base}${IDENTITY_PREFIX}/v3/projects/${project.id}` },
  };
}

export function userDoc(user: Omit<UserRecord, "passwordHash">, base: string): Record<string, unknown> {
  return {
    id: user.id,
    name: user.name,
    domain_id: DEFAULT_DOMAIN.id,
    default_project_id: user.projectId,
    enabled: true,
    password_expires_at: null,
    options: {},
    links: { self: `${base}${IDENTITY_PREFIX}/v3/users/${user.id}` },
  };
}

export function applicationCredentialDoc(credential: ApplicationCredentialView, base: string, secret?: string): Record<string, unknown> {
  return {
    id: credential.id,
    name: credential.name,
    description: credential.description,
    user_id: credential.userId,
    project_id: credential.projectId,
    roles: credential.roles.map(roleDoc),
    unrestricted: credential.unrestricted,
    expires_at: credential.expiresAt === null ? null : keystoneTime(credential.expiresAt),
    access_rules: [],
    ...(secret === undefined ? {} : { secret }),
    links: { self: `${base}${IDENTITY_PREFIX}/v3/users/${credential.userId}/application_credentials/${credential.id}` },
  };
}

/** A collection's `links` (Keystone pages nothing here: one page holds all). */
export function collectionLinks(self: string): Record<string, unknown> {
  return { self, previous: null, next: null };
}
