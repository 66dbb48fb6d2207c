// N concurrent creates for fewer than N nodes: exactly as many ACTIVE as nodes,
// the rest ERROR with "No valid host", and no node claimed twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCompute, waitForServer, type TestCompute } from "./support.js";

let t: TestCompute;

beforeAll(async () => {
  t = await startTestCompute("conc", 8);
});
afterAll(async () => {
  await t.stop();
});

describe("12 concurrent creates on 8 nodes", () => {
  it("8 ACTIVE, 4 ERROR 'No valid host', every node used once", async () => {
    const started = Date.now();
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.service.servers.create(t.member, { name: `c-${i}`, flavorRef: t.flavorId, imageRef: t.imageId, networks: "none" }),
      ),
    );
    const settled = await Promise.all(
      created.map((server) => waitForServer(t, t.member, server.id, (s) => s.taskState === null && s.vmState !== "building", 60_000)),
    );
    const active = settled.filter((s) => s.vmState === "active");
    const failed = settled.filter((s) => s.vmState === "error");
    expect(active).toHaveLength(8);
    expect(failed).toHaveLength(4);
    for (const server of failed) {
      expect(server.fault?.message).toMatch(/^No valid host was found/);
      expect(server.nodeUuid).toBeNull();
    }
    const used = active.map((s) => s.nodeUuid);
    expect(new Set(used).size).toBe(8);
    const claimed = (await t.ironic.nodes.list(["instance_uuid"], { shard: t.shard })).filter((n) => n.instance_uuid !== null);
    expect(claimed.map((n) => [n.uuid, n.instance_uuid]).sort()).toEqual(active.map((s) => [s.nodeUuid, s.id]).sort());
    process.stdout.write(`12 creates on 8 nodes settled in ${Date.now() - started} ms\n`);
  });
});
