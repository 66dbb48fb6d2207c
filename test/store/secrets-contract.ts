// Secrets at rest (store/secret-box.ts), run by store-contract.ts on every
// backend: what the database file holds for a CHAP secret and a running task's
// passwords is sealed, the store hands them back in the clear, a store with
// another key still reads its rows (the task marked, the CHAP read refused),
// a sealed value copied to another row does not open there, and rows written
// in the clear before sealing are sealed when the store is migrated.

import { describe, expect, it } from "vitest";
import { SecretBox, SecretBoxError } from "../../src/store/secret-box.js";
import type { Store } from "../../src/store/store.js";
import { UNREADABLE_SECRETS_PARAM } from "../../src/store/task-params.js";
import { at, storedServer, taskRecord, type ContractHooks } from "./store-contract.js";
import { volumeRecord } from "./volumes-contract.js";

const CHAP = "chap-secret-at-rest-4e1f0c";
const PASSWORD = "admin-password-at-rest-9b27";
const USER_DATA = Buffer.from("#!/bin/sh\necho user-data-at-rest-51c3\n").toString("base64");

async function rawOne(hooks: ContractHooks, store: Store, sql: string): Promise<string> {
  const rows = await hooks.queryRaw(store, sql);
  const value = Object.values(rows[0] ?? {})[0];
  if (typeof value !== "string") throw new Error(`no text from: ${sql}`);
  return value;
}

export function describeSecretsContract(current: () => Store, hooks: ContractHooks, another: (store: Store, secrets: SecretBox) => Promise<Store>): void {
  describe("secrets at rest", () => {
    it("a CHAP secret is sealed in its row and handed back in the clear by chapSecret only", async () => {
      const store = current();
      const volume = volumeRecord();
      await store.volumes.create(volume, CHAP);
      const stored = await rawOne(hooks, store, `SELECT chap_secret FROM volumes WHERE id = '${volume.id}'`);
      expect(stored.startsWith("sealed:v1:")).toBe(true);
      expect(stored).not.toContain(CHAP);
      expect(await store.volumes.chapSecret(volume.id)).toBe(CHAP);
    });

    it("a running task's password is sealed in its row and in the clear once leased", async () => {
      const store = current();
      const { server, action } = await storedServer(store);
      const task = taskRecord(server, action, { params: { admin_password: PASSWORD } });
      await store.tasks.enqueue(task);
      const stored = await rawOne(hooks, store, `SELECT params FROM tasks WHERE id = '${task.id}'`);
      expect(stored).not.toContain(PASSWORD);
      expect(JSON.parse(stored)).toMatchObject({ admin_password: expect.stringMatching(/^sealed:v1:/) as unknown });
      const leased = await store.tasks.lease("w1", at(10), 60_000);
      expect(leased?.params).toMatchObject({ admin_password: PASSWORD });
    });

    it("with another key the rows still read: the task names its unreadable secret, the CHAP read is refused", async () => {
      const store = current();
      const volume = volumeRecord();
      await store.volumes.create(volume, CHAP);
      const { server, action } = await storedServer(store);
      const task = taskRecord(server, action, { params: { admin_password: PASSWORD } });
      await store.tasks.enqueue(task);
      const stranger = await another(store, SecretBox.ephemeral());
      try {
        const leased = await stranger.tasks.lease("w2", at(10), 60_000);
        expect(leased?.id).toBe(task.id);
        expect(leased?.params).not.toHaveProperty("admin_password");
        expect(leased?.params).toMatchObject({ [UNREADABLE_SECRETS_PARAM]: ["admin_password"] });
        await expect(stranger.volumes.chapSecret(volume.id)).rejects.toBeInstanceOf(SecretBoxError);
      } finally {
        await stranger.close();
      }
    });

    it("a sealed CHAP secret copied into another volume's row does not open there", async () => {
      const store = current();
      const a = volumeRecord({ name: "a" });
      const b = volumeRecord({ name: "b" });
      await store.volumes.create(a, CHAP);
      await store.volumes.create(b, "another-chap-secret");
      await hooks.execRaw(store, `UPDATE volumes SET chap_secret = (SELECT chap_secret FROM volumes WHERE id = '${a.id}') WHERE id = '${b.id}'`);
      await expect(store.volumes.chapSecret(b.id)).rejects.toBeInstanceOf(SecretBoxError);
      expect(await store.volumes.chapSecret(a.id)).toBe(CHAP);
    });

    it("a server's user data is sealed in its row and in the clear when read; with another key it reads as none", async () => {
      const store = current();
      const { server } = await storedServer(store, { userData: USER_DATA });
      const stored = await rawOne(hooks, store, `SELECT user_data FROM servers WHERE id = '${server.id}'`);
      expect(stored.startsWith("sealed:v1:")).toBe(true);
      expect(stored).not.toContain(USER_DATA);
      expect((await store.servers.get(server.id))?.userData).toBe(USER_DATA);
      await store.servers.update(server.id, { userData: `${USER_DATA}x` });
      expect(await rawOne(hooks, store, `SELECT user_data FROM servers WHERE id = '${server.id}'`)).not.toContain(USER_DATA);
      expect((await store.servers.get(server.id))?.userData).toBe(`${USER_DATA}x`);
      const stranger = await another(store, SecretBox.ephemeral());
      try {
        expect((await stranger.servers.get(server.id))?.userData).toBeNull();
      } finally {
        await stranger.close();
      }
      // As an older version wrote it: in the clear, sealed at the next migrate.
      await hooks.execRaw(store, `UPDATE servers SET user_data = '${USER_DATA}' WHERE id = '${server.id}'`);
      await store.migrate();
      expect(await rawOne(hooks, store, `SELECT user_data FROM servers WHERE id = '${server.id}'`)).toMatch(/^sealed:v1:/);
      expect((await store.servers.get(server.id))?.userData).toBe(USER_DATA);
    });

    it("secrets written in the clear before sealing are sealed when the store is migrated", async () => {
      const store = current();
      const volume = volumeRecord();
      await store.volumes.create(volume, "placeholder");
      const { server, action } = await storedServer(store);
      const task = taskRecord(server, action, { params: { admin_password: "placeholder" } });
      await store.tasks.enqueue(task);
      // As an older version wrote them: in the clear.
      await hooks.execRaw(store, `UPDATE volumes SET chap_secret = '${CHAP}' WHERE id = '${volume.id}'`);
      await hooks.execRaw(store, `UPDATE tasks SET params = '${JSON.stringify({ admin_password: PASSWORD })}' WHERE id = '${task.id}'`);
      expect(await store.volumes.chapSecret(volume.id)).toBe(CHAP);
      await store.migrate();
      const chapAtRest = await rawOne(hooks, store, `SELECT chap_secret FROM volumes WHERE id = '${volume.id}'`);
      const paramsAtRest = await rawOne(hooks, store, `SELECT params FROM tasks WHERE id = '${task.id}'`);
      expect(chapAtRest.startsWith("sealed:v1:")).toBe(true);
      expect(paramsAtRest).not.toContain(PASSWORD);
      expect(await store.volumes.chapSecret(volume.id)).toBe(CHAP);
      expect((await store.tasks.get(task.id))?.params).toMatchObject({ admin_password: PASSWORD });
    });
  });
}
