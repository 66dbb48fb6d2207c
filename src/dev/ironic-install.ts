// Makes sure Debian's Ironic package is installed, so tests, the demo and the
// benchmarks can run a real Ironic on a fresh machine without manual steps.
//
// Debian's interpreter (/usr/bin/python3) is the one that sees the packaged
// Ironic; the `python3` first on PATH may be another interpreter.
//
// Concurrency: two processes (e.g. two test files) may call this at once. The whole
// check-then-install runs under `flock(1)` on one lock file: the kernel drops a
// flock when its holder dies, so a killed installer never leaves a stale lock (an
// O_EXCL lock file would need pid bookkeeping for that). The second caller waits,
// then re-checks inside the lock and finds Ironic already there. Inside one
// process, concurrent callers share a single promise. `DPkg::Lock::Timeout` makes
// apt wait for an unrelated apt/dpkg run instead of failing at once.

import { execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

export const DEBIAN_PYTHON = "/usr/bin/python3";
const LOCK_FILE = "/tmp/ironic-compute-apt.lock";
const LOCK_WAIT_SECONDS = 900; // a cold install takes about a minute; be generous
const INSTALL_COMMAND =
  "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-ironic";

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
  if (process.getuid?.() !== 0) {
    throw new Error(
      `OpenStack Ironic is not installed for ${DEBIAN_PYTHON} and this process is not root. ` +
        `Install it with:\n  sudo sh -c '${INSTALL_COMMAND}'`,
    );
  }
  process.stderr.write("[ironic-install] python3-ironic missing; installing it with apt-get\n");
  const script =
    `${DEBIAN_PYTHON} -c 'import ironic' 2>/dev/null && exit 0; ` +
    `apt-get -o DPkg::Lock::Timeout=${LOCK_WAIT_SECONDS} update && ` +
    `DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=${LOCK_WAIT_SECONDS} ` +
    `install -y --no-install-recommends python3-ironic`;
  await runStreamed("flock", ["-w", String(LOCK_WAIT_SECONDS), LOCK_FILE, "sh", "-c", script]);
  if (!(await ironicImports())) {
    throw new Error(`apt-get finished but ${DEBIAN_PYTHON} still cannot import ironic`);
  }
  process.stderr.write("[ironic-install] python3-ironic installed\n");
}

function ironicImports(): Promise<boolean> {
  return new Promise((resolve) => {
    // Any failure (no interpreter, no module) means "not usable yet".
    execFile(DEBIAN_PYTHON, ["-c", "import ironic"], { timeout: 60_000 }, (error) => {
      resolve(error === null);
    });
  });
}

/** Runs a command, copying its output line by line to our stderr with a prefix. */
function runStreamed(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    const forward = (stream: Readable): void => {
      createInterface({ input: stream }).on("line", (line) => {
        process.stderr.write(`[ironic-install] ${line}\n`);
      });
    };
    forward(child.stdout);
    forward(child.stderr);
    child.once("error", (error) => {
      reject(new Error(`could not run ${command}: ${error.message}`, { cause: error }));
    });
    child.once("close", (code, signal) => {
      if (code === 0) resolve();
      else {
        const how = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
        reject(new Error(`installing python3-ironic failed (${how}); run by hand: ${INSTALL_COMMAND}`));
      }
    });
  });
}
