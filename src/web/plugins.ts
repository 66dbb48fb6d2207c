// What the web layer mounts on the service's HTTP listener (cli/service-runtime.ts
// passes it to the API's buildApi, which must not import this layer).
import type { FastifyPluginCallback } from "fastify";
import { DASHBOARD_PREFIX, dashboardRoutes } from "./dashboard-routes.js";

export function webPlugins(): { plugin: FastifyPluginCallback; prefix: string }[] {
  return [{ plugin: dashboardRoutes(), prefix: DASHBOARD_PREFIX }];
}
