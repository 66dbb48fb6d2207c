// The REAL OpenStack clients against the real service on the run's real Ironic:
// Debian's `openstack` CLI (python3-openstackclient 6.0.0, novaclient 18.1.0,
// openstacksdk 0.101.0) run as child processes with a clean environment (HOME is
// a temp dir, so no user clouds.yaml or OS_* variable leaks in), and openstacksdk
// in a Python script (sdk_lifecycle.py). Three client set-ups are exercised:
//   A: one URL, CLI flags only (--os-endpoint http://127.0.0.1:PORT/v2.1,
//      http_basic, --os-compute-api-version 2.latest); images under /v2.1/images;
//   B: the http_basic cloud ("ironic-compute-basic") of the clouds.yaml that
//      `npm start` writes (src/dev/clouds-yaml.ts): compute at /v2.1, images at
//      /image, compute_api_version 2.latest;
//   K: the main cloud ("ironic-compute") of that clouds.yaml: Keystone v3
//      password auth against /identity/v3 and no endpoint given: compute, image,
//      network and identity come from the token's catalog.
// Who runs where (each `openstack` command costs about 2 s of CPU, and the
// flows share 2 cores, so each set-up runs what proves it): the full lifecycle
// through K, the short one through B; shape A in the microversions flow
// (create with options, list, hypervisors, console, delete), as the intruder of
// the cross-project flow (whose owner uses K) and with a wrong password;
// openstacksdk's full lifecycle with http_basic (A) and with password auth (K);
// token, catalog and application credentials through K.
//
// Serial console: fake-hardware nodes cannot have a socat console (Ironic 21.4's
// fake-hardware type supports only the `fake` and `no-console` console
// interfaces, and `fake` reports `{}` as console info; the socat interfaces
// belong to hardware types that need a real BMC). So the service reaches Ironic
// through the hand-made fault proxy (harness/fault-proxy.ts), which forwards
// everything unchanged except GET …/states/console: when the (fake) console is
// enabled, its console_info becomes a socat `tcp://127.0.0.1:PORT` pointing at a
// small TCP listener of this test. The console URL the clients print is the
// service's own websocket proxy (ws://…/dashboard/console?token=…, one-time
// token), which the test then connects to and reads the listener's banner through.
//
// The flows run concurrently (OSC's --wait polls every 5 s; most of the wall
// time is that sleep). OSC has no --wait for stop/start/rescue/unrescue: the
// test polls the API until the server is idle in the new state before the next
// command. Every command's exit code, duration and check are printed at the end.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { generateKeyPair } from "../../src/compute/keys.js";
import { BASIC_CLOUD_NAME, cloudsYaml, CLOUD_NAME } from "../../src/dev/clouds-yaml.js";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { socatConsoleRule } from "../../harness/socat-console-rule.js";
import { DEBIAN_PYTHON } from "../../src/dev/ironic-install.js";
import { runOpenstack } from "../../harness/openstack-cli.js";
import { ensureOpenstackClientInstalled, OPENSTACK_CLI } from "../../harness/openstack-client-install.js";
import { startTestApi, type TestApi, type Who } from "../support/api-service.js";
import { sharedIronicUrl } from "../support/ironic.js";
import { cleanEnv as cleanClientEnv, runClient as runClientProcess, type ClientRun } from "../support/client-process.js";
import { captureLog } from "../support/log-capture.js";

const SDK_SCRIPT = fileURLToPath(new URL("./sdk_lifecycle.py", import.meta.url));
const CONSOLE_BANNER = "ironic-compute test serial console\r\n";
const COMMAND_TIMEOUT_MS = 120_000;
// About 60 s each on a quiet 2-core machine; generous for a loaded one.
const FLOW_TIMEOUT_MS = 400_000;

type User = Exclude<Who, "anonymous">;
type Shape = "A" | "B" | "K";

interface Outcome {
  flow: string;
  command: string;
  code: number | null;
  ms: number;
  result: string;
}

