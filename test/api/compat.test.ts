// What the real OpenStack clients revealed, pinned at the HTTP edge against a
// fake ComputeApi (no Ironic): Nova's is_public default, server list filters and
// all_tenants policy, per-microversion hypervisor and server fields, key pair
// paging, the Image API outside the compute microversions, and the small routes
// `openstack hypervisor show` / `availability zone list` / `image create` read.
import { afterAll, describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/server.js";
import type { NodeSummary } from "../../src/compute/contract.js";
import type { ImageRecord, KeypairRecord } from "../../src/store/records.js";
import { captureLog } from "../support/log-capture.js";
import { basicHeader, FAKE_FLAVOR, fakeCompute, fakeServer } from "../support/fake-compute.js";
import { checkNovaAnswers } from "../support/nova-schemas/fastify-hook.js";

const NODE = "9a1b2c3d-0000-4000-8000-00000000000a";
const ONE = "11111111-1111-4111-8111-111111111111";
const TWO = "22222222-2222-4222-8222-222222222222";
const THREE = "33333333-3333-4333-8333-333333333333";

const node: NodeSummary = {
  uuid: NODE,
  name: "n-0",
  resourceClass: "baremetal",
  provisionState: "active",
  powerState: "power on",
  maintenance: false,
  available: false,
  reason: "in use",
  serverId: ONE,
  instanceUuid: ONE,
  claim: "ours",
  cpus: 8,
  memoryMb: 16_384,
  localGb: 100,
  cpuArch: "x86_64",
  traits: [],
  owner: null,
  lessee: null,
};

const image: ImageRecord = {
  id: "5f0f9e4e-0000-4000-8000-000000000001",
  name: "demo",
  url: "http://192.0.2.1/demo.qcow2",
  checksum: null,
  osHashAlgo: null,
  osHashValue: null,
  diskFormat: "qcow2",
  visibility: "public",
  ownerProjectId: "p-admin",
  sizeBytes: null,
  properties: {},
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
};

const keypairs: KeypairRecord[] = ["a", "b", "c"].map((name) => ({
  id: `k-${name}`,
  userId: "u-alice",
  name,
  type: "ssh",
  publicKey: `ssh-ed25519 AAAA ${name}`,
  fingerprint: "00:11",
  createdAt: "2026-01-01T00:00:00.000Z",
}));

const stopped = { ...fakeServer(TWO, "p-one"), vmState: "stopped" as const, powerState: "shutdown" as const };
const compute = fakeCompute(
  {
    // As the catalog: private flavors are for admins only.
    flavors: {
      list: (caller) => Promise.resolve(caller.role === "admin" ? [FAKE_FLAVOR, { ...FAKE_FLAVOR, id: "2", name: "hidden", isPublic: false }] : [FAKE_FLAVOR]),
    },
    nodes: { list: () => Promise.resolve([node]), get: () => Promise.resolve(node) },
    images: {
      list: () => Promise.resolve([image, { ...image, id: "5f0f9e4e-0000-4000-8000-000000000002", name: "mine", visibility: "private", ownerProjectId: "p-one" }]),
      get: () => Promise.resolve(image),
    },
    keypairs: { list: () => Promise.resolve(keypairs) },
  },
  [fakeServer(ONE, "p-one"), stopped, fakeServer(THREE, "p-two")],
);
const log = captureLog("warn");
const app = buildApi(compute, { log: log.logger, auth: "basic" });
checkNovaAnswers(app);
afterAll(() => app.close());

const as = (user: string, version?: string): Record<string, string> => ({
  authorization: basicHeader(user),
  ...(version === undefined ? {} : { "openstack-api-version": `compute ${version}` }),
});

async function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, unknown> }> {
  const response = await app.inject({ method: "GET", url, headers });
  return { status: response.statusCode, body: response.body === "" ? {} : response.json<Record<string, unknown>>(), headers: response.headers };
}

