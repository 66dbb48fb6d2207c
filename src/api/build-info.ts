// The running version, for /metrics (ironic_compute_build_info) and /openapi.json.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

/** The version in ironic-compute's package.json, looked up from this module upwards (src/api/ and dist/src/api/). */
export function buildVersion(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6 && cached === undefined; depth += 1) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      if (typeof parsed === "object" && parsed !== null && "name" in parsed && parsed.name === "ironic-compute" && "version" in parsed) {
        cached = String(parsed.version);
      }
    } catch (error) {
      // Documented boundary: no readable package.json at this level; look one level up.
      if (!(error instanceof Error)) throw error;
    }
    dir = dirname(dir);
  }
  cached ??= "unknown";
  return cached;
}
