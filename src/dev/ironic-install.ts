// Makes sure Debian's Ironic package is installed, so tests, the demo and the
// benchmarks can run a real Ironic on a fresh machine without manual steps.
//
// Debian's interpreter (/usr/bin/python3) is the one that sees the packaged
// Ironic; the `python3` first on PATH may be another interpreter.
//
// Concurrent installers are serialized by apt-install.ts; inside one process,
// concurrent callers share a single promise.

import { execFile } from "node:child_process";
import { aptInstall } from "./apt-install.js";

export const DEBIAN_PYTHON = "/usr/bin/python3";

let pending: Promise<void> | undefined;

/** Resolves when `import ironic` works with Debian's python; installs it if root. */
export function ensureIronicInstalled(): Promise<void> {
  // Share one attempt between concurrent callers; forget it on failure so a later
  // call can try again (e.g. after the user fixed the network).
  pending ??= install().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

async function install(): Promise<void> {
  if (await ironicImports()) return;
  await aptInstall("python3-ironic", `${DEBIAN_PYTHON} -c 'import ironic' 2>/dev/null`, "ironic-install");
  if (!(await ironicImports())) {
    throw new Error(`apt-get finished but ${DEBIAN_PYTHON} still cannot import ironic`);
  }
}

function ironicImports(): Promise<boolean> {
  return new Promise((resolve) => {
    // Any failure (no interpreter, no module) means "not usable yet".
    execFile(DEBIAN_PYTHON, ["-c", "import ironic"], { timeout: 60_000 }, (error) => {
      resolve(error === null);
    });
  });
}

