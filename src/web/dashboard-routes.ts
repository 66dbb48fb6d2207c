// /dashboard: the web dashboard's page and its files. The page is a client of
// the service's own API (identity tokens, /v2.1, /image/v2, /network, /volume):
// nothing here reads or changes state, so the routes are public and the same
// roles and project scoping as the API apply to everything the page does.
//
// Every answer carries a strict Content-Security-Policy (scripts and styles from
// this origin only, no inline script or style, no framing, connections to this
// origin only), X-Frame-Options DENY and nosniff.
import type { FastifyPluginCallback, FastifyReply } from "fastify";
import { z } from "zod";
import { loadAssets, type Asset } from "./assets.js";

export const DASHBOARD_PREFIX = "/dashboard";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PUBLIC = { access: "public", versioned: false } as const;
const assetParams = z.object({ name: z.string().max(128) });

/**
 * The headers of every answer under /dashboard, set in an onSend hook: the
 * page's routes and the console proxy's (console-proxy.ts, another plugin, so
 * its 401/403 need the hook too) each add one to their own scope.
 */
export function setWebSecurityHeaders(reply: FastifyReply): void {
  reply
    .header("content-security-policy", CONTENT_SECURITY_POLICY)
    .header("x-frame-options", "DENY")
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .header("cross-origin-opener-policy", "same-origin")
    .header("cache-control", "no-cache");
}

export function dashboardRoutes(assets: Map<string, Asset> = loadAssets()): FastifyPluginCallback {
  return (app, _options, done) => {
    app.addHook("onSend", async (_request, reply) => {
      setWebSecurityHeaders(reply);
    });
    const send = (name: string, reply: FastifyReply): FastifyReply => {
      const found = assets.get(name);
      if (found === undefined) return reply.code(404).type("text/plain; charset=utf-8").send("Not found");
      return reply.type(found.contentType).send(found.body);
    };
    app.get("/", { config: PUBLIC, prefixTrailingSlash: "no-slash" }, (_request, reply) => send("index.html", reply));
    app.get("/assets/:name", { config: PUBLIC }, (request, reply) => send(assetParams.parse(request.params).name, reply));
    app.get("/assets/vendor/:name", { config: PUBLIC }, (request, reply) => send(`vendor/${assetParams.parse(request.params).name}`, reply));
    done();
  };
}
