// The compute layer's volumes (issue 13): the policy table of the API's
// operations, and what boot from volume (item 3) calls — lookup with the
// caller's visibility, the atomic attach, detach, a server's volumes and the
// driver's block device with the CHAP secret. On a real SQLite store; the
// store's own races are in test/store/volumes-contract.ts.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConflictError, ForbiddenError, NotFoundError, type Caller, type VolumeRegistration } from "../../src/compute/contract.js";
import { targetProperties, Volumes } from "../../src/compute/volumes.js";
import { processSecrets, REDACTED } from "../../src/log/redact.js";
import type { Role } from "../../src/store/records.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/store.js";
import { sqlitePath } from "./support.js";

let store: Store;
let volumes: Volumes;
const SECRET = `chap-${randomUUID()}`;

const caller = (role: Role, projectId = "p1"): Caller => ({ userId: `u-${role}`, userName: role, projectId, role, requestId: `req-${randomUUID()}` });
const admin = caller("admin", "p-admin");

const registration = (overrides: Partial<VolumeRegistration> = {}): VolumeRegistration => ({
  name: "boot",
  sizeGb: 40,
  projectId: "p1",
  bootable: true,
  target: { protocol: "iscsi", portals: ["192.0.2.10:3260"], iqn: "iqn.2004-04.com.example:vol", lun: 0, chapUsername: "chap-user" },
  chapSecret: SECRET,
  ...overrides,
});

beforeAll(async () => {
  store = await openStore({ kind: "sqlite", path: sqlitePath() });
  for (const id of ["p1", "p2"]) await store.projects.create({ id, name: id, description: "", createdAt: new Date().toISOString() });
  volumes = new Volumes(store);
});
afterAll(async () => {
  await store.close();
});

describe("volumes in the compute layer", () => {
  it("policy: admins register and delete; members update their project's; readers read; the service role nothing", async () => {
    const volume = await volumes.register(admin, registration({ chapSecret: undefined, target: { protocol: "fibre_channel", wwns: ["500a09838dc33f12"], lun: 1 } }));
    const table: Array<[string, () => Promise<unknown>, "ok" | "forbidden" | "not found"]> = [
      ["member registers", () => volumes.register(caller("member"), registration()), "forbidden"],
      ["reader lists", () => volumes.list(caller("reader"), {}), "ok"],
      ["service lists", () => volumes.list(caller("service"), {}), "forbidden"],
      ["reader updates", () => volumes.update(caller("reader"), volume.id, { name: "x" }), "forbidden"],
      ["member updates", () => volumes.update(caller("member"), volume.id, { name: "renamed" }), "ok"],
      ["other project shows", () => volumes.get(caller("member", "p2"), volume.id), "not found"],
      ["other project updates", () => volumes.update(caller("member", "p2"), volume.id, { name: "x" }), "not found"],
      ["member deletes", () => volumes.delete(caller("member"), volume.id), "forbidden"],
      ["admin deletes", () => volumes.delete(admin, volume.id), "ok"],
    ];
    for (const [what, run, expected] of table) {
      const outcome = await run().then(
        () => "ok",
        (error: unknown) => (error instanceof ForbiddenError ? "forbidden" : error instanceof NotFoundError ? "not found" : String(error)),
      );
      expect(outcome, what).toBe(expected);
    }
  });

  it("for boot from volume: lookup by visibility, one server at a time, the block device with CHAP only for the attached server", async () => {
    const own = await volumes.register(admin, registration());
    const shared = await volumes.register(admin, registration({ name: "shared", projectId: null, chapSecret: undefined, target: { protocol: "iscsi", portals: ["[2001:db8::1]:3260"], iqn: "iqn.2004-04.com.example:shared", lun: 2, chapUsername: null } }));
    await expect(volumes.lookup(caller("member", "p2"), own.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await volumes.lookup(caller("member", "p2"), shared.id)).id).toBe(shared.id);

    const [server, other] = [randomUUID(), randomUUID()];
    await volumes.attach(own.id, server);
    await volumes.attach(shared.id, server);
    await expect(volumes.attach(own.id, other)).rejects.toBeInstanceOf(ConflictError);
    await expect(volumes.attach(own.id, server)).rejects.toBeInstanceOf(ConflictError);
    await expect(volumes.attach(randomUUID(), other)).rejects.toBeInstanceOf(NotFoundError);
    // Two attachments in one millisecond are ordered by id: compare as a set.
    const attached = (await volumes.ofServer(server)).map((volume) => [volume.id, volume.status]);
    expect(attached).toHaveLength(2);
    expect(attached).toEqual(expect.arrayContaining([[own.id, "in-use"], [shared.id, "in-use"]]));

    expect(await volumes.blockDevice(own.id, server, 0)).toEqual({
      volumeId: own.id,
      bootIndex: 0,
      volumeType: "iscsi",
      properties: { target_iqn: "iqn.2004-04.com.example:vol", target_portal: "192.0.2.10:3260", target_portals: ["192.0.2.10:3260"], target_lun: 0, auth_method: "CHAP", auth_username: "chap-user", auth_password: SECRET },
    });
    expect((await volumes.blockDevice(shared.id, server, 1)).properties).toEqual({ target_iqn: "iqn.2004-04.com.example:shared", target_portal: "[2001:db8::1]:3260", target_portals: ["[2001:db8::1]:3260"], target_lun: 2 });
    // Not attached to that server: no connection, no secret.
    await expect(volumes.blockDevice(own.id, other, 0)).rejects.toBeInstanceOf(NotFoundError);
    // The views never carry it; the log's registry scrubs it.
    expect(JSON.stringify([await volumes.get(admin, own.id), await volumes.list(admin, { allTenants: true }), await volumes.ofServer(server)])).not.toContain(SECRET);
    expect(processSecrets.scrub(`target said ${SECRET}`)).toBe(`target said ${REDACTED}`);

    expect(await volumes.detach(own.id, other)).toBe(false);
    await volumes.detachAll(server);
    expect(await volumes.ofServer(server)).toEqual([]);
    expect((await volumes.get(admin, own.id)).status).toBe("available");
    await volumes.attach(own.id, other);
  });

  it("targetProperties: Fibre Channel as Ironic's target_wwn/target_lun", () => {
    expect(targetProperties({ protocol: "fibre_channel", wwns: ["500a09838dc33f12", "500a09848dc33f12"], lun: 7 }, null)).toEqual({ target_wwn: ["500a09838dc33f12", "500a09848dc33f12"], target_lun: 7 });
  });
});
