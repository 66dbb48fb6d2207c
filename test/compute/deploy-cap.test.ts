// compute.maxConcurrentDeploys (issue 11 #6) on the real Ironic: with a cap of 1,
// three creates deploy one after another; the waiting ones stay `scheduling` and
// show their place in the queue.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCompute, waitForServer, type TestCompute } from "./support.js";
import { silentLogger } from "../../src/log/logger.js";

let t: TestCompute;

beforeAll(async () => {
  t = await startTestCompute("cap", 3, silentLogger, {}, { maxConcurrentDeploys: 1 });
});
afterAll(async () => {
  await t.stop();
});

const request = (name: string) => ({ name, flavorRef: t.flavorId, imageRef: t.imageId, networks: "none" as const });

describe("a deploy cap of 1 with 3 creates", () => {
  it("deploys one at a time, shows queue positions 1 and 2, and ends with all 3 ACTIVE", async () => {
    const first = await t.service.servers.create(t.member, request("cap-1"));
    // Its deploy has started: it is past scheduling and holds the one place.
    await waitForServer(t, t.member, first.id, (s) => s.taskState !== "scheduling");
    const second = await t.service.servers.create(t.member, request("cap-2"));
    const third = await t.service.servers.create(t.member, request("cap-3"));
    expect([second.taskState, second.queuePosition]).toEqual(["scheduling", 1]);
    expect([third.taskState, third.queuePosition]).toEqual(["scheduling", 2]);
    expect((await t.service.servers.get(t.member, first.id)).queuePosition).toBeNull();

    const ids = [first.id, second.id, third.id];
    let mostDeploying = 0;
    for (;;) {
      // One read of the task table: a consistent count of running deploys.
      const running = (await t.store.tasks.listActive()).filter((task) => task.status === "running" && task.kind === "create");
      mostDeploying = Math.max(mostDeploying, running.length);
      const servers = await Promise.all(ids.map((id) => t.service.servers.get(t.member, id)));
      // A server past scheduling but not yet settled is deploying; only the task's holder may be.
      const deploying = servers.filter((s) => s.vmState === "building" && s.taskState !== "scheduling");
      expect(deploying.length).toBeLessThanOrEqual(1);
      if (servers.every((s) => s.taskState === null)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(mostDeploying).toBe(1);
    for (const id of ids) {
      const settled = await waitForServer(t, t.member, id, (s) => s.taskState === null, 60_000);
      expect([settled.vmState, settled.queuePosition]).toEqual(["active", null]);
    }
  }, 120_000);
});
