// The server-group part of the Store contract (issue 11 #4), run by
// store-contract.ts on every backend: membership counted in the create's
// transaction, failure domains reserved atomically across Store instances.

import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type * as records from "../../src/store/records.js";
import { OverQuotaError, UnknownServerGroupError, type Store } from "../../src/store/store.js";
import { actionRecord, at, serverRecord, taskRecord } from "./store-contract.js";

export function groupRecord(overrides: Partial<records.ServerGroupRecord> = {}): records.ServerGroupRecord {
  return {
    id: randomUUID(),
    name: "web",
    projectId: "p1",
    userId: "u1",
    policy: "anti-affinity",
    maxServerPerHost: null,
    createdAt: at(0),
    ...overrides,
  };
}

/** Whatever the promise rejects with (fails the test when it resolves). */
async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error("expected a rejection");
    },
    (reason: unknown) => reason,
  );
}

/** At most one member per domain: the anti-affinity rule, as compute passes it. */
const alone = (domain: string) => (held: readonly string[]) => !held.includes(domain);

export function describeServerGroupContract(current: () => Store, twins: () => Promise<[Store, Store]>): void {
  describe("server groups (issue 11 #4)", () => {
    const join = async (on: Store, groupId: string, maxMembers = -1, overrides: Partial<records.ServerRecord> = {}) => {
      const server = serverRecord({ projectId: "p1", ...overrides });
      const action = actionRecord(server);
      await on.servers.createWithTask(server, action, taskRecord(server, action), undefined, { groupId, maxMembers });
      return server;
    };

    it("creates, lists (oldest first, paged), counts and deletes groups; the project limit is checked in the create", async () => {
      const store = current();
      const first = groupRecord({ createdAt: at(1) });
      const second = groupRecord({ name: "db", policy: "soft-affinity", createdAt: at(2) });
      const other = groupRecord({ projectId: "p2", maxServerPerHost: 2, createdAt: at(3) });
      for (const group of [second, first, other]) await store.serverGroups.create(group, 2);
      expect(await store.serverGroups.get(other.id)).toEqual(other);
      expect((await store.serverGroups.list({ projectId: "p1" })).map((g) => g.id)).toEqual([first.id, second.id]);
      expect((await store.serverGroups.list()).map((g) => g.id)).toEqual([first.id, second.id, other.id]);
      expect((await store.serverGroups.list({ limit: 1, offset: 1 })).map((g) => g.id)).toEqual([second.id]);
      expect((await store.serverGroups.list({ offset: 2 })).map((g) => g.id)).toEqual([other.id]);
      expect(await store.serverGroups.countByProject("p1")).toBe(2);

      const refused = groupRecord();
      const error = await rejection(store.serverGroups.create(refused, 2));
      expect(error).toBeInstanceOf(OverQuotaError);
      expect(error).toMatchObject({ resource: "server_groups", used: 2, limit: 2 });
      expect(await store.serverGroups.get(refused.id)).toBeUndefined();
      await store.serverGroups.create(refused, -1); // -1: unlimited

      const member = await join(store, first.id);
      expect(await store.serverGroups.delete(first.id)).toBe(true);
      expect(await store.serverGroups.delete(first.id)).toBe(false);
      expect(await store.serverGroups.get(first.id)).toBeUndefined();
      expect(await store.serverGroups.ofServers([member.id])).toEqual(new Map());
      await expect(store.serverGroups.create({ ...second, name: "x" }, -1)).rejects.toThrow(/already exists/);
    });

    it("members: joined at create, live ones only; the member limit refuses the create and writes nothing", async () => {
      const store = current();
      const group = groupRecord();
      await store.serverGroups.create(group, -1);
      const a = await join(store, group.id, 2, { createdAt: at(1) });
      const b = await join(store, group.id, 2, { createdAt: at(2) });
      const refused = serverRecord({ projectId: "p1" });
      const action = actionRecord(refused);
      const error = await rejection(store.servers.createWithTask(refused, action, taskRecord(refused, action), undefined, { groupId: group.id, maxMembers: 2 }));
      expect(error).toMatchObject({ resource: "server_group_members", used: 2, limit: 2 });
      expect(await store.servers.get(refused.id, { includeDeleted: true })).toBeUndefined();

      expect(await store.serverGroups.members([group.id, "none"])).toEqual(new Map([[group.id, [a.id, b.id]], ["none", []]]));
      expect(await store.serverGroups.ofServers([a.id, b.id, refused.id])).toEqual(new Map([[a.id, group.id], [b.id, group.id]]));
      await store.servers.update(a.id, { vmState: "deleted", deletedAt: at(5), taskState: null });
      expect((await store.serverGroups.members([group.id])).get(group.id)).toEqual([b.id]);
      await join(store, group.id, 2); // the deleted one no longer counts

      const missing = serverRecord({ projectId: "p1" });
      const missingAction = actionRecord(missing);
      const gone = await rejection(store.servers.createWithTask(missing, missingAction, taskRecord(missing, missingAction), undefined, { groupId: randomUUID(), maxMembers: -1 }));
      expect(gone).toBeInstanceOf(UnknownServerGroupError);
      expect(await store.servers.get(missing.id, { includeDeleted: true })).toBeUndefined();
    });

    it("reserveDomain: the rule sees the other members' domains; building, with a node, error and deleted members", async () => {
      const store = current();
      const group = groupRecord();
      await store.serverGroups.create(group, -1);
      const a = await join(store, group.id);
      const b = await join(store, group.id);
      expect(await store.serverGroups.reserveDomain(group.id, a.id, "rack-1", alone("rack-1"))).toBe("reserved");
      // Reserving again for the same member replaces its own domain (a resumed create).
      expect(await store.serverGroups.reserveDomain(group.id, a.id, "rack-1", alone("rack-1"))).toBe("reserved");
      expect(await store.serverGroups.domains(group.id, b.id)).toEqual(["rack-1"]);
      expect(await store.serverGroups.domains(group.id, a.id)).toEqual([]);
      expect(await store.serverGroups.reserveDomain(group.id, b.id, "rack-1", alone("rack-1"))).toBe("refused");
      expect(await store.serverGroups.domains(group.id, a.id)).toEqual([]); // nothing written for b
      expect(await store.serverGroups.reserveDomain(group.id, b.id, "rack-2", alone("rack-2"))).toBe("reserved");

      // a ends in ERROR without a node: its domain is free again.
      await store.servers.update(a.id, { vmState: "error", taskState: null });
      expect(await store.serverGroups.domains(group.id, b.id)).toEqual([]);
      // ERROR but still holding a node (a failed rebuild): it holds its domain.
      await store.servers.update(a.id, { nodeUuid: "node-a" });
      expect(await store.serverGroups.domains(group.id, b.id)).toEqual(["rack-1"]);
      await store.servers.update(a.id, { vmState: "deleted", deletedAt: at(9), nodeUuid: null });
      expect(await store.serverGroups.domains(group.id, b.id)).toEqual([]);

      await store.serverGroups.releaseDomain(b.id);
      expect(await store.serverGroups.domains(group.id, a.id)).toEqual([]);
      expect(await store.serverGroups.reserveDomain(group.id, randomUUID(), "rack-1", () => true)).toBe("gone"); // not a member
      expect(await store.serverGroups.reserveDomain(randomUUID(), b.id, "rack-1", () => true)).toBe("gone"); // no such group
    });

    it("12 members reserving at once from two Store instances over 3 domains: each domain goes to exactly one", async () => {
      const [one, two] = await twins();
      const group = groupRecord();
      await one.serverGroups.create(group, -1);
      const members = await Promise.all(Array.from({ length: 12 }, (_, i) => join(i % 2 === 0 ? one : two, group.id)));
      const outcomes = await Promise.all(
        members.map((member, i) => {
          const domain = `rack-${i % 3}`;
          return (i % 2 === 0 ? two : one).serverGroups.reserveDomain(group.id, member.id, domain, alone(domain));
        }),
      );
      expect(outcomes.filter((o) => o === "reserved")).toHaveLength(3);
      expect(outcomes.filter((o) => o === "refused")).toHaveLength(9);
      const held = await one.serverGroups.domains(group.id, "nobody");
      expect([...held].sort()).toEqual(["rack-0", "rack-1", "rack-2"]);
    });

    it("20 creates joining one group at once from two Store instances with a member limit of 4: exactly 4 join", async () => {
      const [one, two] = await twins();
      const group = groupRecord();
      await one.serverGroups.create(group, -1);
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => join(i % 2 === 0 ? one : two, group.id, 4)));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(4);
      for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(OverQuotaError);
      expect((await two.serverGroups.members([group.id])).get(group.id)).toHaveLength(4);
    });
  });
}
