// The path patterns of Ironic requests (metric labels, span names): ids never
// survive, Ironic's own words do.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ironicRoutePattern } from "../../src/ironic/route-pattern.js";

describe("ironicRoutePattern", () => {
  const id = randomUUID();
  it.each([
    ["/", "/"],
    ["/v1/nodes", "/v1/nodes"],
    ["/v1/nodes/detail", "/v1/nodes/detail"],
    [`/v1/nodes/${id}`, "/v1/nodes/{node}"],
    [`/v1/nodes/${id}/states/provision`, "/v1/nodes/{node}/states/provision"],
    [`/v1/nodes/${id}/vifs/${id}`, "/v1/nodes/{node}/vifs/{vif}"],
    [`/v1/nodes/${id}/traits/CUSTOM_GPU`, "/v1/nodes/{node}/traits/{trait}"],
    [`/v1/nodes/${id}/management/inject_nmi`, "/v1/nodes/{node}/management/inject_nmi"],
    [`/v1/volume/targets/${id}`, "/v1/volume/targets/{target}"],
    [`/v1/allocations/${id}?fields=uuid`, "/v1/allocations/{allocation}"],
    // A node named like a collection is still a node, and an unknown word an {id}.
    ["/v1/nodes/ports", "/v1/nodes/{node}"],
    [`/v1/unknown-thing/${id}`, "/v1/{id}/{id}"],
    ["/v1/nodes/node%2Fwith%2Fslashes/validate", "/v1/nodes/{node}/validate"],
  ])("%s → %s", (path, pattern) => {
    expect(ironicRoutePattern(path)).toBe(pattern);
  });
});
