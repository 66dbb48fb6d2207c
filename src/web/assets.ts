// The dashboard's files, read once when the service starts: the page's own
// plain ES modules and CSS (src/web/static/, committed as source, no bundler)
// and xterm.js from node_modules (no CDN: the page works offline). Only the
// files listed here are ever served, so no request path reaches the disk.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Asset {
  body: Buffer;
  contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** The folder of the page's source files; `npm run build` copies it beside the compiled module. */
export const STATIC_DIR = fileURLToPath(new URL("./static/", import.meta.url));

function xtermDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("@xterm/xterm/package.json"));
}

function asset(path: string): Asset {
  const contentType = CONTENT_TYPES[extname(path)];
  if (contentType === undefined) throw new Error(`the dashboard has no content type for ${path}`);
  return { body: readFileSync(path), contentType };
}

/** name (as in /dashboard/assets/<name>) → file; index.html is the page itself. */
export function loadAssets(staticDir = STATIC_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(staticDir)) {
    if (CONTENT_TYPES[extname(name)] !== undefined) assets.set(name, asset(join(staticDir, name)));
  }
  const xterm = xtermDir();
  assets.set("vendor/xterm.mjs", asset(join(xterm, "lib", "xterm.mjs")));
  assets.set("vendor/xterm.css", asset(join(xterm, "css", "xterm.css")));
  if (!assets.has("index.html")) throw new Error(`the dashboard's index.html is missing from ${staticDir}`);
  return assets;
}
