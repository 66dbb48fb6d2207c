// The shared poller (src/driver/node-watch.ts): the comparison as a table, how
// runOperation waits on it, and on the real Ironic that concurrent deploys
// share one listing per interval instead of each reading its node.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrolNodes } from "../../src/dev/enrol.js";
import { NodeWatch, stateDiffers, watchStateOf, type ChangeWatch, type WatchState } from "../../src/driver/node-watch.js";
import { runOperation, WATCH_SAFETY_INTERVALS, type Decision } from "../../src/driver/operation.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { UnavailableError } from "../../src/ironic/errors.js";
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
    const watch = new NodeWatch(client as unknown as IronicClient, { intervalMs: 5, filters: {}, log: silentLogger });
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

  it("wakes a waiter after its own bound when the listing keeps failing", async () => {
    const client = { nodes: { list: () => Promise.reject(new UnavailableError("no Ironic", { status: 503 })) } };
    const watch = new NodeWatch(client as unknown as IronicClient, { intervalMs: 5, filters: {}, log: silentLogger });
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
    nodes = await enrolNodes(ironic.direct, { count: COUNT * 2, resourceClass, traits: ["CUSTOM_GOLD"] });
  });

  afterAll(async () => {
    await ironic.close();
  });

  /** Deploys and tears down COUNT servers at once; the Ironic requests they made. */
  async function lifecycles(on: string[], sharedPolling: boolean): Promise<{ nodeReads: number; listings: number; intervals: number }> {
    const driver = fastDriver(ironic.viaProxy, silentLogger, { sharedPolling, pollIntervalMs: 50 });
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
    return { nodeReads: reads.length, listings: listings.length, intervals };
  }

  it("deploy and tear down through the shared listing, at most one listing per interval for all of them", async () => {
    const own = await lifecycles(nodes.slice(0, COUNT), false);
    const shared = await lifecycles(nodes.slice(COUNT), true);
    expect(own.listings).toBe(0);
    expect(shared.listings).toBeGreaterThan(0);
    expect(shared.listings).toBeLessThanOrEqual(shared.intervals + 1);
    expect(shared.nodeReads).toBeLessThanOrEqual(own.nodeReads);
  }, 240_000);
});
