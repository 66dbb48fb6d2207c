// The real service (store + compute + API, wired by cli/service-runtime.ts) on
// the run's real Ironic, with its own nodes (unique resource class and shard),
// a temp-file SQLite store and the API on 127.0.0.1:0. Users of each role are
// created through the admin API; every response text is kept so tests can scan
// them for secrets, and every compute answer is checked against Nova's schema
// for it (nova-schemas/checker.ts).
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll } from "vitest";
import { computeConfigSchema } from "../../src/compute/config.js";
import { bareMetalExtraSpecs } from "../../src/compute/flavor-scheduling.js";
import { enrolNodes, type EnrolSpec } from "../../src/dev/enrol.js";
import { driverConfig } from "../../src/driver/config.js";
import { ironicClientOptions } from "../../src/ironic/config.js";
import { testSecrets } from "./secrets.js";
import type { LoginLimits } from "../../src/api/login-limits.js";
import type { Logger } from "../../src/log/logger.js";
import { startService, type RunningService } from "../../src/cli/service-runtime.js";
import type { TracingConfig } from "../../src/cli/tracing-config.js";
import { newClient, sharedIronicUrl, uniqueResourceClass } from "./ironic.js";
import { assertNovaAnswer } from "./nova-schemas/checker.js";
import { waitUntil } from "./wait.js";

/** The bootstrap admin's project. */
const ADMIN_PROJECT = "admin";

export type Who = "admin" | "member" | "reader" | "other" | "anonymous";

export interface CallOptions {
  as?: Who;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // Tests read into it freely; each assertion checks the shape it needs.
  json: Record<string, unknown>;
}

export interface TestApi {
  url: string;
  running: RunningService;
  /** The service's SQLite file (to read what is at rest). */
  storePath: string;
  resourceClass: string;
  /** The driver's node shard (a second service on the same nodes uses it too). */
  shard: string;
  nodes: string[];
  passwords: Record<Exclude<Who, "anonymous">, string>;
  users: Record<Exclude<Who, "anonymous">, { id: string; name: string; projectId: string; projectName: string }>;
  flavorId: string;
  imageId: string;
  /** Every response body seen so far. */
  responses: string[];
  call(method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, options?: CallOptions): Promise<CallResult>;
  basic(who: Exclude<Who, "anonymous">): string;
  /** Polls until the server's status is `status` with no task running. */
  waitForStatus(id: string, status: string, as?: Who): Promise<Record<string, unknown>>;
  /**
   * POST /v2.1/servers as `as` (default member) with the file's image and flavor
   * and no network, then waits until the server is `until` (default ACTIVE). Its id.
   */
  createServer(name: string, until?: string, as?: Exclude<Who, "anonymous">): Promise<string>;
  /**
   * A flavor made as an admin does with Nova's API: POST /flavors (1 vCPU,
   * 1 MiB, 1 GiB unless `fields` says), then POST …/os-extra_specs with
   * `specs` (none: the flavor has no resource class). Its id.
   */
  flavor(name: string, specs: Record<string, string>, fields?: Record<string, unknown>): Promise<string>;
  stop(): Promise<void>;
}

export interface TestApiOptions {
  nodes?: number;
  log: Logger;
  /** The Ironic the service (and the enrolment) talks to; default the run's shared one. */
  ironicUrl?: string;
  /** Default 600 s: tests never wait for the periodic reconciliation. */
  reconcileIntervalMs?: number;
  /** compute.quotas of the service (default: unlimited). */
  quotas?: { instances?: number; resourceClasses?: Record<string, number> };
  /** Node interfaces for the enrolment (see enrolNodes). */
  interfaces?: EnrolSpec["interfaces"];
  /** NIC ports each node gets (with generated MACs); default none. */
  portsPerNode?: number;
  /** Each node gets an iSCSI volume connector (boot from volume). */
  iscsiConnector?: boolean;
  /** api.login of the service (failed-login limits; default the config's). */
  login?: LoginLimits;
  /** Other compute settings of the service (e.g. enableInstancePassword). */
  compute?: Record<string, unknown>;
  /** compute.serverGroups of the service (default: the config's). */
  serverGroups?: { failureDomain?: string; maxPerProject?: number; maxMembers?: number };
  /**
   * Runs once the API listens and before any node is enrolled: the place to start
   * an Ironic that must know the API's URL (power notifications). The service
   * does not talk to Ironic until it is asked to.
   */
  beforeEnrol?: (api: { url: string; adminPassword: string; compute: RunningService["compute"] }) => Promise<void>;
  /** OpenTelemetry traces of the service (tracing.otlpEndpoint; default off). */
  tracing?: TracingConfig;
}

