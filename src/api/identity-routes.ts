// The identity API (Keystone v3's shapes) under /identity: discovery, tokens
// (issue, validate, revoke), the catalog, projects, users' own password and
// application credentials. Every route takes unscoped tokens; each handler
// (or the compute layer behind it) judges who may see what. Errors here take
// Keystone's shape (errors.ts).
//
// Token requests with a password or an application credential secret go
// through the same failure limits as Basic (one LoginGuard per API).
import type { FastifyPluginCallbackZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ScopeRefusedError, UnauthorizedError, type ComputeApi } from "../compute/contract.js";
import { sendFault } from "./errors.js";
import {
  applicationCredentialDoc,
  catalog,
  collectionLinks,
  identityVersion,
  tokenDoc,
  userDoc,
} from "./identity-documents.js";
import {
  applicationCredentialBody,
  credentialsOf,
  newApplicationCredential,
  passwordChangeBody,
  scopeOf,
  subjectOf,
  tokenRequestBody,
} from "./identity-schemas.js";
import type { GuardedOutcome, LoginGuard } from "./login-limits.js";
import { baseUrl, callerOf, unversioned } from "./request-context.js";
import { projectList, registerProjectLookups } from "./project-lookup-routes.js";
import { pathId } from "./schemas.js";

const PUBLIC = { access: "public" } as const;
const ANY = { access: "authenticated" } as const;

const userParams = z.object({ id: pathId }).strict();
const credentialParams = z.object({ id: pathId, credentialId: pathId }).strict();
const subjectHeaders = z.object({ "x-subject-token": z.string().min(1).max(1_024) });
const nameQuery = z.object({ name: z.string().max(255).optional() });
const tokenQuery = z.object({ nocatalog: z.string().max(16).optional() });

/** A check that needs no failure limit (re-scoping a token: 256 random bits, nothing to guess). */
async function unguarded<T>(check: () => Promise<T | undefined>): Promise<GuardedOutcome<T>> {
  const value = await check();
  return value === undefined ? { kind: "denied" } : { kind: "ok", value };
}

export interface IdentityRouteOptions {
  guard: LoginGuard;
  region: string;
}

