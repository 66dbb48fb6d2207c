// Makes sure Debian's Go toolchain (golang-go) and gophercloud 0.12
// (golang-github-gophercloud-gophercloud-dev, sources under GOPHERCLOUD_GOPATH)
// are installed, so test/openstack/gophercloud.test.ts can build its proof
// client on a fresh machine. The build runs in GOPATH mode against Debian's
// sources: no module download, no network beyond the Debian mirror. Like
// openstack-client-install.ts: concurrent callers in one process share one attempt.

import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { promisify } from "node:util";
import { aptInstall, sharedAttempt } from "../src/dev/apt-install.js";

export const GO = "/usr/bin/go";
/** The GOPATH in which Debian installs its Go library sources. */
export const GOPHERCLOUD_GOPATH = "/usr/share/gocode";
const GOPHERCLOUD_SOURCES = `${GOPHERCLOUD_GOPATH}/src/github.com/gophercloud/gophercloud`;
/** A file of each package the proof client imports, so a partial install is not taken for a whole one. */
const GOPHERCLOUD_FILES = [
  "auth_options.go",
  "openstack/client.go",
  "openstack/compute/v2/servers/requests.go",
  "openstack/imageservice/v2/images/requests.go",
].map((file) => `${GOPHERCLOUD_SOURCES}/${file}`);

interface Part {
  packageName: string;
  /** The same check as `present`, as a shell test for aptInstall's re-check under its lock. */
  shellCheck: string;
  present: () => Promise<boolean>;
}

const PARTS: Part[] = [
  {
    packageName: "golang-go",
    shellCheck: `${GO} version >/dev/null 2>&1`,
    present: goRuns,
  },
  {
    packageName: "golang-github-gophercloud-gophercloud-dev",
    shellCheck: GOPHERCLOUD_FILES.map((file) => `test -r ${file}`).join(" && "),
    present: () => Promise.resolve(GOPHERCLOUD_FILES.every(readable)),
  },
];

/** The Debian packages of the Go proof client's toolchain that are not (usably) installed. */
export async function missingGoPackages(): Promise<string[]> {
  const missing: string[] = [];
  for (const part of PARTS) if (!(await part.present())) missing.push(part.packageName);
  return missing;
}

/** Resolves when `go` runs and gophercloud's sources are in place; installs what is missing if root. */
export const ensureGoInstalled: () => Promise<void> = sharedAttempt(async () => {
  for (const part of PARTS) {
    if (await part.present()) continue;
    await aptInstall(part.packageName, part.shellCheck, "go-install");
  }
  const missing = await missingGoPackages();
  if (missing.length > 0) throw new Error(`apt-get finished but ${missing.join(", ")} still not usable`);
});

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch (error) {
    if (error instanceof Error && "code" in error) return false;
    throw error;
  }
}

/** `go version` runs and names a Go release (a broken or foreign `go` does not count). */
async function goRuns(): Promise<boolean> {
  try {
    const { stdout } = await promisify(execFile)(GO, ["version"], { env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent" }, timeout: 30_000 });
    return /^go version go1\.\d+/.test(stdout);
  } catch (error) {
    // ENOENT when not installed; a non-zero exit when installed but broken.
    if (error instanceof Error && "code" in error) return false;
    throw error;
  }
}
