// A worker whose secrets key is not the one that sealed a task's admin password
// (secrets.keyFile differs between workers, or was replaced) fails that one task
// with the reason — the server ERROR, its node given back — and keeps leasing the
// others, instead of deploying without the password the user was given. On the
// real Ironic.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createComputeService, type ComputeService } from "../../src/compute/service.js";
import { silentLogger } from "../../src/log/logger.js";
import { openStore } from "../../src/store/open.js";
import { SecretBox } from "../../src/store/secret-box.js";
import type { Store } from "../../src/store/store.js";
import { FAST_COMPUTE, FAST_DRIVER, startTestCompute, waitForServer, type TestCompute } from "./support.js";

let t: TestCompute;
let stranger: { store: Store; service: ComputeService } | undefined;

beforeAll(async () => {
  t = await startTestCompute("secrets-key", 1);
  // Its own worker stops: the next task is left for the stranger to lease.
  await t.service.stop();
});
afterAll(async () => {
  await stranger?.service.stop();
  await stranger?.store.close();
  await t.stop();
});

describe("a task sealed with another secrets key", () => {
  it("fails with the reason, claims no node, and the stranger worker runs the next task", async () => {
    const created = await t.service.servers.create(t.member, { name: "sealed", flavorRef: t.flavorId, imageRef: t.imageId, networks: "none", adminPass: "Sealed-Pass-1" });
    const store = await openStore({ kind: "sqlite", path: t.storePath }, SecretBox.ephemeral());
    const service = await createComputeService({
      store,
      ironic: t.ironic,
      driver: { ...FAST_DRIVER, cache: { maxAgeMs: 0, shard: t.shard } },
      compute: { ...FAST_COMPUTE, workerId: "stranger" },
      log: silentLogger,
    });
    stranger = { store, service };
    await service.start();
    const failed = await waitForServer({ service }, t.member, created.id, (server) => server.vmState === "error");
    expect(failed.fault?.message).toMatch(/task.s admin_password was sealed with another secrets key/);
    expect(failed.nodeUuid).toBeNull();
    const node = await t.ironic.nodes.get(t.nodes[0] ?? "", ["instance_uuid", "provision_state"]);
    expect(node).toMatchObject({ instance_uuid: null, provision_state: "available" });

    // A task sealed with the stranger's own key runs there as ever.
    const next = await service.servers.create(t.member, { name: "own-key", flavorRef: t.flavorId, imageRef: t.imageId, networks: "none", adminPass: "Own-Key-Pass-1" });
    const active = await waitForServer({ service }, t.member, next.id, (server) => server.vmState === "active" && server.taskState === null, 60_000);
    expect(active.nodeUuid).toBe(t.nodes[0]);
  });
});
