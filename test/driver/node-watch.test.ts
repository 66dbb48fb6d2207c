// The shared poller (src/driver/node-watch.ts): the comparison as a table, how
// runOperation waits on it, and on the real Ironic that concurrent deploys
// share one listing per interval instead of each reading its node.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrolNodes } from "../../src/dev/enrol.js";
import { NodeWatch, RECOUNT_MS, stateDiffers, watchPlan, watchStateOf, type ChangeWatch, type WatchPlan, type WatchState } from "../../src/driver/node-watch.js";
import { runOperation, WATCH_SAFETY_INTERVALS, type Decision } from "../../src/driver/operation.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { IronicNotFoundError, UnavailableError } from "../../src/ironic/errors.js";
import { silentLogger } from "../../src/log/logger.js";
import { uniqueResourceClass } from "../support/ironic.js";
import { fastDriver, instanceSpec, proxiedIronic, type ProxiedIronic } from "./support.js";

describe("the watch's comparison", () => {
  const deploying = { uuid: "n", provision_state: "deploying", target_provision_state: "active", power_state: "power off", deploy_step: { step: "write_image" } };

  it.each([
    ["the same state", { provision_state: "deploying", target_provision_state: "active" }, deploying, false],
    ["another provision state", { provision_state: "wait call-back" }, deploying, true],
    ["another deploy step (progress)", { deploy_step: { step: "deploy" } }, deploying, true],
    ["the same deploy step, a new object", { deploy_step: { step: "write_image" } }, deploying, false],
    ["a field the operation did not read is ignored", { provision_state: "deploying" }, { ...deploying, power_state: "power on" }, false],
    ["the node left the listing (gone or released)", { provision_state: "deploying" }, undefined, true],
    ["null seen, missing listed", { last_error: null }, { uuid: "n" }, false],
  ] as const)("%s", (_label, seen, listed, differs) => {
    expect(stateDiffers(seen as WatchState, listed as Record<string, unknown> | undefined)).toBe(differs);
  });

  it("keeps only the watched fields an observation has", () => {
    expect(watchStateOf({ uuid: "n", name: "x", provision_state: "active", instance_info: { big: true } })).toEqual({ provision_state: "active" });
  });
});

/** Limits that never choose the by-state plan (a fleet can never be this big). */
const ALWAYS_ASSOCIATED = { fromNodes: 10_000_000, perWaiter: 4 };

describe("the watch's plan of a tick", () => {
  const limits = { fromNodes: 500, perWaiter: 4 };
  const deploying = (node: string) => ({ node, seen: { provision_state: "deploying", target_provision_state: "active" } });
  const cleaning = (node: string) => ({ node, seen: { provision_state: "clean wait", target_provision_state: "available" } });
  const atRest = (node: string) => ({ node, seen: { provision_state: "active", target_provision_state: null, power_state: "power on", target_power_state: "power off" } });
  const fresh = (associated: number) => ({ associated, ageMs: 1_000 });
  const byState = (states: string[], reads: string[]): WatchPlan => ({ kind: "by-state", states, reads });
  const ASSOCIATED: WatchPlan = { kind: "associated" };

  it.each([
    ["no count yet: the full listing counts", [deploying("a")], undefined, ASSOCIATED],
    ["a stale count: counted again", [deploying("a")], { associated: 10_000, ageMs: RECOUNT_MS + 1 }, ASSOCIATED],
    ["a small fleet: one listing is cheap", [deploying("a")], fresh(499), ASSOCIATED],
    ["the fleet at the threshold, one deploy in flight", [deploying("a")], fresh(500), byState(["deploying"], [])],
    ["many waiters beside the fleet: one listing answers them all", Array.from({ length: 200 }, (_, i) => deploying(`n${i}`)), fresh(799), ASSOCIATED],
    ["enough nodes per waiter", Array.from({ length: 200 }, (_, i) => deploying(`n${i}`)), fresh(800), byState(["deploying"], [])],
    ["states gathered once, sorted; a waiter at rest reads its node", [deploying("b"), cleaning("c"), deploying("d"), atRest("a")], fresh(10_000), byState(["clean wait", "deploying"], ["a"])],
    ["a state we cannot name to Ironic reads", [{ node: "u", seen: { provision_state: "unknown", target_provision_state: "active" } }], fresh(10_000), byState([], ["u"])],
    ["an observation without the provision fields reads", [{ node: "p", seen: { power_state: "power on" } }], fresh(10_000), byState([], ["p"])],
    [
      "more than three states: the full listing",
      ["deploying", "wait call-back", "clean wait", "rescuing"].map((state, i) => ({ node: `s${i}`, seen: { provision_state: state, target_provision_state: "active" } })),
      fresh(10_000),
      ASSOCIATED,
    ],
    ["more than four reads: the full listing", ["a", "b", "c", "d", "e"].map(atRest), fresh(10_000), ASSOCIATED],
    ["four reads and three states: still by state", [...["a", "b", "c", "d"].map(atRest), deploying("x"), cleaning("y"), { node: "z", seen: { provision_state: "rescuing", target_provision_state: "rescue" } }], fresh(10_000), byState(["clean wait", "deploying", "rescuing"], ["a", "b", "c", "d"])],
  ] as const)("%s", (_label, waiters, fleet, plan) => {
    expect(watchPlan(waiters, fleet, limits)).toEqual(plan);
  });
});

