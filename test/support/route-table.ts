// The API's routes as Fastify serves them, for tests that must cover every
// route (openapi, tenancy matrix, fuzzing): a route added later is in this list
// without anyone editing the test, so the test fails until it knows the route.
import type { FastifyInstance } from "fastify";

export interface ServedRoute {
  method: string;
  /** Fastify's pattern, e.g. `/v2.1/servers/:id`. */
  url: string;
}

/**
 * Fastify's route table, from printRoutes({ commonPrefix: false }): a tree whose
 * lines are `<indent>├── <segment> (METHODS)`, 4 columns per level; a route's
 * URL is its ancestors' segments joined.
 */
export function parseRouteTree(printed: string): ServedRoute[] {
  const routes: ServedRoute[] = [];
  const stack: string[] = [];
  for (const line of printed.split("\n")) {
    const match = /^(.*?)(?:├── |└── )(.*)$/.exec(line);
    if (match === null) continue;
    const depth = (match[1] ?? "").length / 4;
    const text = match[2] ?? "";
    const methods = /^(.*) \(([A-Z, ]+)\)$/.exec(text);
    const segment = methods === null ? text : (methods[1] ?? "");
    stack.length = depth;
    stack.push(segment);
    if (methods !== null) {
      for (const method of (methods[2] ?? "").split(", ")) routes.push({ method, url: stack.join("") });
    }
  }
  return routes;
}

/** Every route the app serves, HEAD only where there is no GET (Fastify adds HEAD to each GET). */
export function servedRoutes(app: FastifyInstance): ServedRoute[] {
  const table = parseRouteTree(app.printRoutes({ commonPrefix: false }));
  const gets = new Set(table.filter((route) => route.method === "GET").map((route) => route.url));
  return table.filter((route) => route.method !== "HEAD" || !gets.has(route.url));
}

export const routeKey = (route: ServedRoute): string => `${route.method} ${route.url}`;

/** `x-required-role` of each operation in /openapi.json, keyed like routeKey (`:param`). */
export function requiredRoles(openapi: unknown): Map<string, string> {
  const roles = new Map<string, string>();
  const paths = (openapi as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const role = (operation as { "x-required-role"?: unknown } | null)?.["x-required-role"];
      if (typeof role === "string") roles.set(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ":$1")}`, role);
    }
  }
  return roles;
}
