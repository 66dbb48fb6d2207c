// The view version (schema-view-version.ts), on both backends: the database
// moves it on every write to what a server's view shows, in the writer's
// transaction, for every Store on the database; task writes leave it alone.
import { expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { networkRecord, newPort, subnetRecord } from "./network-contract.js";
import { at, flavorRecord, storedServer, taskRecord } from "./store-contract.js";

/** Inside describeStoreContract (store-contract.ts): `current` is the test's fresh store. */
export function describeViewVersionContract(current: () => Store, twins: () => Promise<[Store, Store]>): void {
  /** The version after `write`, which must have moved it. */
  async function moves(store: Store, write: () => Promise<unknown>): Promise<void> {
    const before = await store.viewVersion();
    await write();
    expect(await store.viewVersion()).toBeGreaterThan(before ?? Number.POSITIVE_INFINITY);
  }

  it("view version: moves with each write a server's view reads, not with a task's lease and renewals", async () => {
    const store = current();
    expect(typeof (await store.viewVersion())).toBe("number");
    let created: Awaited<ReturnType<typeof storedServer>> | undefined;
    await moves(store, async () => (created = await storedServer(store)));
    const { server, action } = created ?? (await storedServer(store));
    await moves(store, () => store.servers.update(server.id, { name: "renamed" }));
    await moves(store, () => store.serverTags.replace(server.id, ["a"]));
    await moves(store, () => store.flavors.create(flavorRecord()));
    const network = networkRecord();
    await moves(store, () => store.networks.create(network));
    const subnet = subnetRecord(network.id);
    await store.subnets.create(subnet);
    await moves(store, () => store.ports.create(newPort(network.id, { deviceId: server.id }), [{ subnetId: subnet.id }]));

    const task = taskRecord(server, action, { createdAt: at(0), updatedAt: at(0) });
    const before = await store.viewVersion();
    await store.tasks.enqueue(task);
    await store.tasks.lease("w1", at(1), 30_000);
    expect(await store.tasks.renew(task.id, "w1", at(2), 30_000)).toBe(true);
    expect(await store.viewVersion()).toBe(before);
  });

  it("view version: a write through one Store moves it for another on the same database", async () => {
    const [a, b] = await twins();
    const before = await b.viewVersion();
    const { server } = await storedServer(a);
    const after = await b.viewVersion();
    expect(after).toBeGreaterThan(before ?? Number.POSITIVE_INFINITY);
    await b.servers.update(server.id, { name: "by-b" });
    expect(await a.viewVersion()).toBeGreaterThan(after ?? Number.POSITIVE_INFINITY);
  });
}