export function identityRoutes(compute: ComputeApi, options: IdentityRouteOptions): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    unversioned(app);
    app.addHook("onRoute", (route) => {
      route.config = { ...route.config, unscopedTokens: true };
    });

    // Both spellings, each its own route (gophercloud asks for the one with the slash).
    for (const url of ["", "/"]) {
      app.get(url, { config: PUBLIC, prefixTrailingSlash: "slash" }, (request, reply) =>
        reply.code(300).send({ versions: { values: [identityVersion(baseUrl(request))] } }),
      );
    }
    for (const url of ["/v3", "/v3/"]) {
      app.get(url, { config: PUBLIC }, (request) => ({ version: identityVersion(baseUrl(request)) }));
    }

    app.post("/v3/auth/tokens", { config: PUBLIC, schema: { body: tokenRequestBody, querystring: tokenQuery } }, async (request, reply) => {
      const credentials = credentialsOf(request.body);
      const scope = scopeOf(request.body);
      const subject = subjectOf(credentials);
      let refused: UnauthorizedError | undefined;
      // A wrong secret counts against the failure limits; a right one with a scope
      // that is not the user's does not (it is answered 401 all the same).
      const issue = async () => {
        try {
          return await compute.tokens.issue(credentials, scope);
        } catch (error) {
          if (error instanceof ScopeRefusedError) return error;
          if (!(error instanceof UnauthorizedError)) throw error;
          refused = error;
          return undefined;
        }
      };
      const outcome = subject === undefined ? await unguarded(issue) : await options.guard.attempt(request.ip, subject, issue);
      switch (outcome.kind) {
        case "throttled":
          reply.header("Retry-After", String(outcome.retryAfterSeconds));
          return sendFault(reply, 429, `Too many failed logins; try again in ${outcome.retryAfterSeconds} s.`);
        case "denied":
          request.log.warn({ method: credentials.method, subject: subject?.slice(0, 65), client: request.ip }, "failed token request");
          return sendFault(reply, 401, refused?.message ?? "The request you have made requires authentication.");
        case "ok": {
          const issued = outcome.value;
          if (issued instanceof ScopeRefusedError) return sendFault(reply, 401, issued.message);
          return reply
            .code(201)
            .header("X-Subject-Token", issued.token)
            .send(tokenDoc(issued.view, { base: baseUrl(request), region: options.region, withCatalog: request.query.nocatalog === undefined }));
        }
      }
    });

    /** The token named by X-Subject-Token, if the caller may see it: its own, or any for admin and service. */
    const subjectToken = async (caller: ReturnType<typeof callerOf>, token: string) => {
      const view = await compute.tokens.validate(token);
      const visible = view !== undefined && (view.user.id === caller.userId || caller.role === "admin" || caller.role === "service");
      return visible ? view : undefined;
    };

    // Fastify answers HEAD from this route too (same status, no body): Keystone's check-token.
    app.get("/v3/auth/tokens", { config: ANY, schema: { headers: subjectHeaders, querystring: tokenQuery } }, async (request, reply) => {
      const view = await subjectToken(callerOf(request), request.headers["x-subject-token"]);
      if (view === undefined) return sendFault(reply, 404, "Could not find token.");
      return reply
        .header("X-Subject-Token", request.headers["x-subject-token"])
        .send(tokenDoc(view, { base: baseUrl(request), region: options.region, withCatalog: request.query.nocatalog === undefined }));
    });

    app.delete("/v3/auth/tokens", { config: ANY, schema: { headers: subjectHeaders } }, async (request, reply) => {
      await compute.tokens.revoke(callerOf(request), request.headers["x-subject-token"]);
      return reply.code(204).send();
    });

    app.get("/v3/auth/catalog", { config: ANY }, (request) => ({
      catalog: catalog(baseUrl(request), options.region, callerOf(request).projectId),
      links: collectionLinks(`${baseUrl(request)}${request.url}`),
    }));

    app.get("/v3/auth/projects", { config: ANY }, async (request) => {
      const caller = callerOf(request);
      return projectList(request, await compute.tokens.scopes(caller, caller.userId));
    });

    app.get("/v3/users/:id/projects", { config: ANY, schema: { params: userParams } }, async (request) =>
      projectList(request, await compute.tokens.scopes(callerOf(request), request.params.id)),
    );

    registerProjectLookups(app, compute, "/v3/projects");

    app.get("/v3/users/:id", { config: ANY, schema: { params: userParams } }, async (request) => {
      const user = await compute.users.get(callerOf(request), request.params.id);
      return { user: userDoc(user, baseUrl(request)) };
    });

    app.post("/v3/users/:id/password", { config: ANY, schema: { params: userParams, body: passwordChangeBody } }, async (request, reply) => {
      const { password, original_password: original } = request.body.user;
      await compute.users.changeOwnPassword(callerOf(request), request.params.id, original, password);
      return reply.code(204).send();
    });

    const credentials = "/v3/users/:id/application_credentials";
    app.get(credentials, { config: ANY, schema: { params: userParams, querystring: nameQuery } }, async (request) => ({
      application_credentials: (await compute.applicationCredentials.list(callerOf(request), request.params.id, request.query.name)).map(
        (credential) => applicationCredentialDoc(credential, baseUrl(request)),
      ),
      links: collectionLinks(`${baseUrl(request)}${request.url}`),
    }));

    app.post(credentials, { config: ANY, schema: { params: userParams, body: applicationCredentialBody } }, async (request, reply) => {
      const asked = newApplicationCredential(request.body);
      if (typeof asked === "string") return sendFault(reply, 400, asked);
      const { credential, secret } = await compute.applicationCredentials.create(callerOf(request), request.params.id, asked);
      return reply.code(201).send({ application_credential: applicationCredentialDoc(credential, baseUrl(request), secret) });
    });

    app.get(`${credentials}/:credentialId`, { config: ANY, schema: { params: credentialParams } }, async (request) => ({
      application_credential: applicationCredentialDoc(
        await compute.applicationCredentials.get(callerOf(request), request.params.id, request.params.credentialId),
        baseUrl(request),
      ),
    }));

    app.delete(`${credentials}/:credentialId`, { config: ANY, schema: { params: credentialParams } }, async (request, reply) => {
      await compute.applicationCredentials.delete(callerOf(request), request.params.id, request.params.credentialId);
      return reply.code(204).send();
    });
    done();
  };
}
