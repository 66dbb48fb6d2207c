#!/usr/bin/env -S node --max-semi-space-size=8
// The `ironic-compute` command.
// - Node's young generation is capped at 2 × 8 MiB (its default on 64-bit is
//   2 × 16 MiB, kept committed once grown, e.g. by a node-cache refresh): with
//   10,000 nodes cached and 1,000 servers stored the service holds ~130 MiB RSS
//   instead of ~150 (bench/memory.ts runs its child with these same flags).
// - A git checkout (src/ is there) runs its TypeScript sources through tsx, so a
//   dist/ left behind by an earlier `npm run build` or `npm pack` never shadows
//   the code being edited.
// - An installed package (`npm install -g ironic-compute-*.tgz`) has no src/ and
//   no tsx: it runs the compiled CLI in dist/.
// Plain JavaScript on purpose: it must start before anything is compiled.
import { existsSync } from "node:fs";
import process from "node:process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sources = join(root, "src", "cli", "main.ts");
const compiled = join(root, "dist", "src", "cli", "main.js");

/** tsx's loader API, or undefined when tsx is not installed (a production install). */
async function tsxLoader() {
  try {
    return await import("tsx/esm/api");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ERR_MODULE_NOT_FOUND") return undefined;
    throw error;
  }
}

const tsx = existsSync(sources) ? await tsxLoader() : undefined;
if (tsx !== undefined) {
  tsx.register();
  await import(pathToFileURL(sources).href);
} else if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  process.stderr.write(
    `ironic-compute: nothing to run in ${root}: no compiled CLI (dist/src/cli/main.js) and no tsx to run the sources.\n` +
      "  In a git checkout: `npm ci` (installs tsx) or `npm run build`; otherwise reinstall the package.\n",
  );
  process.exitCode = 1;
}
