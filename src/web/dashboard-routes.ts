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
/** A name no file has (too long, say) is a 404 like any unknown name, not a thrown ZodError (500). */
const assetName = (params: unknown): string | undefined => assetParams.safeParse(params).data?.name;

/**
 * The headers of every answer under /dashboard: the page's, the console
 * proxy's refusals (401, 403) and the router's own (an unknown file, a
 * malformed or over-long path). webPlugins hands them to the API, which sets
 * them on each answer under the prefix, before any route matches.
 */
export const WEB_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cache-control": "no-cache",
};

export function dashboardRoutes(assets: Map<string, Asset> = loadAssets()): FastifyPluginCallback {
  return (app, _options, done) => {
    const send = (name: string | undefined, reply: FastifyReply): FastifyReply => {
      const found = name === undefined ? undefined : assets.get(name);
      if (found === undefined) return reply.code(404).type("text/plain; charset=utf-8").send("Not found");
      return reply.type(found.contentType).send(found.body);
    };
    app.get("/", { config: PUBLIC, prefixTrailingSlash: "no-slash" }, (_request, reply) => send("index.html", reply));
    app.get("/assets/:name", { config: PUBLIC }, (request, reply) => send(assetName(request.params), reply));
    app.get("/assets/vendor/:name", { config: PUBLIC }, (request, reply) => {
      const name = assetName(request.params);
      return send(name === undefined ? undefined : `vendor/${name}`, reply);
    });
    done();
  };
}