const log = captureLog("warn");
const outcomes: Outcome[] = [];
let api: TestApi;
let proxy: FaultProxy;
let consoleListener: Server;
let consoleUrl = "";
let home = "";
let rebuildImageName = "";
let rebuildImageId = "";
const suiteStart = Date.now();
/** What beforeAll started, undone in reverse order by afterAll. */
const cleanup: Array<() => Promise<void>> = [];

/** The environment of every client process: nothing from ours. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return cleanClientEnv(home, extra);
}

type Run = ClientRun;

/** A client run in the home directory, bounded by COMMAND_TIMEOUT_MS. */
function runClient(command: string, args: string[], env: Record<string, string>): Promise<Run> {
  return runClientProcess(command, args, { env, cwd: home, timeoutMs: COMMAND_TIMEOUT_MS });
}

/** `--os-cloud` of a clouds.yaml in the home directory. */
function cloudArgs(file: string, cloud: string): { args: string[]; env: Record<string, string> } {
  return { args: ["--os-cloud", cloud], env: cleanEnv({ OS_CLIENT_CONFIG_FILE: join(home, file) }) };
}

/** Global options of shape A (flags only) or the environment of shapes B and K (clouds.yaml). */
function shapeArgs(shape: Shape, user: User): { args: string[]; env: Record<string, string> } {
  if (shape === "B") return cloudArgs(`clouds-${user}.yaml`, BASIC_CLOUD_NAME);
  if (shape === "K") return cloudArgs(`clouds-${user}.yaml`, CLOUD_NAME);
  return {
    args: [
      "--os-auth-type", "http_basic",
      "--os-username", api.users[user].name,
      "--os-password", api.passwords[user],
      "--os-endpoint", `${api.url}/v2.1`,
      "--os-compute-api-version", "2.latest",
    ],
    env: cleanEnv(),
  };
}

/** Runs `openstack` with `args` and records the outcome under `label`. */
async function recorded(flow: string, label: string, args: string[], env: Record<string, string>): Promise<Run> {
  const run = await runOpenstack(args, { env, cwd: home, timeoutMs: COMMAND_TIMEOUT_MS });
  outcomes.push({ flow, command: label, code: run.code, ms: run.ms, result: "" });
  return run;
}

/** Runs `openstack …` and records the outcome; `extra` comes before the command (e.g. a microversion). */
async function osc(flow: string, shape: Shape, user: User, command: string[], extra: string[] = []): Promise<Run> {
  const { args, env } = shapeArgs(shape, user);
  return recorded(flow, `${extra.join(" ")} ${command.join(" ")}`.trim(), [...args, ...extra, ...command], env);
}

/** The last line of a failed command's stderr: the client's message. */
function lastLine(run: Run): string {
  return run.stderr.trim().split("\n").at(-1) ?? "";
}

/** Notes what was checked on the last outcome of `flow`. */
function noted(flow: string, result: string): void {
  const last = outcomes.filter((outcome) => outcome.flow === flow).at(-1);
  if (last !== undefined) last.result = result;
}

