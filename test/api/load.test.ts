// Load on the real service and the real Ironic (issue 16 item 3), asserting
// outcomes only (no timing asserts; the latency figures are printed for the
// note and bench/results/load.md):
// - 50 concurrent creates for 10 nodes: exactly 10 ACTIVE on 10 distinct nodes,
//   40 ERROR "No valid host" holding no node; after deleting all, every node is free.
// - concurrent actions on one ACTIVE server: exactly one accepted, the rest 409
//   conflictingRequest, and the server ends in the winner's state.
// - 300 concurrent wrong passwords plus a member's key pair generation flood while
//   one create runs: the create ends ACTIVE, authenticated GETs answer 200, and the
//   only 5xx are the bounded queues' 503 with Retry-After.
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IronicClient } from "../../src/ironic/client.js";
import { startTestApi, type CallResult, type TestApi } from "../support/api-service.js";
import { newClient } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";
import { waitUntil } from "../support/wait.js";

type Json = Record<string, unknown>;
const log = captureLog("warn");
let api: TestApi;
let ironic: IronicClient;

beforeAll(async () => {
  // The failed-login limits are raised so that every wrong password reaches a
  // bcrypt check: the flood then loads the password workers, not just the 429 path.
  api = await startTestApi("load", {
    nodes: 10,
    log: log.logger,
    login: { maxFailuresPerClient: 1_000_000, maxFailuresPerUser: 1_000_000, failureWindowMs: 60_000, negativeCacheMs: 0, maxTrackedKeys: 10_000 },
  });
  ironic = newClient();
}, 120_000);
afterAll(async () => {
  await api.stop();
  await ironic.close();
});

async function createServer(name: string): Promise<CallResult> {
  return api.call("POST", "/v2.1/servers", { as: "member", body: { server: { name, flavorRef: api.flavorId, imageRef: api.imageId, networks: "none" } } });
}

const idOf = (result: CallResult): string => (result.json["server"] as Json)["id"] as string;

/** The server once it is ACTIVE, SHUTOFF or ERROR with no task running (admin view: the node shows). */
async function settle(id: string): Promise<Json> {
  return waitUntil(`server ${id} to settle`, async () => {
    const server = (await api.call("GET", `/v2.1/servers/${id}`)).json["server"] as Json;
    return ["ACTIVE", "SHUTOFF", "ERROR"].includes(server["status"] as string) && server["OS-EXT-STS:task_state"] === null ? server : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200 });
}

async function deleteAndWait(id: string): Promise<void> {
  expect((await api.call("DELETE", `/v2.1/servers/${id}`, { as: "member" })).status).toBe(204);
  await waitUntil(`server ${id} to be gone`, async () => ((await api.call("GET", `/v2.1/servers/${id}`, { as: "member" })).status === 404 ? true : undefined), {
    timeoutMs: 60_000,
    intervalMs: 200,
  });
}

