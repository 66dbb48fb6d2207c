// Nova's order of answers on a server's own routes: the server is looked up
// before its body is read, so an unknown (or another project's) server is 404
// whatever the body says; then a bad body is 400; then a state conflict 409
// (the handler's). Fastify validates the body before the handler, so every
// route under /servers/{id} that has a body schema gets a preValidation hook
// here that resolves the server first; the body is then validated by the
// route's own zod schema, and its 400 keeps the message the schema path gives
// (errors.ts). Routes added later (by anyone) get the hook without asking.
import type { preValidationAsyncHookHandler, RouteOptions } from "fastify";
import type { ComputeApi } from "../compute/contract.js";
import { callerOf, type ApiInstance } from "./request-context.js";
import { uuidRef } from "./schemas.js";

/** /servers/:id and everything below it (the mount prefix before it). */
const SERVER_ROUTE = /\/servers\/:id(\/|$)/;

function asArray<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

/** Whether a route gets the server-first check: below /servers/{id}, with a body schema. */
export function checksServerFirst(route: Pick<RouteOptions, "url" | "schema">): boolean {
  return route.schema?.body !== undefined && SERVER_ROUTE.test(route.url);
}

/**
 * Registers the check for every matching route added after this call in this
 * plugin (call it before the routes). A path id that is not a UUID is left to
 * the params schema, which answers 404 (errors.ts).
 */
export function serverBeforeBody(app: ApiInstance, compute: ComputeApi): void {
  const resolveServer: preValidationAsyncHookHandler = async (request) => {
    const params = request.params;
    const id = typeof params === "object" && params !== null && "id" in params ? uuidRef.safeParse(params.id) : undefined;
    if (id === undefined || !id.success) return;
    // NotFoundError for an unknown, deleted or invisible server: 404 by the error handler.
    await compute.servers.get(callerOf(request), id.data);
  };
  app.addHook("onRoute", (route) => {
    if (!checksServerFirst(route)) return;
    route.preValidation = [...asArray(route.preValidation), resolveServer];
  });
}