describe("runOperation with a watch", () => {
  function recordingWatch(): ChangeWatch & { calls: Array<{ node: string; seen: WatchState; maxMs: number }> } {
    const calls: Array<{ node: string; seen: WatchState; maxMs: number }> = [];
    return {
      calls,
      changed: (node, seen, maxMs) => {
        calls.push({ node, seen, maxMs });
        return Promise.resolve(undefined);
      },
    };
  }

  it("waits on the watch with what it observed, bounded by the safety interval and the deadline", async () => {
    const watch = recordingWatch();
    const decisions: Array<Decision<"go">> = [{ kind: "wait", reason: "deploying" }, { kind: "wait", reason: "deploying" }, { kind: "done" }];
    let index = 0;
    let time = 0;
    await runOperation(
      {
        name: "op",
        ids: { node: "node-1" },
        observe: () => Promise.resolve({ node: { provision_state: "deploying", instance_info: {} } }),
        decide: () => decisions[index++] ?? { kind: "done" },
        act: () => Promise.resolve(),
        watched: (observed) => observed.node,
      },
      { timeoutMs: 2_000, pollIntervalMs: 100, log: silentLogger, watch, now: () => (time += 1_000 / 4), sleep: () => Promise.reject(new Error("slept instead of watching")) },
    );
    expect(watch.calls).toHaveLength(2);
    expect(watch.calls[0]).toEqual({ node: "node-1", seen: { provision_state: "deploying" }, maxMs: 100 * WATCH_SAFETY_INTERVALS });
    // Later, less time is left than the safety interval: the deadline bounds the wait.
    expect(watch.calls[1]?.maxMs).toBeLessThan(100 * WATCH_SAFETY_INTERVALS);
  });

  it("sleeps one interval when the operation has no node to watch", async () => {
    const watch = recordingWatch();
    const sleeps: number[] = [];
    let waited = false;
    await runOperation(
      {
        name: "op",
        ids: { node: "node-1" },
        observe: () => Promise.resolve({ node: null }),
        decide: () => (waited ? { kind: "done" } : ((waited = true), { kind: "wait", reason: "x" })),
        act: () => Promise.resolve(),
        watched: (observed) => observed.node,
      },
      { timeoutMs: 5_000, pollIntervalMs: 100, log: silentLogger, watch, sleep: (ms) => (sleeps.push(ms), Promise.resolve()) },
    );
    expect(watch.calls).toEqual([]);
    expect(sleeps).toEqual([100]);
  });
});

