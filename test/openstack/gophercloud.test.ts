// The REAL gophercloud (Debian's golang-github-gophercloud-gophercloud-dev 0.12,
// Go 1.19) against ironic-compute on the run's real Ironic, through the Keystone
// v3 surface under /identity: password auth, the compute and image endpoints
// from the token's catalog, and one server's lifecycle (gophercloud/main.go).
//
// The proof client is built here in GOPATH mode (GO111MODULE=off,
// GOPATH=/usr/share/gocode: Debian's sources, no module download) into a temp
// dir, and run as a child process with a clean environment. CGO_ENABLED=0: the
// client is pure Go, and a cgo build would need gcc (which golang-go only
// recommends) once Debian's precompiled standard library is stale. Without cgo
// the standard library is compiled once (about 16 s on 2 cores) into GOCACHE;
// GOCACHE is a stable directory under the OS temp dir (shared by runs on this
// machine: Go's cache is safe for concurrent builds and trims itself), so later
// runs build in well under a second. Build and run times are printed.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureGoInstalled, GO, GOPHERCLOUD_GOPATH, missingGoPackages } from "../../harness/go-install.js";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { cleanEnv as cleanClientEnv, runClient, type ClientRun } from "../support/client-process.js";
import { captureLog } from "../support/log-capture.js";
import { waitUntil } from "../support/wait.js";

const PROGRAM_DIR = fileURLToPath(new URL("./gophercloud/", import.meta.url));
const GOCACHE = join(tmpdir(), "ironic-compute-gocache");
// A cold cache compiles the standard library: generous for a loaded machine.
const BUILD_TIMEOUT_MS = 300_000;
const RUN_TIMEOUT_MS = 300_000;
// startTestApi names the member's project `a-<label>` and the image `demo-<label>`.
const LABEL = "gophercloud";
const SERVER_NAME = "gophercloud-vm";
const STEPS = ["auth", "catalog", "image", "create", "active", "list", "delete", "gone"];

type Run = ClientRun;

interface Step {
  step: string;
  ok: boolean;
  ms: number;
  error?: string;
  [key: string]: unknown;
}

const log = captureLog("warn");
let api: TestApi;
let home = "";
let binary = "";
let build: Run;
let cacheWasWarm = false;
/** What beforeAll started, undone in reverse order by afterAll (also after a failed beforeAll). */
const cleanup: Array<() => Promise<void>> = [];

/** The environment of every child process: nothing from ours. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return cleanClientEnv(home, extra);
}

function goEnv(): Record<string, string> {
  return cleanEnv({ GO111MODULE: "off", GOPATH: GOPHERCLOUD_GOPATH, GOCACHE, CGO_ENABLED: "0", GOFLAGS: "" });
}

const runProcess = runClient;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

beforeAll(async () => {
  await ensureGoInstalled();
  home = mkdtempSync(join(tmpdir(), "ironic-compute-gophercloud-"));
  cleanup.push(() => {
    rmSync(home, { recursive: true, force: true });
    return Promise.resolve();
  });
  binary = join(home, "gophercloud-proof");
  cacheWasWarm = existsSync(GOCACHE);
  build = await runProcess(GO, ["build", "-o", binary, "."], { env: goEnv(), cwd: PROGRAM_DIR, timeoutMs: BUILD_TIMEOUT_MS });
  console.log(`gophercloud proof client: go build ${seconds(build.ms)} (GOCACHE ${GOCACHE}, ${cacheWasWarm ? "existed before" : "new: cold build"})`);
  api = await startTestApi(LABEL, { nodes: 1, log: log.logger });
  cleanup.push(() => api.stop());
}, BUILD_TIMEOUT_MS + 60_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

describe("gophercloud 0.12 against ironic-compute's Keystone v3 catalog", () => {
  it("the installer finds go and gophercloud's sources installed", async () => {
    expect(await missingGoPackages()).toEqual([]);
  });

  it("the proof client builds in GOPATH mode and passes go vet", async () => {
    expect(build.code, `go build failed:\n${build.stderr}`).toBe(0);
    expect(build.stderr).toBe("");
    const vet = await runProcess(GO, ["vet", "."], { env: goEnv(), cwd: PROGRAM_DIR, timeoutMs: BUILD_TIMEOUT_MS });
    expect(vet.code, `go vet failed:\n${vet.stderr}`).toBe(0);
    expect(vet.stderr).toBe("");
  }, BUILD_TIMEOUT_MS);

  it("password auth, image lookup, create with no networks, ACTIVE, listed, deleted, 404, node free", async () => {
    expect(build.code, "the proof client did not build (see the build test)").toBe(0);
    const run = await runProcess(binary, [], {
      cwd: home,
      timeoutMs: RUN_TIMEOUT_MS,
      env: cleanEnv({
        OS_AUTH_URL: `${api.url}/identity/v3`,
        OS_USERNAME: api.users.member.name,
        OS_PASSWORD: api.passwords.member,
        OS_PROJECT_NAME: `a-${LABEL}`,
        OS_USER_DOMAIN_NAME: "Default",
        OS_PROJECT_DOMAIN_NAME: "Default",
        FLAVOR_ID: api.flavorId,
        IMAGE_ID: api.imageId,
        SERVER_NAME,
      }),
    });
    const steps = run.stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Step);
    console.log(
      `gophercloud proof client: run ${seconds(run.ms)}, exit ${String(run.code)}; ` +
        steps.map((step) => `${step.step} ${step.ok ? "ok" : "FAILED"} ${String(step.ms)} ms`).join(", "),
    );
    const failed = steps.find((step) => !step.ok);
    const hint = failed?.step === "auth" ? "\n(auth is answered by the Keystone v3 surface under /identity: POST /identity/v3/auth/tokens)" : "";
    expect(failed, `step ${failed?.step ?? ""} failed: ${failed?.error ?? ""}${hint}`).toBeUndefined();
    expect(run.code, `the proof client exited ${String(run.code)}:\n${run.stderr}`).toBe(0);
    expect(steps.map((step) => step.step)).toEqual(STEPS);

    const byName = (name: string): Step | undefined => steps.find((step) => step.step === name);
    expect(byName("catalog")).toMatchObject({ compute: `${api.url}/v2.1/`, image: `${api.url}/image/` });
    expect(byName("image")).toMatchObject({ id: api.imageId, name: `demo-${LABEL}`, status: "active" });
    const id = byName("create")?.["id"];
    expect(id).toEqual(expect.any(String));
    expect(byName("active")).toMatchObject({ id, status: "ACTIVE", name: SERVER_NAME });
    expect(byName("list")).toMatchObject({ status: "ACTIVE" });
    expect(byName("gone")).toMatchObject({ id });

    const after = await api.call("GET", `/v2.1/servers/${String(id)}`, { as: "member" });
    expect(after.status).toBe(404);
    const node = api.nodes[0] ?? "";
    const freed = await waitUntil(`node ${node} to be free again`, async () => {
      const seen = await api.running.compute.driver.client.nodes.get(node, ["instance_uuid", "provision_state"]);
      return seen.instance_uuid === null && seen.provision_state === "available" ? seen : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    expect(freed).toMatchObject({ instance_uuid: null, provision_state: "available" });
  }, RUN_TIMEOUT_MS + 60_000);
});
