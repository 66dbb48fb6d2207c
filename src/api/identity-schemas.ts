// What the identity API takes, validated (zod) and turned into the compute
// layer's terms. Keystone's request bodies carry more than we read (clients add
// fields of their own), so unknown keys are dropped rather than refused; every
// string is bounded.
import { z } from "zod";
import type { NewApplicationCredential, TokenCredentials, TokenScope, UserRef } from "../compute/contract.js";
import { UnauthorizedError } from "../compute/contract.js";

const text = z.string().min(1).max(255);
/** Longer than any password we store (72 bytes), short enough never to be hashed. */
const secret = z.string().min(1).max(1_024);

const domainRef = z.object({ id: text.optional(), name: text.optional() });

const userRef = z.object({ id: text.optional(), name: text.optional(), domain: domainRef.optional() });

const tokenRequestSchema = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string().max(64)).min(1).max(8),
      password: z.object({ user: userRef.extend({ password: secret }) }).optional(),
      application_credential: z
        .object({ id: text.optional(), name: text.optional(), secret, user: userRef.optional() })
        .optional(),
      token: z.object({ id: z.string().min(1).max(1_024) }).optional(),
    }),
    scope: z
      .union([
        z.literal("unscoped"),
        z.object({
          project: z.object({ id: text.optional(), name: text.optional(), domain: domainRef.optional() }).optional(),
          domain: domainRef.optional(),
          system: z.unknown().optional(),
          "OS-TRUST:trust": z.unknown().optional(),
        }),
      ])
      .optional(),
  }),
});

export const tokenRequestBody = tokenRequestSchema;
export type TokenRequestBody = z.output<typeof tokenRequestSchema>;

/** Every user and project lives in Keystone's default domain; a name must say so. */
function inDefaultDomain(domain: { id?: string | undefined; name?: string | undefined } | undefined, what: string): void {
  if (domain === undefined) throw new UnauthorizedError(`A ${what} given by name needs its domain (Default).`);
  const ok = (domain.id === undefined || domain.id === "default") && (domain.name === undefined || domain.name === "Default");
  if (!ok || (domain.id === undefined && domain.name === undefined)) throw new UnauthorizedError(`There is no such ${what} in that domain.`);
}

function toUserRef(user: z.output<typeof userRef>): UserRef {
  if (user.id !== undefined) return { id: user.id };
  if (user.name === undefined) throw new UnauthorizedError("The user needs an id or a name.");
  inDefaultDomain(user.domain, "user");
  return { name: user.name };
}

/** The one method we are asked to use, with its credentials (UnauthorizedError otherwise, as Keystone). */
export function credentialsOf(body: TokenRequestBody): TokenCredentials {
  const identity = body.auth.identity;
  const methods = [...new Set(identity.methods)];
  if (methods.length !== 1) throw new UnauthorizedError("Exactly one authentication method is supported per request.");
  switch (methods[0] ?? "") {
    case "password":
      if (identity.password === undefined) throw new UnauthorizedError("The password method needs auth.identity.password.");
      return { method: "password", user: toUserRef(identity.password.user), password: identity.password.user.password };
    case "application_credential": {
      const credential = identity.application_credential;
      if (credential === undefined) throw new UnauthorizedError("The application_credential method needs auth.identity.application_credential.");
      if (credential.id !== undefined) return { method: "application_credential", credential: { id: credential.id }, secret: credential.secret };
      if (credential.name === undefined || credential.user === undefined) {
        throw new UnauthorizedError("An application credential is named by its id, or by its name and its user.");
      }
      return { method: "application_credential", credential: { name: credential.name, user: toUserRef(credential.user) }, secret: credential.secret };
    }
    case "token":
      if (identity.token === undefined) throw new UnauthorizedError("The token method needs auth.identity.token.");
      return { method: "token", token: identity.token.id };
    default:
      throw new UnauthorizedError("Attempted to authenticate with an unsupported method.");
  }
}

export function scopeOf(body: TokenRequestBody): TokenScope {
  const scope = body.auth.scope;
  if (scope === undefined || scope === "unscoped") return scope;
  if (scope.domain !== undefined || scope.system !== undefined || scope["OS-TRUST:trust"] !== undefined) {
    throw new UnauthorizedError("Only project-scoped and unscoped tokens are issued here.");
  }
  const project = scope.project;
  if (project === undefined) return undefined;
  if (project.id !== undefined) return { project: { id: project.id } };
  if (project.name === undefined) throw new UnauthorizedError("The project needs an id or a name.");
  inDefaultDomain(project.domain, "project");
  return { project: { name: project.name } };
}

/** Who the failure limits count a token request against. */
export function subjectOf(credentials: TokenCredentials): string | undefined {
  switch (credentials.method) {
    case "password":
      return "id" in credentials.user ? credentials.user.id : credentials.user.name;
    case "application_credential":
      return `application-credential:${"id" in credentials.credential ? credentials.credential.id : credentials.credential.name}`;
    case "token":
      // 256 random bits: nothing to guess, nothing to count.
      return undefined;
  }
}

export const applicationCredentialBody = z.object({
  application_credential: z.object({
    name: text,
    description: z.string().max(255).nullable().optional(),
    secret: z.string().min(1).max(255).nullable().optional(),
    expires_at: z.string().max(64).nullable().optional(),
    roles: z
      .array(z.object({ id: text.optional(), name: text.optional() }))
      .max(8)
      .optional(),
    unrestricted: z.boolean().optional(),
    access_rules: z.array(z.unknown()).max(0, "access rules are not supported").optional(),
  }),
});

/** Keystone takes `expires_at` as ISO 8601 with or without a zone (UTC then) and any fraction; undefined if it is not. */
function parseExpiry(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The request in the compute layer's terms; a string naming the invalid field otherwise. */
export function newApplicationCredential(body: z.output<typeof applicationCredentialBody>): NewApplicationCredential | string {
  const request = body.application_credential;
  let expiresAt: string | null = null;
  if (request.expires_at !== undefined && request.expires_at !== null) {
    const parsed = parseExpiry(request.expires_at);
    if (parsed === undefined) return "expires_at is not an ISO 8601 time";
    expiresAt = parsed;
  }
  const roles = request.roles?.map((role) => role.id ?? role.name ?? "");
  return {
    name: request.name,
    ...(request.description === undefined || request.description === null ? {} : { description: request.description }),
    ...(request.secret === undefined || request.secret === null ? {} : { secret: request.secret }),
    ...(roles === undefined ? {} : { roles }),
    expiresAt,
    ...(request.unrestricted === undefined ? {} : { unrestricted: request.unrestricted }),
  };
}

export const passwordChangeBody = z.object({
  user: z.object({ password: z.string().min(1).max(256), original_password: z.string().min(1).max(256) }),
});
