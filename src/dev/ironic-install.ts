// Makes sure Debian's Ironic package is installed, so tests, the demo and the
// benchmarks can run a real Ironic on a fresh machine without manual steps.
//
// Debian's interpreter (/usr/bin/python3) is the one that sees the packaged
// Ironic; the `python3` first on PATH may be another interpreter.
//
// Concurrent installers are serialized by apt-install.ts; inside one process,
// concurrent callers share a single promise.

import { execFile } from "node:child_process";
import { aptInstall, sharedAttempt } from "./apt-install.js";

export const DEBIAN_PYTHON = "/usr/bin/python3";

/** Resolves when `import ironic` works with Debian's python; installs it if root. */
export const ensureIronicInstalled: () => Promise<void> = sharedAttempt(async () => {
  if (await debianPythonRuns("import ironic")) return;
  await aptInstall("python3-ironic", `${DEBIAN_PYTHON} -c 'import ironic' 2>/dev/null`, "ironic-install");
  if (!(await debianPythonRuns("import ironic"))) {
    throw new Error(`apt-get finished but ${DEBIAN_PYTHON} still cannot import ironic`);
  }
});

/** Whether Debian's python runs `code` (e.g. an import) without error. */
export function debianPythonRuns(code: string): Promise<boolean> {
  return new Promise((resolve) => {
    // Any failure (no interpreter, a module missing) means "not usable yet".
    execFile(DEBIAN_PYTHON, ["-c", code], { timeout: 60_000 }, (error) => {
      resolve(error === null);
    });
  });
}