describe("NodeWatch with many waiters (a fake client: a deploy that lasts on demand)", () => {
  /** What nodes.list answers; counts the listings. Hand-made: the real Ironic's fake hardware deploys in a second. */
  function fakeClient(states: Map<string, string>) {
    const client = {
      listings: 0,
      nodes: {
        list: () => {
          client.listings += 1;
          return Promise.resolve([...states].map(([uuid, provision_state]) => ({ uuid, provision_state })));
        },
      },
    };
    return client;
  }

  it("answers every waiter from one listing per interval and wakes only the node that changed", async () => {
    const states = new Map<string, string>(Array.from({ length: 50 }, (_, i) => [`node-${i}`, "deploying"]));
    const client = fakeClient(states);
    const watch = new NodeWatch(client as unknown as IronicClient, { intervalMs: 5, filters: {}, log: silentLogger, byState: ALWAYS_ASSOCIATED });
    const woken: string[] = [];
    const waits = [...states.keys()].map((node) => watch.changed(node, { provision_state: "deploying" }, 10_000).then(() => woken.push(node)));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(woken).toEqual([]);
    const listingsWhileWaiting = client.listings;
    // Fifty waiters, yet listings follow the interval (60 ms / 5 ms), not 50 × that.
    expect(listingsWhileWaiting).toBeGreaterThan(0);
    expect(listingsWhileWaiting).toBeLessThanOrEqual(13);
    states.set("node-7", "wait call-back");
    await waits[7];
    expect(woken).toEqual(["node-7"]);
    states.delete("node-9"); // released or gone: wakes too
    await waits[9];
    expect(woken).toEqual(["node-7", "node-9"]);
    for (const node of states.keys()) states.set(node, "active");
    await Promise.all(waits);
    expect(woken).toHaveLength(50);
    const after = client.listings;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(client.listings).toBe(after); // no waiter, no listing
  });

  it("on a big fleet lists only the states in flight and reads the node at rest; a node gone from the state wakes its waiter", async () => {
    type Fake = { provision_state: string; target_provision_state: string | null; power_state: string };
    const fleet = new Map<string, Fake>(Array.from({ length: 40 }, (_, i) => [`node-${i}`, { provision_state: "active", target_provision_state: null, power_state: "power on" }]));
    fleet.set("node-1", { provision_state: "deploying", target_provision_state: "active", power_state: "power off" });
    fleet.set("node-2", { provision_state: "deploying", target_provision_state: "active", power_state: "power off" });
    const asked: Array<{ provisionState?: string | undefined } | { read: string }> = [];
    // Hand-made: a fleet of 40 deployed nodes, two deploys lasting on demand.
    const client = {
      nodes: {
        list: (_fields: unknown, filters: { provision_state?: string }) => {
          asked.push({ provisionState: filters.provision_state });
          return Promise.resolve([...fleet].filter(([, node]) => filters.provision_state === undefined || node.provision_state === filters.provision_state).map(([uuid, node]) => ({ uuid, ...node })));
        },
        get: (uuid: string) => {
          asked.push({ read: uuid });
          const node = fleet.get(uuid);
          return node === undefined ? Promise.reject(new IronicNotFoundError("gone", { status: 404 })) : Promise.resolve({ uuid, ...node });
        },
      },
    };
    const watch = new NodeWatch(client as unknown as IronicClient, { intervalMs: 5, filters: {}, log: silentLogger, byState: { fromNodes: 10, perWaiter: 4 } });
    const deploy = { provision_state: "deploying", target_provision_state: "active" };
    const first = watch.changed("node-1", deploy, 10_000);
    const second = watch.changed("node-2", deploy, 10_000);
    const power = watch.changed("node-3", { provision_state: "active", target_provision_state: null, power_state: "power on" }, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 40));
    // The first tick counts the fleet with the full listing; the later ones ask for what is waited on only.
    expect(asked[0]).toEqual({ provisionState: undefined });
    const later = asked.slice(1);
    expect(later.length).toBeGreaterThan(2);
    expect(new Set(later.map((ask) => JSON.stringify(ask)))).toEqual(new Set([JSON.stringify({ provisionState: "deploying" }), JSON.stringify({ read: "node-3" })]));

    fleet.set("node-1", { provision_state: "wait call-back", target_provision_state: "active", power_state: "power off" });
    expect(await first).toBeUndefined(); // left the "deploying" listing: the operation reads its node
    fleet.set("node-3", { provision_state: "active", target_provision_state: null, power_state: "power off" });
    expect(await power).toMatchObject({ uuid: "node-3", power_state: "power off" });
    fleet.delete("node-2");
    expect(await second).toBeUndefined();
  });

  it("wakes a waiter after its own bound when the listing keeps failing", async () => {
    const client = { nodes: { list: () => Promise.reject(new UnavailableError("no Ironic", { status: 503 })) } };
    const watch = new NodeWatch(client as unknown as IronicClient, { intervalMs: 5, filters: {}, log: silentLogger, byState: ALWAYS_ASSOCIATED });
    const started = Date.now();
    await watch.changed("node-1", { provision_state: "deploying" }, 40);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
  });
});

