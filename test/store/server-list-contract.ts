// The server-list part of the Store contract (issue 18 #5), run by
// store-contract.ts on every backend: Nova's sort keys in any direction with
// (created_at, id) after them, marker paging in every order, the `keep`
// predicate filling pages across its read batches, and the filters done in SQL
// (image, flavor, host, changes-since/-before, ip).

import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type * as records from "../../src/store/records.js";
import type { ServerFilter, ServerListFields, ServerSort, Store } from "../../src/store/store.js";
import { SERVER_SCAN_BATCH } from "../../src/store/kysely/server-list.js";
import { newPort, networkRecord, subnetRecord } from "./network-contract.js";
import { at, serverRecord } from "./store-contract.js";

/** Every page of `filter` with `limit`, following the marker to the end. */
async function allPages(store: Store, filter: ServerFilter, limit: number): Promise<records.ServerRecord[][]> {
  const pages: records.ServerRecord[][] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await store.servers.list({ ...filter, limit, ...(marker === undefined ? {} : { marker }) });
    if (page.length === 0) return pages;
    pages.push(page);
    marker = page.at(-1)?.id;
  }
}

const ids = (servers: readonly records.ServerRecord[]) => servers.map((server) => server.id);

/** What the store must answer, computed here: compare by each key, then (createdAt, id) in the first direction. */
function expectedOrder(servers: readonly records.ServerRecord[], sort: readonly ServerSort[], valueOf: (server: records.ServerRecord, key: ServerSort["key"]) => string | number): string[] {
  const direction = sort[0]?.direction ?? "asc";
  const order: ServerSort[] = [...sort, ...(["createdAt", "id"] as const).filter((key) => !sort.some((entry) => entry.key === key)).map((key) => ({ key, direction }))];
  return ids(
    [...servers].sort((a, b) => {
      for (const { key, direction: dir } of order) {
        const [x, y] = [valueOf(a, key), valueOf(b, key)];
        if (x !== y) return (x < y ? -1 : 1) * (dir === "asc" ? 1 : -1);
      }
      return 0;
    }),
  );
}