/**
 * The usual file preamble: a test API started (as by startTestApi) in the
 * calling file's beforeAll and stopped in its afterAll. The object returned is
 * filled in by that beforeAll, so use it inside tests and hooks only.
 */
export function testApiForFile(label: string, options: TestApiOptions): TestApi {
  const api = {} as TestApi;
  beforeAll(async () => {
    Object.assign(api, await startTestApi(label, options));
  });
  afterAll(async () => {
    await api.stop();
  });
  return api;
}

export async function startTestApi(label: string, options: TestApiOptions): Promise<TestApi> {
  const dir = mkdtempSync(join(tmpdir(), "ironic-compute-api-test-"));
  const resourceClass = uniqueResourceClass(label);
  const shard = `shard-${randomUUID().slice(0, 8)}`;
  const ironicUrl = options.ironicUrl ?? sharedIronicUrl();
  const adminPassword = `admin-${randomUUID()}`;
  const running = await startService({
    database: { kind: "sqlite", path: join(dir, "compute.sqlite") },
    secrets: testSecrets(),
    ironic: ironicClientOptions({ url: ironicUrl }),
    driver: driverConfig({ pollIntervalMs: 100, softPowerOffTimeoutSeconds: 2, cache: { maxAgeMs: 0, shard } }),
    compute: computeConfigSchema.parse({
      workerId: `api-${label}`,
      taskPollIntervalMs: 50,
      heartbeatIntervalMs: 500,
      reconcileIntervalMs: options.reconcileIntervalMs ?? 600_000,
      ...(options.quotas === undefined ? {} : { quotas: options.quotas }),
      ...(options.serverGroups === undefined ? {} : { serverGroups: options.serverGroups }),
      ...options.compute,
    }),
    api: { host: "127.0.0.1", port: 0, auth: "basic", ...(options.login === undefined ? {} : { login: options.login }) },
    bootstrapAdmin: { project: ADMIN_PROJECT, user: "admin", password: adminPassword },
    ...(options.tracing === undefined ? {} : { tracing: options.tracing }),
    log: options.log,
  });
  let nodes: string[];
  try {
    await options.beforeEnrol?.({ url: running.api.url, adminPassword, compute: running.compute });
    const enrolClient = newClient({ url: ironicUrl });
    try {
      nodes = await enrolNodes(enrolClient, {
        count: options.nodes ?? 2,
        resourceClass,
        shard,
        ...(options.interfaces === undefined ? {} : { interfaces: options.interfaces }),
        ...(options.portsPerNode === undefined ? {} : { portsPerNode: options.portsPerNode }),
        ...(options.iscsiConnector === undefined ? {} : { iscsiConnector: options.iscsiConnector }),
      });
    } finally {
      await enrolClient.close();
    }
  } catch (error) {
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const responses: string[] = [];
  const passwords: TestApi["passwords"] = { admin: adminPassword, member: `member-${randomUUID()}`, reader: `reader-${randomUUID()}`, other: `other-${randomUUID()}` };
  const basic = (who: Exclude<Who, "anonymous">, name = who === "admin" ? "admin" : `${who}-${label}`): string =>
    `Basic ${Buffer.from(`${name}:${passwords[who]}`).toString("base64")}`;

  const call = async (method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, callOptions: CallOptions = {}): Promise<CallResult> => {
    const who = callOptions.as ?? "admin";
    const response = await request(`${running.api.url}${path}`, {
      method,
      headers: {
        ...(who === "anonymous" ? {} : { authorization: basic(who) }),
        ...(callOptions.body === undefined ? {} : { "content-type": "application/json" }),
        ...callOptions.headers,
      },
      ...(callOptions.body === undefined ? {} : { body: JSON.stringify(callOptions.body) }),
    });
    const text = await response.body.text();
    responses.push(text);
    // Every compute answer a test receives must fit Nova's schema for it.
    assertNovaAnswer({
      method,
      path,
      requestHeaders: callOptions.headers ?? {},
      requestBody: callOptions.body,
      status: response.statusCode,
      responseHeaders: response.headers,
      text,
    });
    let json: Record<string, unknown> = {};
    if (text.startsWith("{")) json = JSON.parse(text) as Record<string, unknown>;
    return { status: response.statusCode, headers: response.headers, text, json };
  };

  const created = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const result = await call("POST", path, { body });
    if (result.status >= 300) throw new Error(`POST ${path}: ${result.status} ${result.text}`);
    return result.json;
  };
  const project = async (name: string) => {
    const body = await created("/admin/v1/projects", { name: `${name}-${label}` });
    const record = body["project"] as { id: string; name: string };
    return { projectId: record.id, projectName: record.name };
  };
  const projectA = await project("a");
  const projectB = await project("b");
  const user = async (who: "member" | "reader" | "other", inProject: { projectId: string; projectName: string }, role: string) => {
    const body = await created("/admin/v1/users", { name: `${who}-${label}`, password: passwords[who], project_id: inProject.projectId, role });
    const record = body["user"] as { id: string; name: string };
    return { id: record.id, name: record.name, ...inProject };
  };
  const admin = await running.compute.authenticate("admin", adminPassword);
  const users: TestApi["users"] = {
    admin: { id: admin?.userId ?? "", name: "admin", projectId: admin?.projectId ?? "", projectName: ADMIN_PROJECT },
    member: await user("member", projectA, "member"),
    reader: await user("reader", projectA, "reader"),
    other: await user("other", projectB, "member"),
  };
  const makeFlavor = async (name: string, specs: Record<string, string>, fields: Record<string, unknown> = {}): Promise<string> => {
    const body = await created("/v2.1/flavors", { flavor: { name, ram: 1, vcpus: 1, disk: 1, ...fields } });
    const id = (body["flavor"] as { id: string }).id;
    if (Object.keys(specs).length > 0) await created(`/v2.1/flavors/${encodeURIComponent(id)}/os-extra_specs`, { extra_specs: specs });
    return id;
  };
  const flavorId = await makeFlavor(`bm-${label}`, bareMetalExtraSpecs(resourceClass), { ram: 16_384, vcpus: 8, disk: 10 });
  const image = await created("/image/v2/images", { name: `demo-${label}`, url: "http://127.0.0.1:1/demo.qcow2", disk_format: "qcow2" });
  const imageId = image["id"] as string;
  const waitForStatus: TestApi["waitForStatus"] = (id, status, as = "admin") =>
    waitUntil(`server ${id} to be ${status}`, async () => {
      const result = await call("GET", `/v2.1/servers/${id}`, { as });
      const server = result.json["server"] as Record<string, unknown> | undefined;
      if (server?.["status"] === "ERROR" && status !== "ERROR") throw new Error(`server ${id} went to ERROR: ${JSON.stringify(server["fault"])}`);
      return server?.["status"] === status && server["OS-EXT-STS:task_state"] === null ? server : undefined;
    }, { timeoutMs: 60_000, intervalMs: 100 });
  const createServer: TestApi["createServer"] = async (name, until = "ACTIVE", as = "member") => {
    const result = await call("POST", "/v2.1/servers", { as, body: { server: { name, imageRef: imageId, flavorRef: flavorId, networks: "none" } } });
    if (result.status !== 202) throw new Error(`create server ${name}: ${result.status} ${result.text}`);
    const id = (result.json["server"] as { id: string }).id;
    await waitForStatus(id, until, as);
    return id;
  };

  return {
    url: running.api.url,
    running,
    storePath: join(dir, "compute.sqlite"),
    resourceClass,
    shard,
    nodes,
    passwords,
    users,
    flavorId,
    imageId,
    responses,
    call,
    basic: (who) => basic(who),
    waitForStatus,
    createServer,
    flavor: makeFlavor,
    stop: async () => {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
