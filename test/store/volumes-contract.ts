// The volume part of the Store contract (issue 13), run by store-contract.ts
// on every backend: registration with the CHAP secret kept out of every
// record, visibility (own project + shared), paging, and one attachment per
// volume decided by the database across Store instances.

import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type * as records from "../../src/store/records.js";
import { DuplicateError, type Store } from "../../src/store/store.js";
import { at } from "./store-contract.js";

const SECRET = "chap-secret-0123456789";

export function volumeRecord(overrides: Partial<records.VolumeRecord> = {}): records.VolumeRecord {
  return {
    id: randomUUID(),
    name: "boot-1",
    description: "",
    sizeGb: 100,
    projectId: "p1",
    bootable: true,
    target: { protocol: "iscsi", portals: ["192.0.2.10:3260"], iqn: "iqn.2004-04.com.example:vol1", lun: 1, chapUsername: "chap-user" },
    metadata: {},
    attachment: null,
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}

const fibreChannel: records.FibreChannelTarget = { protocol: "fibre_channel", wwns: ["500a09838dc33f12", "500a09848dc33f12"], lun: 3 };

const attachment = (serverId: string, seconds = 10): records.VolumeAttachmentRecord => ({ id: randomUUID(), serverId, attachedAt: at(seconds) });

export function describeVolumeContract(current: () => Store, twins: () => Promise<[Store, Store]>): void {
  describe("volumes (issue 13)", () => {
    it("registers iSCSI and FC volumes and reads them back; the CHAP secret only through chapSecret", async () => {
      const store = current();
      const iscsi = volumeRecord({ metadata: { rack: "r1" } });
      const fc = volumeRecord({ name: "data", projectId: null, bootable: false, target: fibreChannel, createdAt: at(1), updatedAt: at(1) });
      await store.volumes.create(iscsi, SECRET);
      await store.volumes.create(fc, null);
      expect(await store.volumes.get(iscsi.id)).toEqual(iscsi);
      expect(await store.volumes.get(fc.id)).toEqual(fc);
      expect(await store.volumes.get(randomUUID())).toBeUndefined();
      expect(await store.volumes.chapSecret(iscsi.id)).toBe(SECRET);
      expect(await store.volumes.chapSecret(fc.id)).toBeNull();
      expect(await store.volumes.chapSecret(randomUUID())).toBeUndefined();

      // No read but chapSecret hands the secret out.
      const server = randomUUID();
      expect(await store.volumes.attach(iscsi.id, attachment(server))).toBe("attached");
      const reads = [await store.volumes.get(iscsi.id), await store.volumes.list(), await store.volumes.ofServer(server), await store.volumes.update(iscsi.id, { name: "renamed" }, at(20))];
      expect(JSON.stringify(reads)).not.toContain(SECRET);

      await expect(store.volumes.create(iscsi, SECRET)).rejects.toBeInstanceOf(DuplicateError);
      // A secret without a CHAP user, or for FC, is the caller's mistake.
      await expect(store.volumes.create(volumeRecord({ target: fibreChannel }), SECRET)).rejects.toThrow(TypeError);
      await expect(store.volumes.create(volumeRecord({ sizeGb: 0 }), null)).rejects.toThrow(TypeError);
    });

    it("lists oldest first: a project sees its own and the shared volumes; filters by name and status; pages by marker", async () => {
      const store = current();
      const own = volumeRecord({ createdAt: at(1) });
      const shared = volumeRecord({ name: "shared", projectId: null, createdAt: at(2) });
      const other = volumeRecord({ projectId: "p2", createdAt: at(3) });
      const second = volumeRecord({ name: "boot-2", createdAt: at(4) });
      for (const volume of [second, other, shared, own]) await store.volumes.create(volume, null);
      const ids = (list: records.VolumeRecord[]) => list.map((volume) => volume.id);

      expect(ids(await store.volumes.list())).toEqual([own.id, shared.id, other.id, second.id]);
      expect(ids(await store.volumes.list({ visibleTo: "p1" }))).toEqual([own.id, shared.id, second.id]);
      expect(ids(await store.volumes.list({ visibleTo: "p2" }))).toEqual([shared.id, other.id]);
      expect(ids(await store.volumes.list({ visibleTo: "p1", name: "boot-1" }))).toEqual([own.id]);
      expect(ids(await store.volumes.list({ visibleTo: "p1", marker: own.id, limit: 1 }))).toEqual([shared.id]);
      expect(ids(await store.volumes.list({ marker: randomUUID() }))).toEqual([]);

      await store.volumes.attach(shared.id, attachment(randomUUID()));
      expect(ids(await store.volumes.list({ status: "in-use" }))).toEqual([shared.id]);
      expect(ids(await store.volumes.list({ visibleTo: "p1", status: "available" }))).toEqual([own.id, second.id]);
    });

    it("attaches to one server at a time, detaches only from that server, lists a server's volumes", async () => {
      const store = current();
      const boot = volumeRecord();
      const data = volumeRecord({ name: "data", bootable: false, createdAt: at(1) });
      for (const volume of [boot, data]) await store.volumes.create(volume, null);
      const [server, other] = [randomUUID(), randomUUID()];

      const first = attachment(server, 10);
      expect(await store.volumes.attach(boot.id, first)).toBe("attached");
      expect(await store.volumes.attach(data.id, attachment(server, 11))).toBe("attached");
      expect(await store.volumes.attach(boot.id, attachment(other))).toBe("in-use");
      expect(await store.volumes.attach(randomUUID(), attachment(other))).toBe("missing");
      expect((await store.volumes.get(boot.id))?.attachment).toEqual(first);
      expect((await store.volumes.ofServer(server)).map((volume) => volume.id)).toEqual([boot.id, data.id]);
      expect(await store.volumes.ofServer(other)).toEqual([]);

      expect(await store.volumes.detach(boot.id, other)).toBe(false);
      expect(await store.volumes.detach(boot.id, server)).toBe(true);
      expect(await store.volumes.detach(boot.id, server)).toBe(false);
      expect((await store.volumes.get(boot.id))?.attachment).toBeNull();
      expect(await store.volumes.attach(boot.id, attachment(other))).toBe("attached");
    });

    it("deletes only a volume that is not attached; updates name and description", async () => {
      const store = current();
      const volume = volumeRecord();
      await store.volumes.create(volume, SECRET);
      const server = randomUUID();
      await store.volumes.attach(volume.id, attachment(server));
      expect(await store.volumes.delete(volume.id)).toBe("attached");
      expect(await store.volumes.get(volume.id)).toBeDefined();

      const updated = await store.volumes.update(volume.id, { description: "the boot disk" }, at(30));
      expect(updated).toMatchObject({ name: volume.name, description: "the boot disk", updatedAt: at(30) });
      expect(await store.volumes.update(randomUUID(), { name: "x" }, at(30))).toBeUndefined();

      await store.volumes.detach(volume.id, server);
      expect(await store.volumes.delete(volume.id)).toBe("deleted");
      expect(await store.volumes.delete(volume.id)).toBe("missing");
      expect(await store.volumes.chapSecret(volume.id)).toBeUndefined();
    });

    it("a registration and a delete carry their audit rows, a refused delete none", async () => {
      const store = current();
      const volume = volumeRecord();
      const audit = (action: records.AdminAuditRecord["action"]): records.AdminAuditRecord => ({
        id: randomUUID(),
        createdAt: at(action === "create" ? 1 : 2),
        userId: "admin-1",
        userName: "admin",
        projectId: "p-admin",
        requestId: `req-${randomUUID()}`,
        resourceType: "volume",
        resourceId: volume.id,
        resourceName: volume.name,
        action,
        changes: {},
      });
      await store.volumes.create(volume, null, audit("create"));
      await store.volumes.attach(volume.id, attachment(randomUUID()));
      expect(await store.volumes.delete(volume.id, audit("delete"))).toBe("attached");
      expect((await store.adminAudit.list({ resourceType: "volume" })).map((row) => row.action)).toEqual(["create"]);
    });

    it("two Store instances attaching one volume to different servers at once: exactly one wins, every time", async () => {
      const [a, b] = await twins();
      for (let round = 0; round < 10; round += 1) {
        const volume = volumeRecord({ createdAt: at(round) });
        await a.volumes.create(volume, null);
        const servers = Array.from({ length: 6 }, () => randomUUID());
        const results = await Promise.all(servers.map((server, i) => (i % 2 === 0 ? a : b).volumes.attach(volume.id, attachment(server))));
        expect(results.filter((result) => result === "attached")).toHaveLength(1);
        expect(results.filter((result) => result === "in-use")).toHaveLength(5);
        const winner = servers[results.indexOf("attached")];
        expect((await b.volumes.get(volume.id))?.attachment?.serverId).toBe(winner);
      }
    });
  });
}