export function describeServerListContract(current: () => Store): void {
  describe("server lists: sort, keyset paging, filters (issue 18 #5)", () => {
    it("sorts by any key and direction, ties broken by (created_at, id); the marker pages in that order", async () => {
      const store = current();
      const power = ["running", "shutdown", "nostate", "crashed"] as const;
      const servers = Array.from({ length: 12 }, (_, index) =>
        serverRecord({
          projectId: "p-sort",
          name: `n${index % 3}`,
          keyName: index % 4 === 0 ? null : `key${index % 2}`,
          nodeUuid: index % 2 === 0 ? null : `node-${index}`,
          powerState: power[index % 4] ?? "nostate",
          progress: index % 5,
          createdAt: at(index % 6),
          updatedAt: at(index % 6),
        }),
      );
      for (const server of servers) await store.servers.create(server);
      const novaPower: Record<string, number> = { running: 1, shutdown: 4, crashed: 6, nostate: 0 };
      const valueOf = (server: records.ServerRecord, key: ServerSort["key"]): string | number => {
        if (key === "placed") return server.nodeUuid === null ? 0 : 1;
        if (key === "powerState") return novaPower[server.powerState] ?? 0;
        const value = (server as unknown as Record<string, unknown>)[key];
        return typeof value === "number" ? value : typeof value === "string" ? value : "";
      };
      const sorts: ServerSort[][] = [
        [],
        [{ key: "createdAt", direction: "desc" }],
        [{ key: "name", direction: "asc" }],
        [{ key: "name", direction: "desc" }, { key: "progress", direction: "asc" }],
        [{ key: "keyName", direction: "asc" }],
        [{ key: "keyName", direction: "desc" }, { key: "name", direction: "asc" }],
        [{ key: "placed", direction: "desc" }, { key: "nodeUuid", direction: "asc" }],
        [{ key: "powerState", direction: "asc" }],
        [{ key: "id", direction: "desc" }],
      ];
      for (const sort of sorts) {
        const filter: ServerFilter = { projectId: "p-sort", ...(sort.length === 0 ? {} : { sort }) };
        const want = expectedOrder(servers, sort, valueOf);
        expect(ids(await store.servers.list(filter)), JSON.stringify(sort)).toEqual(want);
        const pages = await allPages(store, filter, 5);
        expect(pages.map((page) => page.length), JSON.stringify(sort)).toEqual([5, 5, 2]);
        expect(ids(pages.flat()), JSON.stringify(sort)).toEqual(want);
      }
    });

    it("keep filters while reading in batches: every page is full, across batch boundaries, and pages join up", async () => {
      const store = current();
      const count = SERVER_SCAN_BATCH + 50;
      const servers = Array.from({ length: count }, (_, index) => serverRecord({ projectId: "p-keep", name: `k-${String(index).padStart(4, "0")}`, createdAt: at(index) }));
      for (const server of servers) await store.servers.create(server);
      // Kept: one in three, so a page of 80 needs more than one batch.
      const keep = (server: ServerListFields) => Number(server.name.slice(2)) % 3 === 0;
      const want = ids(servers.filter(keep)).reverse();
      const filter: ServerFilter = { projectId: "p-keep", keep, sort: [{ key: "createdAt", direction: "desc" }] };
      expect(ids(await store.servers.list(filter))).toEqual(want);
      const pages = await allPages(store, filter, 80);
      expect(pages.map((page) => page.length)).toEqual([80, want.length - 80]);
      expect(ids(pages.flat())).toEqual(want);
      expect(await store.servers.list({ ...filter, limit: 0 })).toEqual([]);
      expect(await store.servers.list({ ...filter, keep: () => false })).toEqual([]);
    });

    it("filters by image, flavor and placement, and by updated_at within changes-since/-before (inclusive), deleted ones with includeDeleted", async () => {
      const store = current();
      const a = serverRecord({ projectId: "p-f", imageId: "img-1", flavorId: "fl-1", nodeUuid: "node-a", createdAt: at(1), updatedAt: at(10) });
      const b = serverRecord({ projectId: "p-f", imageId: null, flavorId: "fl-2", createdAt: at(2), updatedAt: at(20) });
      const c = serverRecord({ projectId: "p-f", imageId: "img-1", flavorId: "fl-2", createdAt: at(3), updatedAt: at(30) });
      for (const server of [a, b, c]) await store.servers.create(server);
      const gone = await store.servers.update(c.id, { deletedAt: at(31), vmState: "deleted", taskState: null });
      const list = async (filter: ServerFilter) => ids(await store.servers.list({ projectId: "p-f", ...filter }));
      expect(await list({ imageId: "img-1" })).toEqual([a.id]);
      expect(await list({ imageId: "img-1", includeDeleted: true })).toEqual([a.id, c.id]);
      expect(await list({ flavorId: "fl-2" })).toEqual([b.id]);
      expect(await list({ placed: true })).toEqual([a.id]);
      expect(await list({ placed: false })).toEqual([b.id]);
      // The deleted server's updated_at is its delete: later than its create.
      expect(gone.updatedAt > at(30)).toBe(true);
      expect(await list({ changedSince: at(20), includeDeleted: true })).toEqual([b.id, c.id]);
      expect(await list({ changedSince: at(20) })).toEqual([b.id]);
      expect(await list({ changedBefore: at(20) })).toEqual([a.id, b.id]);
      expect(await list({ changedSince: at(10), changedBefore: at(10) })).toEqual([a.id]);
      expect(await list({ changedSince: at(21), changedBefore: at(29) })).toEqual([]);
    });

    it("filters by a text in a fixed IP of the server's ports; LIKE's own characters are plain text", async () => {
      const store = current();
      const network = networkRecord();
      await store.networks.create(network);
      const subnet = subnetRecord(network.id);
      await store.subnets.create(subnet);
      const first = serverRecord({ projectId: "p-ip", createdAt: at(1) });
      const second = serverRecord({ projectId: "p-ip", createdAt: at(2) });
      const none = serverRecord({ projectId: "p-ip", createdAt: at(3) });
      for (const server of [first, second, none]) await store.servers.create(server);
      await store.ports.create(newPort(network.id, { deviceId: first.id }), [{ subnetId: subnet.id, ipAddress: "192.0.2.101" }]);
      await store.ports.create(newPort(network.id, { deviceId: second.id }), [{ subnetId: subnet.id, ipAddress: "192.0.2.110" }]);
      const list = async (ipContains: string[]) => ids(await store.servers.list({ projectId: "p-ip", ipContains }));
      expect(await list(["192.0.2.1"])).toEqual([first.id, second.id]);
      expect(await list(["2.101"])).toEqual([first.id]);
      expect(await list(["2.110", "nothing"])).toEqual([second.id]);
      expect(await list(["192_0"])).toEqual([]);
      expect(await list(["%"])).toEqual([]);
      expect(await list([randomUUID()])).toEqual([]);
    });
  });
}
