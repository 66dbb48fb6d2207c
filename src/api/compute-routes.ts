// The Compute API v2.1 surface, mounted under /v2.1.
import type { FastifyPluginCallbackZod } from "fastify-type-provider-zod";
import type { ComputeApi } from "../compute/contract.js";
import type { AnswerCache } from "./answer-cache.js";
import { registerExternalEventRoutes } from "./external-event-routes.js";
import { registerFlavorRoutes } from "./flavor-routes.js";
import { registerHypervisorRoutes } from "./hypervisor-routes.js";
import { registerKeypairRoutes } from "./keypair-routes.js";
import { registerProjectLookups } from "./project-lookup-routes.js";
import { registerQuotaRoutes } from "./quota-routes.js";
import { registerServerActionRoutes } from "./server-action-routes.js";
import { serverBeforeBody } from "./server-first.js";
import { registerServerDetailRoutes } from "./server-detail-routes.js";
import { registerServerGroupRoutes } from "./server-group-routes.js";
import { registerServerIpsRoutes } from "./server-ips-routes.js";
import { registerServerInterfaceRoutes } from "./server-interface-routes.js";
import { registerServerPasswordRoutes } from "./server-password-routes.js";
import { registerServerRoutes } from "./server-routes.js";
import { registerZoneRoutes } from "./zone-routes.js";

/** `lists`: the answers of the server lists kept (answer-cache.ts). */
export function computeRoutes(compute: ComputeApi, lists: AnswerCache): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    // Before the routes: it hooks each /servers/{id} route with a body as it is added.
    serverBeforeBody(app, compute);
    registerServerRoutes(app, compute, lists);
    registerServerActionRoutes(app, compute);
    registerServerDetailRoutes(app, compute);
    registerFlavorRoutes(app, compute);
    registerKeypairRoutes(app, compute);
    registerHypervisorRoutes(app, compute);
    registerExternalEventRoutes(app, compute);
    registerZoneRoutes(app, compute);
    registerQuotaRoutes(app, compute);
    registerServerGroupRoutes(app, compute);
    registerServerInterfaceRoutes(app, compute);
    registerServerPasswordRoutes(app, compute);
    registerServerIpsRoutes(app, compute);
    registerProjectLookups(app, compute, "/projects");
    done();
  };
}
