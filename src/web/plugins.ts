// What the web layer mounts on the service's HTTP listener (cli/service-runtime.ts
// passes it to the API's buildApi, which must not import this layer).
import type { FastifyPluginCallback } from "fastify";
import type { ComputeApi } from "../compute/contract.js";
import { consoleProxyRoutes } from "./console-proxy.js";
import { DASHBOARD_PREFIX, dashboardRoutes, WEB_SECURITY_HEADERS } from "./dashboard-routes.js";

export function webPlugins(compute: ComputeApi): { plugin: FastifyPluginCallback; prefix: string; headers?: Readonly<Record<string, string>> }[] {
  return [
    // The headers cover every path under /dashboard, the console's included.
    { plugin: dashboardRoutes(), prefix: DASHBOARD_PREFIX, headers: WEB_SECURITY_HEADERS },
    // At SERIAL_CONSOLE_PATH (compute/console-tokens.ts), the URL os-remote-consoles returns.
    { plugin: consoleProxyRoutes(compute), prefix: "" },
  ];
}
