// Installs a Debian package for the dev harnesses (Ironic, PostgreSQL) so they
// work on a fresh machine without manual steps.
//
// Concurrency: two processes (e.g. two test files) may install at once. The whole
// check-then-install runs under `flock(1)` on one lock file shared by every
// package: the kernel drops a flock when its holder dies, so a killed installer
// never leaves a stale lock. The second caller waits, then re-checks inside the
// lock (`alreadyThere`) and finds the package installed. `DPkg::Lock::Timeout`
// makes apt wait for an unrelated apt/dpkg run instead of failing at once.

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

const LOCK_FILE = "/tmp/ironic-compute-apt.lock";
const LOCK_WAIT_SECONDS = 900; // a cold install takes about a minute; be generous

/**
 * `install` as one attempt shared by concurrent callers in this process; a
 * failed attempt is forgotten, so a later call can try again (e.g. after the
 * user fixed the network).
 */
export function sharedAttempt<T>(install: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= install().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

export function manualInstallCommand(packageName: string): string {
  return `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packageName}`;
}

/** Runs a command, copying its output line by line to our stderr with a prefix. */
function runStreamed(command: string, args: string[], label: string, packageName: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    const forward = (stream: Readable): void => {
      createInterface({ input: stream }).on("line", (line) => {
        process.stderr.write(`[${label}] ${line}\n`);
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
        reject(new Error(`installing ${packageName} failed (${how}); run by hand: ${manualInstallCommand(packageName)}`));
      }
    });
  });
}

/**
 * Installs `packageName` with apt-get as root, serialized with other installers;
 * `alreadyThere` is a shell test that skips the install when it succeeds.
 */
export async function aptInstall(packageName: string, alreadyThere: string, label: string): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error(`${packageName} is not installed and this process is not root. Install it with:\n  sudo sh -c '${manualInstallCommand(packageName)}'`);
  }
  process.stderr.write(`[${label}] ${packageName} missing; installing it with apt-get\n`);
  const script =
    `${alreadyThere} && exit 0; ` +
    `apt-get -o DPkg::Lock::Timeout=${LOCK_WAIT_SECONDS} update && ` +
    `DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=${LOCK_WAIT_SECONDS} ` +
    `install -y --no-install-recommends ${packageName}`;
  await runStreamed("flock", ["-w", String(LOCK_WAIT_SECONDS), LOCK_FILE, "sh", "-c", script], label, packageName);
  process.stderr.write(`[${label}] ${packageName} installed\n`);
}