/** `openstack … -f json` that must exit 0; returns the parsed output. */
async function oscJson<T>(flow: string, shape: Shape, user: User, command: string[], extra: string[] = []): Promise<T> {
  const run = await osc(flow, shape, user, [...command, "-f", "json"], extra);
  expect(run.code, `${command.join(" ")} failed: ${run.stderr}`).toBe(0);
  // `--wait` prints progress before the JSON document.
  const start = run.stdout.search(/^[[{]/m);
  return JSON.parse(run.stdout.slice(start)) as T;
}

async function oscOk(flow: string, shape: Shape, user: User, command: string[]): Promise<Run> {
  const run = await osc(flow, shape, user, command);
  expect(run.code, `${command.join(" ")} failed: ${run.stderr}`).toBe(0);
  return run;
}

async function idleIn(id: string, status: string, as: User = "admin"): Promise<Record<string, unknown>> {
  return api.waitForStatus(id, status, as);
}

/** Reads the console through the service's websocket proxy until the console side closes. */
async function readConsole(url: string): Promise<string> {
  if (!url.startsWith(`${api.url.replace(/^http/, "ws")}/dashboard/console?token=`)) throw new Error(`not the service's console proxy URL: ${url}`);
  const socket = new WebSocket(url);
  let text = "";
  socket.on("message", (data: Buffer) => (text += data.toString("utf8")));
  await new Promise<void>((resolve, reject) => {
    socket.once("close", () => {
      resolve();
    });
    socket.once("error", reject);
  });
  return text;
}

const CONSOLE_PROXY_URL = /^ws:\/\/127\.0\.0\.1:\d+\/dashboard\/console\?token=[A-Za-z0-9_-]{43}$/;

beforeAll(async () => {
  await ensureOpenstackClientInstalled();
  home = mkdtempSync(join(tmpdir(), "ironic-compute-osc-home-"));
  cleanup.push(() => {
    rmSync(home, { recursive: true, force: true });
    return Promise.resolve();
  });
  consoleListener = createServer((socket) => {
    socket.end(CONSOLE_BANNER);
  });
  await new Promise<void>((resolve) => consoleListener.listen(0, "127.0.0.1", resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        consoleListener.close(() => {
          resolve();
        });
      }),
  );
  consoleUrl = `tcp://127.0.0.1:${(consoleListener.address() as AddressInfo).port}`;
  proxy = await startFaultProxy(sharedIronicUrl());
  cleanup.push(() => proxy.stop());
  proxy.add(socatConsoleRule(consoleUrl));
  // One node per flow that holds a server at the same time (6: lifecycles K and
  // B, cross-project, microversions, two SDK runs), and no more.
  api = await startTestApi("osc", { nodes: 6, log: log.logger, ironicUrl: proxy.url });
  cleanup.push(() => api.stop());
  rebuildImageName = "rebuild-osc";
  const image = await api.call("POST", "/image/v2/images", { body: { name: rebuildImageName, url: "http://127.0.0.1:1/rebuild.qcow2" } });
  expect(image.status, image.text).toBe(201);
  rebuildImageId = image.json["id"] as string;
  for (const user of ["admin", "member", "other"] as const) {
    writeFileSync(
      join(home, `clouds-${user}.yaml`),
      cloudsYaml({ apiUrl: api.url, username: api.users[user].name, password: api.passwords[user], projectName: api.users[user].projectName }),
      { mode: 0o600 },
    );
  }
});

afterAll(async () => {
  const wall = ((Date.now() - suiteStart) / 1000).toFixed(1);
  const lines = outcomes.map(
    (outcome) =>
      `${outcome.flow.padEnd(14)} rc=${String(outcome.code).padEnd(4)} ${(outcome.ms / 1000).toFixed(1).padStart(5)} s  ${outcome.command}${outcome.result === "" ? "" : `  →  ${outcome.result}`}`,
  );
  process.stdout.write(`\nOpenStack clients against ironic-compute (suite wall time ${wall} s):\n${lines.join("\n")}\n`);
  for (const step of cleanup.reverse()) await step();
});

interface ListedServer {
  ID: string;
  Name: string;
  Status: string;
  Image: string;
  Flavor: string;
}

/** The whole lifecycle of docs/openstack-compat.md §3 through one shape. */
async function lifecycle(shape: Shape, full: boolean): Promise<void> {
  const flow = `lifecycle-${shape}`;
  const name = `osc-${shape.toLowerCase()}-vm`;
  const flavorName = `bm-osc`;
  const imageName = `demo-osc`;

  const flavors = await oscJson<Array<Record<string, unknown>>>(flow, shape, "member", ["flavor", "list"]);
  expect(flavors).toContainEqual(expect.objectContaining({ ID: api.flavorId, Name: flavorName, "Is Public": true }));
  noted(flow, `${flavors.length} flavor(s), ${flavorName} listed`);

  const images = await oscJson<Array<Record<string, unknown>>>(flow, shape, "member", ["image", "list"]);
  expect(images).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ ID: api.imageId, Name: imageName, Status: "active" }),
      expect.objectContaining({ ID: rebuildImageId, Name: rebuildImageName }),
    ]),
  );
  noted(flow, `${images.length} image(s)`);

  const created = await oscJson<Record<string, unknown>>(flow, shape, "member", [
    "server", "create", "--flavor", flavorName, "--image", imageName, "--nic", "none", "--wait", name,
  ]);
  expect(created).toMatchObject({ name, status: "ACTIVE" });
  const id = created["id"] as string;
  noted(flow, `ACTIVE ${id}`);

  const listed = await oscJson<ListedServer[]>(flow, shape, "member", ["server", "list"]);
  expect(listed).toContainEqual(expect.objectContaining({ ID: id, Name: name, Status: "ACTIVE", Image: imageName, Flavor: flavorName }));
  noted(flow, `listed ACTIVE, image ${imageName}, flavor ${flavorName}`);

  const shown = await oscJson<Record<string, unknown>>(flow, shape, "member", ["server", "show", name]);
  expect(shown).toMatchObject({
    id,
    name,
    status: "ACTIVE",
    project_id: api.users.member.projectId,
    user_id: api.users.member.id,
    image: `${imageName} (${api.imageId})`,
    "OS-EXT-STS:vm_state": "active",
    "OS-EXT-STS:power_state": 1,
  });
  expect(shown["flavor"]).toMatchObject({ original_name: flavorName });
  noted(flow, "by name: ACTIVE, project_id and image name resolved");

  for (const kind of full ? ["--soft", "--hard"] : ["--hard"]) {
    const reboot = await oscOk(flow, shape, "member", ["server", "reboot", kind, "--wait", name]);
    expect(reboot.stdout).toContain("Complete");
    expect((await idleIn(id, "ACTIVE"))["OS-EXT-STS:power_state"]).toBe(1);
    noted(flow, "Complete, ACTIVE");
  }

  await oscOk(flow, shape, "member", ["server", "stop", name]);
  expect((await idleIn(id, "SHUTOFF"))["OS-EXT-STS:power_state"]).toBe(4);
  noted(flow, "→ SHUTOFF (polled)");
  if (full) {
    const stopped = await oscJson<Record<string, unknown>>(flow, shape, "member", ["server", "show", "-c", "status", id]);
    expect(stopped).toEqual({ status: "SHUTOFF" });
    noted(flow, "SHUTOFF");
  }
  await oscOk(flow, shape, "member", ["server", "start", name]);
  expect((await idleIn(id, "ACTIVE"))["OS-EXT-STS:power_state"]).toBe(1);
  noted(flow, "→ ACTIVE (polled)");

  if (full) {
    await oscOk(flow, shape, "member", ["server", "rescue", name]);
    await idleIn(id, "RESCUE");
    noted(flow, "→ RESCUE (polled)");
    await oscOk(flow, shape, "member", ["server", "unrescue", name]);
    await idleIn(id, "ACTIVE");
    noted(flow, "→ ACTIVE (polled)");

    // G16: OSC prints the rebuild *response* (REBUILD), then waits for ACTIVE.
    const rebuilt = await oscJson<Record<string, unknown>>(flow, shape, "member", [
      "server", "rebuild", "--image", rebuildImageName, "--wait", name,
    ]);
    expect(rebuilt).toMatchObject({ id, image: `${rebuildImageName} (${rebuildImageId})` });
    expect((await idleIn(id, "ACTIVE"))["image"]).toMatchObject({ id: rebuildImageId });
    noted(flow, `printed ${String(rebuilt["status"])}, then ACTIVE on ${rebuildImageName}`);
  }

  const console = await oscJson<Record<string, unknown>>(flow, shape, "member", ["console", "url", "show", "--serial", name]);
  expect(console).toEqual({ type: "serial", protocol: "serial", url: expect.stringMatching(CONSOLE_PROXY_URL) as unknown });
  expect(await readConsole(console["url"] as string)).toBe(CONSOLE_BANNER);
  noted(flow, `websocket proxy to ${consoleUrl} (connected, banner read)`);

  const keyName = `kp-${shape.toLowerCase()}-generated`;
  const generated = await oscOk(flow, shape, "member", ["keypair", "create", keyName]);
  expect(generated.stdout).toMatch(/-----BEGIN (RSA |OPENSSH )?PRIVATE KEY-----/);
  noted(flow, "private key printed");
  const keyFile = join(home, `${shape}-key.pub`);
  writeFileSync(keyFile, `${(await generateKeyPair(`${shape}-own`)).publicKey}\n`);
  const ownName = `kp-${shape.toLowerCase()}-own`;
  const own = await oscJson<Record<string, unknown>>(flow, shape, "member", ["keypair", "create", "--public-key", keyFile, ownName]);
  expect(own).toMatchObject({ name: ownName, type: "ssh", user_id: api.users.member.id });
  expect(own["fingerprint"]).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  noted(flow, `fingerprint ${String(own["fingerprint"])}`);
  const keypairs = await oscJson<Array<Record<string, unknown>>>(flow, shape, "member", ["keypair", "list"]);
  expect(keypairs).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ Name: keyName, Type: "ssh" }),
      expect.objectContaining({ Name: ownName, Type: "ssh", Fingerprint: own["fingerprint"] }),
    ]),
  );
  noted(flow, `${keypairs.length} key pairs`);

  const hypervisors = await oscJson<Array<Record<string, unknown>>>(flow, shape, "admin", ["hypervisor", "list"]);
  for (const node of api.nodes) {
    // 2.latest is 2.92 on the wire: ids are node UUIDs (≥ 2.53).
    expect(hypervisors).toContainEqual(expect.objectContaining({ ID: node, "Hypervisor Hostname": node, "Hypervisor Type": "ironic", State: "up" }));
  }
  noted(flow, `${hypervisors.length} hypervisors, UUID ids`);

  await oscOk(flow, shape, "member", ["server", "delete", "--wait", name]);
  expect((await api.call("GET", `/v2.1/servers/${id}`, { as: "member" })).status).toBe(404);
  noted(flow, "gone (404)");
}