describe("deploys in flight on the real Ironic", () => {
  const COUNT = 3;
  const resourceClass = uniqueResourceClass("watch");
  let ironic: ProxiedIronic;
  let nodes: string[] = [];

  beforeAll(async () => {
    ironic = await proxiedIronic();
    nodes = await enrolNodes(ironic.direct, { count: COUNT * 3, resourceClass, traits: ["CUSTOM_GOLD"] });
  });

  afterAll(async () => {
    await ironic.close();
  });

  /** Deploys and tears down COUNT servers at once; the Ironic requests they made. */
  async function lifecycles(
    on: string[],
    sharedPolling: boolean,
    byState = { fromNodes: 500, perWaiter: 4 },
  ): Promise<{ nodeReads: number; listings: number; byStateListings: number; intervals: number }> {
    const driver = fastDriver(ironic.viaProxy, silentLogger, { sharedPolling, pollIntervalMs: 50, sharedPollingByState: byState });
    ironic.proxy.requests.length = 0;
    const started = Date.now();
    await Promise.all(
      on.map(async (nodeUuid) => {
        const spec = instanceSpec();
        await driver.claim({ instanceUuid: spec.uuid, nodeUuid }, spec.projectId);
        await driver.spawn({ instanceUuid: spec.uuid, nodeUuid }, spec);
        await driver.destroy({ instanceUuid: spec.uuid, nodeUuid });
        const node = await ironic.direct.nodes.get(nodeUuid, ["instance_uuid", "provision_state"]);
        expect(node).toMatchObject({ instance_uuid: null, provision_state: "available" });
      }),
    );
    const intervals = Math.ceil((Date.now() - started) / 50);
    const reads = ironic.proxy.requests.filter((request) => request.method === "GET" && on.some((node) => request.path.startsWith(`/v1/nodes/${node}?`)));
    const listings = ironic.proxy.requests.filter((request) => request.method === "GET" && request.path.startsWith("/v1/nodes?") && request.path.includes("associated=true"));
    return { nodeReads: reads.length, listings: listings.length, byStateListings: listings.filter((request) => request.path.includes("provision_state=")).length, intervals };
  }

  it("deploy and tear down through the shared listing, at most one listing per interval for all of them", async () => {
    const own = await lifecycles(nodes.slice(0, COUNT), false);
    const shared = await lifecycles(nodes.slice(COUNT), true);
    expect(own.listings).toBe(0);
    expect(shared.listings).toBeGreaterThan(0);
    expect(shared.listings).toBeLessThanOrEqual(shared.intervals + 1);
    expect(shared.nodeReads).toBeLessThanOrEqual(own.nodeReads);
    expect(shared.byStateListings).toBe(0); // a handful of nodes: the associated listing
  }, 240_000);

  it("on a fleet the limits call big, the deploys and tear-downs end through listings by provision state", async () => {
    const onBigFleet = await lifecycles(nodes.slice(COUNT * 2), true, { fromNodes: 0, perWaiter: 0 });
    expect(onBigFleet.byStateListings).toBeGreaterThan(0);
    expect(onBigFleet.listings).toBeLessThanOrEqual(onBigFleet.intervals * 3 + 1);
  }, 240_000);
});