async function nodeHolders(): Promise<Map<string, string | null>> {
  const holders = new Map<string, string | null>();
  for (const node of api.nodes) holders.set(node, (await ironic.nodes.get(node, ["instance_uuid"])).instance_uuid ?? null);
  return holders;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

describe("load", () => {
  it("50 concurrent creates for 10 nodes: exactly 10 ACTIVE on distinct nodes, 40 ERROR holding nothing; all nodes free after delete", async () => {
    const created = await Promise.all(Array.from({ length: 50 }, (_, i) => createServer(`crowd-${i}`)));
    for (const result of created) expect(result.status, result.text).toBe(202);
    const ids = created.map(idOf);
    const ends = await Promise.all(ids.map(settle));
    const active = ends.filter((server) => server["status"] === "ACTIVE");
    const failed = ends.filter((server) => server["status"] === "ERROR");
    expect(active, JSON.stringify(failed.map((server) => server["fault"]))).toHaveLength(10);
    expect(failed).toHaveLength(40);
    const hosts = active.map((server) => server["OS-EXT-SRV-ATTR:hypervisor_hostname"] as string);
    expect(new Set(hosts).size).toBe(10);
    expect([...hosts].sort()).toEqual([...api.nodes].sort());
    for (const server of failed) {
      expect((server["fault"] as { message: string }).message).toMatch(/No valid host/);
      expect(server["OS-EXT-SRV-ATTR:hypervisor_hostname"]).toBeNull();
    }
    // Ironic's own view: each node holds exactly one ACTIVE server, none an ERROR one.
    const holders = await nodeHolders();
    const failedIds = new Set(failed.map((server) => server["id"] as string));
    const activeById = new Map(active.map((server) => [server["id"] as string, server["OS-EXT-SRV-ATTR:hypervisor_hostname"] as string]));
    for (const [node, holder] of holders) {
      expect(holder, node).not.toBeNull();
      expect(failedIds.has(holder ?? "")).toBe(false);
      expect(activeById.get(holder ?? "")).toBe(node);
    }

    await Promise.all(ids.map(deleteAndWait));
    await waitUntil("every node to be free and available", async () => {
      for (const node of api.nodes) {
        const view = await ironic.nodes.get(node, ["instance_uuid", "provision_state"]);
        if (view.instance_uuid !== null || view.provision_state !== "available") return undefined;
      }
      return true;
    }, { timeoutMs: 60_000, intervalMs: 250 });
  }, 150_000);

  it("10 concurrent actions on one ACTIVE server: one 202, nine 409 conflictingRequest, the server ends in the winner's state", async () => {
    const id = idOf(await createServer("contended"));
    expect((await settle(id))["status"]).toBe("ACTIVE");
    const bodies = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? { reboot: { type: "HARD" } } : { "os-stop": null }));
    const answers = await Promise.all(bodies.map((body) => api.call("POST", `/v2.1/servers/${id}/action`, { as: "member", body })));
    const accepted = answers.flatMap((answer, i) => (answer.status === 202 ? [i] : []));
    expect(accepted, JSON.stringify(answers.map((answer) => answer.status))).toHaveLength(1);
    for (const [i, answer] of answers.entries()) {
      if (i === accepted[0]) continue;
      expect(answer.status).toBe(409);
      expect(answer.json).toHaveProperty("conflictingRequest.code", 409);
    }
    const winner = bodies[accepted[0] ?? 0] ?? {};
    const end = await settle(id);
    expect(end["status"]).toBe("reboot" in winner ? "ACTIVE" : "SHUTOFF");
    expect(end["OS-EXT-STS:power_state"]).toBe("reboot" in winner ? 1 : 4);
    // Only the accepted action was recorded.
    const actions = (await api.call("GET", `/v2.1/servers/${id}/os-instance-actions`, { as: "member" })).json["instanceActions"] as Json[];
    expect(actions.map((action) => action["action"]).sort()).toEqual(["create", "reboot" in winner ? "reboot" : "stop"].sort());
    await deleteAndWait(id);
  }, 90_000);

  it("300 wrong passwords and a key pair flood while a create runs: the create ends ACTIVE, authenticated GETs answer 200, only bounded 503s", async () => {
    // The asserted GETs carry a member's token: token checks never wait for a
    // password worker. A Basic member probes alongside; its cached login (10 s)
    // may expire during the flood, and its re-check then queues behind the
    // guesses (or gets 503 when that queue is full): it is counted, not held to 200.
    const issued = await api.call("POST", "/identity/v3/auth/tokens", {
      as: "anonymous",
      body: {
        auth: {
          identity: { methods: ["password"], password: { user: { name: api.users.member.name, domain: { name: "Default" }, password: api.passwords.member } } },
          scope: { project: { id: api.users.member.projectId } },
        },
      },
    });
    expect(issued.status, issued.text).toBe(201);
    const token = String(issued.headers["x-subject-token"]);
    expect((await api.call("GET", "/v2.1/servers", { as: "anonymous", headers: { "x-auth-token": token } })).status).toBe(200);
    const create = await createServer("under-flood");
    expect(create.status).toBe(202);
    const id = idOf(create);

    const wrong = (i: number) =>
      api.call("GET", "/v2.1/servers", {
        as: "anonymous",
        // Half guess the member's password, half unknown users; each guess is new (no negative cache hit).
        headers: { authorization: `Basic ${Buffer.from(`${i % 2 === 0 ? api.users.member.name : `intruder-${i}`}:guess-${i}`).toString("base64")}` },
      });
    const keypair = (i: number) => api.call("POST", "/v2.1/os-keypairs", { as: "member", body: { keypair: { name: `flood-${i}` } } });
    const flood$ = { running: true };
    const floodStarted = performance.now();
    const flood = Promise.all([...Array.from({ length: 300 }, (_, i) => wrong(i)), ...Array.from({ length: 50 }, (_, i) => keypair(i))]).finally(() => {
      flood$.running = false;
    });
    const latencies: number[] = [];
    const basicLatencies: number[] = [];
    const slowest: Array<{ path: string; at: number; ms: number }> = [];
    const gets: CallResult[] = [];
    const basicGets: CallResult[] = [];
    const probe = async (path: string) => {
      const started = performance.now();
      const result = await api.call("GET", path, { as: "anonymous", headers: { "x-auth-token": token } });
      latencies.push(performance.now() - started);
      slowest.push({ path, at: Math.round(started - floodStarted), ms: Math.round(performance.now() - started) });
      gets.push(result);
    };
    const basicProbe = async () => {
      const started = performance.now();
      basicGets.push(await api.call("GET", `/v2.1/servers/${id}`, { as: "member" }));
      basicLatencies.push(performance.now() - started);
    };
    // Authenticated GETs, a few at a time, for as long as the flood lasts (at least 30).
    while (flood$.running || gets.length < 30) {
      await Promise.all([probe(`/v2.1/servers/${id}`), probe("/v2.1/servers/detail"), probe("/v2.1/flavors/detail"), basicProbe()]);
    }
    const answers = await flood;
    const wrongAnswers = answers.slice(0, 300);
    const keypairAnswers = answers.slice(300);

    for (const result of gets) expect(result.status, result.text).toBe(200);
    for (const result of basicGets) {
      expect([200, 503], result.text).toContain(result.status);
      if (result.status === 503) expect(Number(result.headers["retry-after"])).toBeGreaterThan(0);
    }
    for (const result of wrongAnswers) {
      expect([401, 503], result.text).toContain(result.status);
      if (result.status === 503) expect(Number(result.headers["retry-after"])).toBeGreaterThan(0);
    }
    for (const result of keypairAnswers) {
      expect([200, 503], result.text).toContain(result.status);
      if (result.status === 503) expect(Number(result.headers["retry-after"])).toBeGreaterThan(0);
    }
    const keypairsMade = keypairAnswers.filter((result) => result.status === 200).length;
    expect(keypairsMade).toBeGreaterThan(0);
    // Every key pair answered 200 exists; none answered 503 does.
    const listed = ((await api.call("GET", "/v2.1/os-keypairs", { as: "member" })).json["keypairs"] as Array<{ keypair: { name: string } }>).map((k) => k.keypair.name);
    expect(listed.filter((name) => name.startsWith("flood-")).sort()).toEqual(
      keypairAnswers.flatMap((result, i) => (result.status === 200 ? [`flood-${i}`] : [])).sort(),
    );
    expect((await settle(id))["status"]).toBe("ACTIVE");

    const sorted = [...latencies].sort((a, b) => a - b);
    const basicSorted = [...basicLatencies].sort((a, b) => a - b);
    const count = (list: CallResult[], status: number) => list.filter((result) => result.status === status).length;
    console.log(
      `load figures: ${sorted.length} authenticated GETs during the flood, p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms; ` +
        `Basic member GETs ${basicSorted.length} (200=${count(basicGets, 200)} 503=${count(basicGets, 503)}) p50 ${percentile(basicSorted, 50).toFixed(1)} ms, p99 ${percentile(basicSorted, 99).toFixed(1)} ms, max ${(basicSorted.at(-1) ?? 0).toFixed(1)} ms; ` +
        `wrong passwords 401=${count(wrongAnswers, 401)} 503=${count(wrongAnswers, 503)}; key pairs 200=${keypairsMade} 503=${count(keypairAnswers, 503)}`,
    );
    console.log(`flood lasted ${Math.round(performance.now() - floodStarted)} ms; slowest GETs: ${JSON.stringify(slowest.sort((a, b) => b.ms - a.ms).slice(0, 5))}`);
    await deleteAndWait(id);
  }, 90_000);
});
