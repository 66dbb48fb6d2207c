// Fastify's route table as (method, url) pairs, for tests that compare it with
// what documents or checks each route (openapi.test.ts, nova-schemas.test.ts).

export interface TableRoute {
  method: string;
  url: string;
}

/**
 * Parses printRoutes({ commonPrefix: false }): a tree whose lines are
 * `<indent>├── <segment> (METHODS)`, 4 columns per level; a route's URL is its
 * ancestors' segments joined.
 */
export function routeTable(printed: string): TableRoute[] {
  const routes: TableRoute[] = [];
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
