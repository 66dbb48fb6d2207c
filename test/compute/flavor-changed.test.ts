// A flavor whose extra specs an admin changes between a server's create (which
// checked them) and its scheduling (issue 18 #1): the create task finds no node
// class to ask for and the server ends in ERROR "No valid host" with the
// reason, instead of the task failing. The service is started only after the
// change, so the order is certain.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { bootstrapAdminCaller } from "../../harness/admin-caller.js";
import { createComputeService } from "../../src/compute/service.js";
import { fakeHardwareFlavor, publicQcow2Image } from "../../src/dev/demo-catalog.js";
import { silentLogger } from "../../src/log/logger.js";
import { openStore } from "../../src/store/open.js";
import { newClient, uniqueResourceClass } from "../support/ironic.js";
import { FAST_COMPUTE, FAST_DRIVER, sqlitePath, waitForServer } from "./support.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe("a flavor changed after the create", () => {
  it("leaves the server in ERROR with No valid host and the flavor's problem", async () => {
    const ironic = newClient();
    const store = await openStore({ kind: "sqlite", path: sqlitePath() });
    const shard = `shard-${randomUUID().slice(0, 8)}`;
    const service = await createComputeService({
      store,
      ironic,
      driver: { ...FAST_DRIVER, cache: { maxAgeMs: 60_000, shard } },
      compute: { ...FAST_COMPUTE, workerId: "worker-flavor-changed" },
      log: silentLogger,
    });
    cleanups.push(() => ironic.close(), () => store.close(), () => service.stop());
    const admin = await bootstrapAdminCaller(service, store);
    const resourceClass = uniqueResourceClass("flavor_changed");
    const flavor = await service.flavors.create(admin, fakeHardwareFlavor({ name: "changing", resourceClass }));
    const image = await service.images.create(admin, publicQcow2Image({ name: "img", url: "http://127.0.0.1:1/i.qcow2" }));

    const created = await service.servers.create(admin, { name: "changed", flavorRef: flavor.id, imageRef: image.id, networks: "none" });
    await service.flavors.deleteExtraSpec(admin, flavor.id, `resources:CUSTOM_${resourceClass}`);
    await service.start();

    const server = await waitForServer({ service }, admin, created.id, (s) => s.vmState === "error");
    expect(server.fault?.message).toMatch(/^No valid host was found\. Flavor \S+ has no bare-metal resource class/);
  }, 60_000);
});