describe("the real openstack CLI and openstacksdk against ironic-compute on a real Ironic", () => {
  it.concurrent("shape B (http_basic cloud of npm start's clouds.yaml, separate compute and image mounts): the short lifecycle", async () => {
    await lifecycle("B", false);
  }, FLOW_TIMEOUT_MS);

  it.concurrent("the installed /usr/bin/openstack answers as the forked client the other tests use", async () => {
    const flow = "entry point";
    const { args, env } = shapeArgs("A", "member");
    const command = [...args, "flavor", "list", "-f", "json", "--sort-column", "Name"];
    const installed = await runClient(OPENSTACK_CLI, command, env);
    outcomes.push({ flow, command: "/usr/bin/openstack flavor list", code: installed.code, ms: installed.ms, result: "" });
    const forked = await recorded(flow, "forked: flavor list", command, env);
    expect(installed.code, installed.stderr).toBe(0);
    expect(forked.code, forked.stderr).toBe(0);
    expect(JSON.parse(forked.stdout)).toEqual(JSON.parse(installed.stdout));
    expect(JSON.parse(installed.stdout)).not.toEqual([]);
    // A failure is the same too: exit code and the client's message.
    const wrong = [...shapeArgs("A", "member").args, "server", "show", "no-such-server"];
    const [installedFailure, forkedFailure] = [await runClient(OPENSTACK_CLI, wrong, env), await recorded(flow, "forked: server show no-such-server", wrong, env)];
    expect(installedFailure.code).toBe(1);
    expect(forkedFailure.code).toBe(1);
    expect(lastLine(forkedFailure)).toBe(lastLine(installedFailure));
    noted(flow, `same flavors and the same failure (${lastLine(installedFailure)})`);
  }, FLOW_TIMEOUT_MS);

  it.concurrent("shape K (password cloud of npm start's clouds.yaml, Keystone v3 token and catalog): the whole lifecycle", async () => {
    await lifecycle("K", true);
  }, FLOW_TIMEOUT_MS);

  it.concurrent("cross-project: a member of project B cannot see or act on project A's server", async () => {
    const flow = "cross-project";
    const created = await oscJson<Record<string, unknown>>(flow, "K", "member", [
      "server", "create", "--flavor", "bm-osc", "--image", "demo-osc", "--nic", "none", "--wait", "osc-private-vm",
    ]);
    const id = created["id"] as string;
    expect(created["status"]).toBe("ACTIVE");
    noted(flow, `project A's server ${id}`);
    for (const [command, ref] of [
      [["server", "show"], id],
      [["server", "show"], "osc-private-vm"],
      [["server", "stop"], id],
      [["server", "reboot", "--hard"], id],
      [["server", "delete"], id],
      [["console", "url", "show", "--serial"], id],
    ] as const) {
      const run = await osc(flow, "A", "other", [...command, ref]);
      expect(run.code, run.stdout).toBe(1);
      // novaclient's lookup message, or openstacksdk's (console url show).
      expect(run.stderr).toMatch(/No server with a name or ID of '[^']+' exists|No Server found for /);
      noted(flow, `rc 1: ${lastLine(run)}`);
    }
    // The same with a token scoped to project B.
    const scoped = await osc(flow, "K", "other", ["server", "show", id]);
    expect(scoped.code, scoped.stdout).toBe(1);
    expect(scoped.stderr).toMatch(/No server with a name or ID of '[^']+' exists/);
    noted(flow, `rc 1 with a project-B token: ${lastLine(scoped)}`);
    const theirs = await oscJson<ListedServer[]>(flow, "A", "other", ["server", "list"]);
    expect(theirs.map((server) => server.ID)).not.toContain(id);
    noted(flow, "not listed");
    const mine = await oscJson<Record<string, unknown>>(flow, "K", "member", ["server", "show", id]);
    expect(mine).toMatchObject({ id, status: "ACTIVE" });
    noted(flow, "still ACTIVE for its owner");
    const wrong = await recorded(flow, "server list (wrong password)", [
      "--os-auth-type", "http_basic", "--os-username", api.users.member.name, "--os-password", "wrong-password",
      "--os-endpoint", `${api.url}/v2.1`, "server", "list",
    ], cleanEnv());
    noted(flow, lastLine(wrong));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("(HTTP 401)");
    await oscOk(flow, "K", "member", ["server", "delete", "--wait", id]);
    noted(flow, "deleted by its owner");
  }, FLOW_TIMEOUT_MS);

  it.concurrent("microversions: the same commands pinned at 2.1, 2.37 and 2.52", async () => {
    const flow = "microversions";
    const key = await api.call("POST", "/v2.1/os-keypairs", { body: { keypair: { name: "osc-mv-key" } } });
    expect(key.status, key.text).toBe(200); // no version header: 2.1
    const userData = join(home, "user-data.sh");
    writeFileSync(userData, "#!/bin/sh\necho hello\n");
    // Also the create options: key_name, user_data, metadata, config_drive.
    const created = await oscJson<Record<string, unknown>>(flow, "A", "admin", [
      "server", "create", "--flavor", "bm-osc", "--image", "demo-osc", "--nic", "none",
      "--key-name", "osc-mv-key", "--user-data", userData, "--property", "team=blue", "--config-drive", "True",
      "--wait", "osc-mv-vm",
    ], ["--os-compute-api-version", "2.37"]);
    const id = created["id"] as string;
    expect(created).toMatchObject({ status: "ACTIVE", key_name: "osc-mv-key", properties: { team: "blue" }, config_drive: "True" });
    expect(JSON.stringify(created)).not.toContain("echo hello");
    // Below 2.47 the server's flavor is {id, links}: OSC looks the name up and prints "name (id)".
    expect(created["flavor"]).toBe(`bm-osc (${api.flavorId})`);
    noted(flow, `2.37: key_name, properties, config_drive shown; flavor shown as ${String(created["flavor"])}`);
    const old = await oscJson<ListedServer[]>(flow, "A", "admin", ["server", "list"], ["--os-compute-api-version", "2.1"]);
    expect(old).toContainEqual(expect.objectContaining({ ID: id, Flavor: "bm-osc", Image: "demo-osc" }));
    noted(flow, "2.1: listed with flavor name from the flavor list");
    const legacy = await oscJson<Array<Record<string, unknown>>>(flow, "A", "admin", ["hypervisor", "list"], ["--os-compute-api-version", "2.52"]);
    expect(legacy.length).toBeGreaterThanOrEqual(api.nodes.length);
    expect(legacy.every((hypervisor) => typeof hypervisor["ID"] === "number")).toBe(true);
    noted(flow, "2.52: integer hypervisor ids");
    const console = await oscJson<Record<string, unknown>>(flow, "A", "admin", ["console", "url", "show", "--serial", id], ["--os-compute-api-version", "2.1"]);
    expect(console).toMatchObject({ type: "serial", url: expect.stringMatching(CONSOLE_PROXY_URL) as unknown });
    noted(flow, "2.1: os-getSerialConsole action");
    await oscOk(flow, "A", "admin", ["server", "delete", "--wait", id]);
  }, FLOW_TIMEOUT_MS);

  it.concurrent("Keystone: token issue, catalog list, a wrong password, application credentials", async () => {
    const flow = "keystone";
    const token = await oscJson<Record<string, unknown>>(flow, "K", "member", ["token", "issue"]);
    expect(token).toMatchObject({ project_id: api.users.member.projectId, user_id: api.users.member.id });
    expect(token["id"]).toEqual(expect.any(String));
    const withToken = await api.call("GET", "/v2.1/servers", { as: "anonymous", headers: { "x-auth-token": token["id"] as string } });
    expect(withToken.status, withToken.text).toBe(200);
    noted(flow, "member's project; the token works as X-Auth-Token");

    const catalog = await oscJson<Array<{ Name: string; Type: string; Endpoints: Array<Record<string, unknown>> }>>(flow, "K", "member", ["catalog", "list"]);
    const byType = Object.fromEntries(catalog.map((service) => [service.Type, service.Endpoints]));
    expect(Object.keys(byType).sort()).toEqual(["block-storage", "compute", "identity", "image", "network", "volumev3"]);
    const volumeUrl = `${api.url}/volume/v3/${api.users.member.projectId}`;
    for (const [type, url] of [["identity", `${api.url}/identity`], ["compute", `${api.url}/v2.1`], ["image", `${api.url}/image`], ["network", `${api.url}/network`], ["volumev3", volumeUrl], ["block-storage", volumeUrl]] as const) {
      expect((byType[type] ?? []).map((endpoint) => [endpoint["interface"], endpoint["region"], endpoint["url"]]).sort()).toEqual(
        ["admin", "internal", "public"].map((face) => [face, "RegionOne", url]),
      );
    }
    noted(flow, "identity, compute, image, network, volumev3 and block-storage (…/volume/v3/<project>): public/internal/admin in RegionOne");

    writeFileSync(
      join(home, "clouds-wrong.yaml"),
      cloudsYaml({ apiUrl: api.url, username: api.users.member.name, password: "wrong-password", projectName: api.users.member.projectName }),
      { mode: 0o600 },
    );
    const wrongCloud = cloudArgs("clouds-wrong.yaml", CLOUD_NAME);
    const wrong = await recorded(flow, "server list (wrong password)", [...wrongCloud.args, "server", "list"], wrongCloud.env);
    noted(flow, lastLine(wrong));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("(HTTP 401)");

    const credential = await oscJson<Record<string, unknown>>(flow, "K", "member", ["application", "credential", "create", "osc-app"]);
    expect(credential).toMatchObject({ name: "osc-app", project_id: api.users.member.projectId, user_id: api.users.member.id });
    const secret = credential["secret"];
    expect(secret).toEqual(expect.any(String));
    noted(flow, "secret shown once");
    const listedCredentials = await osc(flow, "K", "member", ["application", "credential", "list", "-f", "json"]);
    expect(listedCredentials.code, listedCredentials.stderr).toBe(0);
    expect(JSON.parse(listedCredentials.stdout)).toContainEqual(expect.objectContaining({ ID: credential["id"], Name: "osc-app" }));
    expect(listedCredentials.stdout).not.toContain(secret as string);
    expect(listedCredentials.stdout).not.toMatch(/secret/i);
    noted(flow, "listed, no secret");

    const appCloud = {
      auth_type: "v3applicationcredential",
      auth: { auth_url: `${api.url}/identity/v3`, application_credential_id: credential["id"], application_credential_secret: secret },
    };
    writeFileSync(join(home, "clouds-app.yaml"), stringify({ clouds: { app: appCloud } }), { mode: 0o600 });
    const app = cloudArgs("clouds-app.yaml", "app");
    const listed = await recorded(flow, "server list (application credential)", [...app.args, "server", "list", "-f", "json"], app.env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual(expect.any(Array));
    noted(flow, "listed");

    await oscOk(flow, "K", "member", ["application", "credential", "delete", "osc-app"]);
    const revoked = await recorded(flow, "server list (deleted application credential)", [...app.args, "server", "list"], app.env);
    noted(flow, lastLine(revoked));
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toContain("(HTTP 401)");
  }, FLOW_TIMEOUT_MS);

  // A: http_basic with the one compute URL; K: Keystone password auth, endpoints from the catalog.
  for (const shape of ["A", "K"] as const) {
    it.concurrent(`openstacksdk (sdk_lifecycle.py), shape ${shape}`, async () => {
      const flow = `sdk-${shape}`;
      const auth =
        shape === "K"
          ? { auth: "password", auth_url: `${api.url}/identity/v3`, project_name: api.users.admin.projectName }
          : { auth: "http_basic", compute: `${api.url}/v2.1`, image: null };
      const config = {
        ...auth,
        username: "admin",
        password: api.passwords.admin,
        flavor: "bm-osc",
        image_name: "demo-osc",
        rebuild_image: rebuildImageName,
        server_name: `sdk-${shape.toLowerCase()}-vm`,
        keypair_name: `sdk-${shape.toLowerCase()}-kp`,
      };
      const run = await runClient(DEBIAN_PYTHON, [SDK_SCRIPT, JSON.stringify(config)], cleanEnv());
      const steps = run.stdout
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      outcomes.push({ flow, command: "python3 sdk_lifecycle.py", code: run.code, ms: run.ms, result: steps.map((step) => (typeof step["step"] === "string" ? step["step"] : "ok")).join(", ") });
      expect(run.code, run.stderr).toBe(0);
      const step = (name: string): Record<string, unknown> | undefined => steps.find((entry) => entry["step"] === name);
      if (shape === "K") {
        // The image endpoint is what the SDK discovered from the catalog's /image (Glance's version document).
        expect(step("lookup")).toMatchObject({ compute_endpoint: `${api.url}/v2.1`, image_endpoint: `${api.url}/image/v2/` });
      }
      expect(step("create")).toMatchObject({ status: "ACTIVE", project_id: api.users.admin.projectId });
      expect(step("stop")).toMatchObject({ status: "SHUTOFF" });
      expect(step("rescue")).toMatchObject({ status: "RESCUE" });
      expect(step("rebuild")).toMatchObject({ status: "ACTIVE", image: rebuildImageId });
      expect(step("console")).toMatchObject({ type: "serial", url: expect.stringMatching(CONSOLE_PROXY_URL) as unknown });
      expect(step("keypair")).toMatchObject({ has_private_key: true, listed: true });
      expect((step("hypervisors")?.["count"] as number | undefined) ?? 0).toBeGreaterThanOrEqual(api.nodes.length);
      expect(step("delete")).toMatchObject({ gone: true });
      expect(steps.at(-1)).toEqual({ ok: true });
    }, FLOW_TIMEOUT_MS);
  }
});