describe("servers", () => {
  it("all_tenants is admin-only (Nova's policy: 403 for others)", async () => {
    const response = await get("/v2.1/servers/detail?all_tenants=1", as("alice"));
    expect(response.status).toBe(403);
    expect(response.body).toHaveProperty("forbidden.code", 403);
    const admin = await get("/v2.1/servers/detail?all_tenants=1&project_id=p-two", as("root"));
    expect((admin.body["servers"] as Array<{ id: string }>).map((server) => server.id)).toEqual([THREE]);
  });

  it("status, image and flavor filters; limit/marker page the filtered list with a next link keeping the filters", async () => {
    const active = await get("/v2.1/servers/detail?status=active", as("alice"));
    expect((active.body["servers"] as Array<{ id: string }>).map((server) => server.id)).toEqual([ONE]);
    const page = await get(`/v2.1/servers?flavor=1&limit=1`, as("alice"));
    expect(page.body["servers"]).toEqual([expect.objectContaining({ id: ONE })]);
    expect(page.body["servers_links"]).toEqual([{ rel: "next", href: expect.stringContaining(`flavor=1&limit=1&marker=${ONE}`) as string }]);
    const next = await get(`/v2.1/servers?flavor=1&limit=1&marker=${ONE}`, as("alice"));
    expect(next.body["servers"]).toEqual([expect.objectContaining({ id: TWO })]);
    expect((await get(`/v2.1/servers?status=ACTIVE&marker=${THREE}`, as("alice"))).status).toBe(400);
  });

  it("microversion fields: 2.3 admin attributes, 2.16 host_status, 2.63, 2.71 (show only)", async () => {
    const old = (await get(`/v2.1/servers/${ONE}`, as("root", "2.1"))).body["server"] as Record<string, unknown>;
    expect(old).not.toHaveProperty("OS-EXT-SRV-ATTR:reservation_id");
    expect(old).not.toHaveProperty("host_status");
    const modern = (await get(`/v2.1/servers/${ONE}`, as("root", "2.95"))).body["server"] as Record<string, unknown>;
    expect(modern).toMatchObject({ "OS-EXT-SRV-ATTR:launch_index": 0, host_status: "UP", trusted_image_certificates: null, server_groups: [] });
    expect(modern).not.toHaveProperty("OS-EXT-SRV-ATTR:user_data");
    const listed = (await get("/v2.1/servers/detail", as("root", "2.95"))).body["servers"] as Array<Record<string, unknown>>;
    expect(listed[0]).not.toHaveProperty("server_groups");
    const member = (await get(`/v2.1/servers/${ONE}`, as("alice", "2.95"))).body["server"] as Record<string, unknown>;
    expect(member).not.toHaveProperty("host_status");
  });

  it("os-getSerialConsole and the other console actions exist below 2.6 only", async () => {
    const vnc = await app.inject({ method: "POST", url: `/v2.1/servers/${ONE}/action`, headers: as("alice"), payload: { "os-getVNCConsole": { type: "novnc" } } });
    expect(vnc.statusCode).toBe(400);
    const modern = await app.inject({ method: "POST", url: `/v2.1/servers/${ONE}/action`, headers: as("alice", "2.6"), payload: { "os-getVNCConsole": { type: "novnc" } } });
    expect(modern.statusCode).toBe(404);
    const other = await app.inject({ method: "POST", url: `/v2.1/servers/${THREE}/action`, headers: as("alice"), payload: { "os-getVNCConsole": { type: "novnc" } } });
    expect(other.statusCode).toBe(404);
  });
});

describe("ironic_compute:queue_position (issue 11 #6)", () => {
  it("a create waiting for the deploy cap shows its place, BUILD/scheduling; others show null", async () => {
    const waiting = { ...fakeServer(ONE, "p-one"), vmState: "building" as const, taskState: "scheduling" as const, queuePosition: 2 };
    const queueApp = buildApi(fakeCompute({}, [waiting, fakeServer(TWO, "p-one")]), { log: log.logger, auth: "basic" });
    try {
      const shown = await queueApp.inject({ method: "GET", url: `/v2.1/servers/${ONE}`, headers: as("alice") });
      expect(shown.json<{ server: Record<string, unknown> }>().server).toMatchObject({
        status: "BUILD",
        "OS-EXT-STS:task_state": "scheduling",
        "ironic_compute:queue_position": 2,
      });
      const other = await queueApp.inject({ method: "GET", url: `/v2.1/servers/${TWO}`, headers: as("alice") });
      expect(other.json<{ server: Record<string, unknown> }>().server).toHaveProperty("ironic_compute:queue_position", null);
    } finally {
      await queueApp.close();
    }
  });
});

describe("flavors", () => {
  it("as Nova: an admin gets public flavors unless is_public=None; others always the public ones", async () => {
    const names = async (url: string, user: string): Promise<string[]> =>
      ((await get(url, as(user))).body["flavors"] as Array<{ name: string }>).map((flavor) => flavor.name);
    expect(await names("/v2.1/flavors", "root")).toEqual(["bm.small"]);
    expect(await names("/v2.1/flavors/detail?is_public=None", "root")).toEqual(["bm.small", "hidden"]);
    expect(await names("/v2.1/flavors/detail?is_public=false", "root")).toEqual(["hidden"]);
    expect(await names("/v2.1/flavors/detail?is_public=false", "alice")).toEqual(["bm.small"]);
    expect((await get("/v2.1/flavors?is_public=maybe", as("root"))).status).toBe(400);
  });
});

