// Issue 19 #2: docs/configuration.md is what the schema renders, and names every
// leaf key of the schema (found here by walking zod's own definitions, not the
// JSON Schema the generator uses, so a key the generator drops is caught).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { ENV_OVERRIDES, serviceConfigSchema } from "../../src/cli/config.js";
import { configKeys, renderConfigReference } from "../../src/cli/config-reference.js";

const DOC = join(import.meta.dirname, "..", "..", "docs", "configuration.md");

/** Leaf key paths of a zod schema: through defaults, optionals, pipes (transforms), unions of objects. */
function leafPaths(schema: z.core.$ZodType, path: string, into: Set<string>): void {
  const def = schema._zod.def;
  if (def.type === "object") {
    for (const [key, inner] of Object.entries((def as z.core.$ZodObjectDef).shape)) leafPaths(inner, path === "" ? key : `${path}.${key}`, into);
  } else if (def.type === "default" || def.type === "prefault" || def.type === "optional" || def.type === "nullable") {
    leafPaths((def as z.core.$ZodDefaultDef).innerType, path, into);
  } else if (def.type === "pipe") {
    leafPaths((def as z.core.$ZodPipeDef).in, path, into);
  } else if (def.type === "union" && (def as z.core.$ZodUnionDef).options.every((option) => option._zod.def.type === "object")) {
    for (const option of (def as z.core.$ZodUnionDef).options) leafPaths(option, path, into);
  } else {
    into.add(path);
  }
}

describe("configuration reference", () => {
  it("docs/configuration.md is the generated text (run `npm run docs:config` after changing a schema)", () => {
    expect(readFileSync(DOC, "utf8")).toBe(renderConfigReference());
  });

  it("names every leaf key of the schema, with a description, and every env override", () => {
    const leaves = new Set<string>();
    leafPaths(serviceConfigSchema, "", leaves);
    expect(leaves.size).toBeGreaterThan(60);
    const documented = configKeys();
    expect(documented.map((key) => key.path).sort()).toEqual([...leaves].sort());
    const doc = readFileSync(DOC, "utf8");
    for (const path of leaves) expect(doc).toContain(`| \`${path}\` |`);
    expect(documented.filter((key) => key.description === "").map((key) => key.path)).toEqual([]);
    for (const variable of Object.values(ENV_OVERRIDES)) expect(doc).toContain(`\`${variable}\``);
    expect(doc).toMatch(/\| `compute\.taskLeaseMs` \| integer \| `30000` \| 1000–3600000 \|/);
  });
});