describe("hypervisors", () => {
  it("resource counters below 2.88; uptime '' from 2.88; statistics and uptime routes by version", async () => {
    const old = (await get("/v2.1/os-hypervisors/detail", as("root", "2.87"))).body["hypervisors"] as Array<Record<string, unknown>>;
    expect(old[0]).toMatchObject({ vcpus: 8, memory_mb: 16_384, running_vms: 1, cpu_info: {} });
    const first = (await get("/v2.1/os-hypervisors/detail", as("root", "2.27"))).body["hypervisors"] as Array<Record<string, unknown>>;
    expect(first[0]).toMatchObject({ cpu_info: "" });
    expect(old[0]).not.toHaveProperty("uptime");
    const modern = (await get("/v2.1/os-hypervisors/detail", as("root", "2.88"))).body["hypervisors"] as Array<Record<string, unknown>>;
    expect(modern[0]).toMatchObject({ id: NODE, uptime: "" });
    expect(modern[0]).not.toHaveProperty("vcpus");
    expect((await get("/v2.1/os-hypervisors/statistics", as("root", "2.87"))).body).toMatchObject({ hypervisor_statistics: { count: 1, vcpus: 8 } });
    expect((await get("/v2.1/os-hypervisors/statistics", as("root", "2.88"))).status).toBe(404);
    expect((await get(`/v2.1/os-hypervisors/${NODE}/uptime`, as("root", "2.53"))).status).toBe(501);
  });

  it("with_servers and hypervisor_hostname_pattern from 2.53", async () => {
    const withServers = (await get("/v2.1/os-hypervisors?with_servers=true", as("root", "2.53"))).body["hypervisors"] as Array<Record<string, unknown>>;
    expect(withServers[0]).toMatchObject({ servers: [{ uuid: ONE, name: fakeServer(ONE, "p-one").name }] });
    expect((await get("/v2.1/os-hypervisors?hypervisor_hostname_pattern=9a1b", as("root", "2.53"))).body["hypervisors"]).toHaveLength(1);
    expect((await get("/v2.1/os-hypervisors?hypervisor_hostname_pattern=zzz", as("root", "2.53"))).status).toBe(404);
  });
});

describe("keypairs", () => {
  it("limit and marker (a name) from 2.35, with keypairs_links; ignored before", async () => {
    const page = await get("/v2.1/os-keypairs?limit=2", as("alice", "2.35"));
    expect((page.body["keypairs"] as Array<{ keypair: { name: string } }>).map((item) => item.keypair.name)).toEqual(["a", "b"]);
    expect(page.body["keypairs_links"]).toEqual([{ rel: "next", href: expect.stringContaining("limit=2&marker=b") as string }]);
    const next = await get("/v2.1/os-keypairs?limit=2&marker=b", as("alice", "2.35"));
    expect((next.body["keypairs"] as unknown[]).length).toBe(1);
    expect(next.body).not.toHaveProperty("keypairs_links");
    expect((await get("/v2.1/os-keypairs?limit=2", as("alice", "2.34"))).body["keypairs"]).toHaveLength(3);
    expect((await get("/v2.1/os-keypairs?marker=nope", as("alice", "2.35"))).status).toBe(400);
  });
});

describe("the Image API", () => {
  it("has no compute microversion: no echo headers, a bogus compute version is not a 406", async () => {
    const response = await get("/image/v2/images", as("alice", "2.999"));
    expect(response.status).toBe(200);
    expect(response.headers).not.toHaveProperty("openstack-api-version");
    expect(response.headers["x-openstack-request-id"]).toMatch(/^req-/);
    const bare = await get("/v2.1/images", as("alice"));
    expect(bare.status).toBe(200);
    expect(bare.headers).not.toHaveProperty("openstack-api-version");
    // Under /v2.1 a compute microversion header makes it Nova's image proxy (issue 18 #4b).
    expect((await get("/v2.1/images", as("alice", "2.999"))).status).toBe(406);
    expect((await get("/v2.1/servers", as("alice", "2.999"))).status).toBe(406);
  });

  it("visibility and owner filters", async () => {
    const names = async (query: string): Promise<string[]> =>
      ((await get(`/image/v2/images${query}`, as("alice"))).body["images"] as Array<{ name: string }>).map((entry) => entry.name);
    expect(await names("")).toEqual(["demo", "mine"]);
    expect(await names("?visibility=private")).toEqual(["mine"]);
    expect(await names("?visibility=all")).toEqual(["demo", "mine"]);
    expect(await names("?visibility=community")).toEqual([]);
    expect(await names("?owner=p-admin")).toEqual(["demo"]);
  });

  it("an empty upload (openstack image create in a script) is a no-op; data is refused", async () => {
    const url = `/image/v2/images/${image.id}/file`;
    const headers = { ...as("root"), "content-type": "application/octet-stream" };
    expect((await app.inject({ method: "PUT", url, headers, payload: Buffer.alloc(0) })).statusCode).toBe(204);
    const data = await app.inject({ method: "PUT", url, headers, payload: Buffer.from("qcow2 bytes") });
    expect(data.statusCode).toBe(400);
    expect((await app.inject({ method: "PUT", url, headers: { ...headers, authorization: basicHeader("alice") }, payload: Buffer.alloc(0) })).statusCode).toBe(403);
  });
});

describe("zones and aggregates", () => {
  it("one zone, nova; no aggregates", async () => {
    expect((await get("/v2.1/os-availability-zone", as("rita"))).body).toEqual({
      availabilityZoneInfo: [{ zoneName: "nova", zoneState: { available: true }, hosts: null }],
    });
    expect((await get("/v2.1/os-aggregates", as("root"))).body).toEqual({ aggregates: [] });
    expect((await get("/v2.1/os-aggregates", as("alice"))).status).toBe(403);
  });
});
