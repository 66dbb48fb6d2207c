// The Store contract, run against every backend (sqlite.test.ts, postgres.test.ts).
// Every test gets a fresh, migrated, empty database from `open()`.

import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type * as records from "../../src/store/records.js";
import {
  CorruptRecordError,
  DuplicateError,
  LeaseLostError,
  OverQuotaError,
  ServerBusyError,
  StaleStateError,
  type QuotaClaim,
  type Store,
  type TagFilter,
} from "../../src/store/store.js";
import { taskKindParamsSchema } from "../../src/store/task-params.js";
import { describeNetworkContract } from "./network-contract.js";
import { describeServerGroupContract } from "./server-groups-contract.js";
import { describeFlavorContract } from "./flavor-contract.js";
import { describeServerListContract } from "./server-list-contract.js";
import { describeVolumeContract } from "./volumes-contract.js";
import { describeViewVersionContract } from "./view-version-contract.js";
import { describeSecretsContract } from "./secrets-contract.js";
import type { SecretBox } from "../../src/store/secret-box.js";

export interface ContractHooks {
  /** A fresh, migrated, empty store. */
  open(): Promise<Store>;
  /** Two Store instances (separate handles / pools) on one fresh, migrated database. */
  openTwins(): Promise<[Store, Store]>;
  /** Runs a raw SQL statement on the database behind `store` (to plant bad rows). */
  execRaw(store: Store, statement: string): Promise<void>;
  /** Runs a raw SQL query on the database behind `store`: what is at rest. */
  queryRaw(store: Store, query: string): Promise<Record<string, unknown>[]>;
  /** Another Store on the database behind `store`, sealing with `secrets`. */
  openAnother(store: Store, secrets: SecretBox): Promise<Store>;
  /**
   * A fresh database migrated only up to migration `last` (inclusive), with
   * `seed` (raw SQL, the schema of then) run on it, then opened as a Store:
   * the later migrations run on those rows.
   */
  openMigratedFrom(last: string, seed: readonly string[]): Promise<Store>;
}

const BASE = Date.parse("2026-03-01T10:00:00.000Z");
/** A canonical time `seconds` after the base. */
export function at(seconds: number): string {
  return new Date(BASE + seconds * 1000).toISOString();
}

export function projectRecord(overrides: Partial<records.ProjectRecord> = {}): records.ProjectRecord {
  const id = randomUUID();
  return { id, name: `project-${id}`, description: "a project", createdAt: at(0), ...overrides };
}

export function userRecord(projectId: string, overrides: Partial<records.UserRecord> = {}): records.UserRecord {
  const id = randomUUID();
  return {
    id,
    name: `user-${id}`,
    passwordHash: "$2b$05$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
    projectId,
    role: "member",
    createdAt: at(0),
    ...overrides,
  };
}

export function tokenRecord(userId: string, overrides: Partial<records.TokenRecord> = {}): records.TokenRecord {
  return {
    id: randomUUID().replaceAll("-", "").padEnd(64, "0"),
    userId,
    projectId: "p1",
    role: "member",
    methods: ["password"],
    auditId: randomUUID(),
    applicationCredentialId: null,
    issuedAt: at(0),
    expiresAt: at(3600),
    ...overrides,
  };
}

export function applicationCredentialRecord(
  userId: string,
  overrides: Partial<records.ApplicationCredentialRecord> = {},
): records.ApplicationCredentialRecord {
  const id = randomUUID();
  return {
    id,
    userId,
    projectId: "p1",
    name: `cred-${id}`,
    description: "",
    secretHash: "$2b$05$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
    roles: ["member", "reader"],
    unrestricted: false,
    expiresAt: null,
    createdAt: at(0),
    ...overrides,
  };
}

export function flavorRecord(overrides: Partial<records.FlavorRecord> = {}): records.FlavorRecord {
  const id = randomUUID();
  return {
    id,
    name: `flavor-${id}`,
    description: "bare metal",
    extraSpecs: {
      "resources:CUSTOM_BAREMETAL": "1",
      "resources:VCPU": "0",
      "trait:CUSTOM_GPU": "required",
      "trait:CUSTOM_SLOW": "forbidden",
      "capabilities:boot_mode": "uefi",
      "hw:any key. with spaces": "",
    },
    vcpus: 64,
    ramMb: 262_144,
    diskGb: 960,
    ephemeralGb: 0,
    swapMb: 0,
    isPublic: true,
    createdAt: at(0),
    ...overrides,
  };
}

export function imageRecord(overrides: Partial<records.ImageRecord> = {}): records.ImageRecord {
  const id = randomUUID();
  return {
    id,
    name: `image-${id}`,
    url: "https://images.example/debian-12.qcow2",
    checksum: null,
    osHashAlgo: "sha512",
    osHashValue: "ab".repeat(64),
    diskFormat: "qcow2",
    visibility: "public",
    ownerProjectId: null,
    sizeBytes: 5_368_709_120, // > 2^32: a BIGINT on PostgreSQL
    properties: { os_distro: "debian" },
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}

export function keypairRecord(userId: string, overrides: Partial<records.KeypairRecord> = {}): records.KeypairRecord {
  return {
    id: randomUUID(),
    userId,
    name: "default",
    type: "ssh",
    publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0 test@example",
    fingerprint: "SHA256:abc",
    createdAt: at(0),
    ...overrides,
  };
}

export function serverRecord(overrides: Partial<records.ServerRecord> = {}): records.ServerRecord {
  const id = randomUUID();
  return {
    id,
    name: `server-${id.slice(0, 8)}`,
    hostname: `server-${id.slice(0, 8)}`,
    projectId: "project-a",
    userId: "user-a",
    flavorId: "flavor-a",
    imageId: "image-a",
    keyName: null,
    nodeUuid: null,
    vmState: "building",
    taskState: "scheduling",
    powerState: "nostate",
    progress: 0,
    networks: { kind: "list", vifs: [{ networkId: "net-1", fixedIp: "10.0.0.5" }, { networkId: "net-2" }] },
    blockDevices: [{ volumeId: "vol-1", bootIndex: 0 }],
    metadata: { role: "db" },
    userData: "I2Nsb3VkLWNvbmZpZw==",
    availabilityZone: "nova",
    fault: null,
    launchedAt: null,
    createdAt: at(0),
    updatedAt: at(0),
    deletedAt: null,
    description: null,
    locked: false,
    lockedBy: null,
    lockedReason: null,
    accessIPv4: null,
    accessIPv6: null,
    diskConfig: "MANUAL",
    reservationId: null,
    launchIndex: 0,
    ...overrides,
  };
}

export function actionRecord(
  server: records.ServerRecord,
  overrides: Partial<records.ActionRecord> = {},
): records.ActionRecord {
  return {
    id: randomUUID(),
    serverId: server.id,
    projectId: server.projectId,
    userId: server.userId,
    action: "create",
    requestId: `req-${randomUUID()}`,
    message: null,
    startTime: at(0),
    finishTime: null,
    ...overrides,
  };
}

type TaskOverrides = Partial<Omit<records.TaskRecord, "kind" | "params">> & { kind?: records.TaskKind; params?: Record<string, unknown> };

export function taskRecord(server: records.ServerRecord, action: records.ActionRecord, overrides: TaskOverrides = {}): records.TaskRecord {
  const { kind = "create", params = { rebootType: "SOFT", nested: { list: [1, 2] } }, ...fields } = overrides;
  return {
    id: randomUUID(),
    serverId: server.id,
    status: "pending",
    leaseOwner: null,
    leaseExpiresAt: null,
    attempts: 0,
    lastError: null,
    actionId: action.id,
    createdAt: at(0),
    updatedAt: at(0),
    ...fields,
    ...taskKindParamsSchema.parse({ kind, params }),
  };
}

/** A server and its create action, stored (tasks reference both). */
export async function storedServer(
  store: Store,
  overrides: Partial<records.ServerRecord> = {},
): Promise<{ server: records.ServerRecord; action: records.ActionRecord }> {
  const server = serverRecord(overrides);
  await store.servers.create(server);
  const action = actionRecord(server);
  await store.actions.create(action);
  return { server, action };
}

/** Leases until nothing is left, from `loops` parallel loops; returns leased task ids. */
async function drain(store: Store, worker: string, loops: number): Promise<string[]> {
  const leased: string[] = [];
  await Promise.all(
    Array.from({ length: loops }, async () => {
      for (;;) {
        const task = await store.tasks.lease(worker, at(100), 60_000);
        if (task === undefined) return;
        expect(task.leaseOwner).toBe(worker);
        leased.push(task.id);
      }
    }),
  );
  return leased;
}

export function describeStoreContract(name: string, hooks: ContractHooks): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const extra: Store[] = [];

    beforeEach(async () => {
      store = await hooks.open();
    });
    afterEach(async () => {
      await store.close();
      for (const other of extra.splice(0)) await other.close();
    });

    async function twins(): Promise<[Store, Store]> {
      const pair = await hooks.openTwins();
      extra.push(...pair);
      return pair;
    }

    it("migrate() is idempotent and keeps data", async () => {
      const project = projectRecord();
      await store.projects.create(project);
      await store.migrate();
      await store.migrate();
      expect(await store.projects.get(project.id)).toEqual(project);
      expect(store.kind).toBe(name);
    });

    describe("projects", () => {
      it("creates, reads by id and name, lists in created order, deletes", async () => {
        const b = projectRecord({ createdAt: at(2) });
        const a = projectRecord({ createdAt: at(1) });
        await store.projects.create(b);
        await store.projects.create(a);
        expect(await store.projects.get(a.id)).toEqual(a);
        expect(await store.projects.getByName(b.name)).toEqual(b);
        expect(await store.projects.get("missing")).toBeUndefined();
        expect(await store.projects.getByName("missing")).toBeUndefined();
        expect(await store.projects.list()).toEqual([a, b]);
        expect(await store.projects.delete(a.id)).toBe(true);
        expect(await store.projects.delete(a.id)).toBe(false);
        expect(await store.projects.list()).toEqual([b]);
      });

      it("rejects a taken name or id with DuplicateError", async () => {
        const project = projectRecord();
        await store.projects.create(project);
        await expect(store.projects.create(projectRecord({ name: project.name }))).rejects.toBeInstanceOf(
          DuplicateError,
        );
        await expect(store.projects.create(projectRecord({ id: project.id }))).rejects.toBeInstanceOf(DuplicateError);
      });

      it("rejects a record whose time is not canonical ISO-8601 with milliseconds", async () => {
        await expect(store.projects.create(projectRecord({ createdAt: "2026-03-01T10:00:00Z" }))).rejects.toThrow(
          TypeError,
        );
        await expect(store.projects.create(projectRecord({ createdAt: "yesterday" }))).rejects.toThrow(TypeError);
      });
    });

    describe("users", () => {
      it("creates, reads, lists per project, changes the password hash, deletes", async () => {
        const u1 = userRecord("p1", { createdAt: at(1), role: "admin" });
        const u2 = userRecord("p2", { createdAt: at(2), role: "reader" });
        const u3 = userRecord("p1", { createdAt: at(3) });
        for (const user of [u3, u1, u2]) await store.users.create(user);
        expect(await store.users.get(u1.id)).toEqual(u1);
        expect(await store.users.getByName(u2.name)).toEqual(u2);
        expect(await store.users.getByName("nobody")).toBeUndefined();
        expect(await store.users.list()).toEqual([u1, u2, u3]);
        expect(await store.users.list("p1")).toEqual([u1, u3]);
        expect(await store.users.list("p9")).toEqual([]);

        expect(await store.users.setPasswordHash(u1.id, "$2b$05$new")).toBe(true);
        expect((await store.users.get(u1.id))?.passwordHash).toBe("$2b$05$new");
        expect(await store.users.setPasswordHash("missing", "x")).toBe(false);

        expect(await store.users.delete(u2.id)).toBe(true);
        expect(await store.users.delete(u2.id)).toBe(false);
        expect(await store.users.get(u2.id)).toBeUndefined();
      });

      it("rejects a taken user name with DuplicateError", async () => {
        const user = userRecord("p1");
        await store.users.create(user);
        await expect(store.users.create(userRecord("p2", { name: user.name }))).rejects.toBeInstanceOf(DuplicateError);
      });
    });

    describe("tokens and application credentials", () => {
      it("round-trips both, counts live tokens, removes expired ones", async () => {
        const user = userRecord("p1");
        await store.users.create(user);
        const credential = applicationCredentialRecord(user.id, { expiresAt: at(7200), unrestricted: true, roles: ["reader"] });
        await store.applicationCredentials.create(credential);
        const live = tokenRecord(user.id, { expiresAt: at(100) });
        const scopedless = tokenRecord(user.id, { projectId: null, methods: ["application_credential"], applicationCredentialId: credential.id, expiresAt: at(200) });
        const expired = tokenRecord(user.id, { expiresAt: at(10) });
        for (const token of [live, scopedless, expired]) await store.tokens.create(token);
        expect(await store.tokens.get(scopedless.id)).toEqual(scopedless);
        expect(await store.applicationCredentials.get(credential.id)).toEqual(credential);
        expect(await store.applicationCredentials.getByName(user.id, credential.name)).toEqual(credential);
        expect(await store.applicationCredentials.getByName("someone-else", credential.name)).toBeUndefined();
        expect(await store.tokens.countLive(user.id, at(50))).toBe(2);
        expect(await store.tokens.deleteExpired(at(50))).toBe(1);
        expect(await store.tokens.get(expired.id)).toBeUndefined();
        expect(await store.tokens.delete(live.id)).toBe(true);
        expect(await store.tokens.delete(live.id)).toBe(false);
        await expect(store.tokens.create(tokenRecord(user.id, { id: scopedless.id }))).rejects.toBeInstanceOf(DuplicateError);
      });

      it("one name per user; deleting a credential deletes the tokens it issued", async () => {
        const user = userRecord("p1");
        await store.users.create(user);
        const credential = applicationCredentialRecord(user.id);
        await store.applicationCredentials.create(credential);
        await expect(store.applicationCredentials.create(applicationCredentialRecord(user.id, { name: credential.name }))).rejects.toBeInstanceOf(
          DuplicateError,
        );
        const issued = tokenRecord(user.id, { applicationCredentialId: credential.id });
        const other = tokenRecord(user.id);
        await store.tokens.create(issued);
        await store.tokens.create(other);
        expect(await store.applicationCredentials.delete(credential.id)).toBe(true);
        expect(await store.tokens.get(issued.id)).toBeUndefined();
        expect(await store.tokens.get(other.id)).toEqual(other);
        expect(await store.applicationCredentials.list(user.id)).toEqual([]);
      });

      it("changeCredentials revokes every token of the user and the credentials named, in one step", async () => {
        const user = userRecord("p1", { role: "admin" });
        const bystander = userRecord("p1");
        await store.users.create(user);
        await store.users.create(bystander);
        const kept = applicationCredentialRecord(user.id, { createdAt: at(1) });
        const dropped = applicationCredentialRecord(user.id, { createdAt: at(2), roles: ["admin"] });
        await store.applicationCredentials.create(kept);
        await store.applicationCredentials.create(dropped);
        const tokens = [tokenRecord(user.id), tokenRecord(user.id, { applicationCredentialId: kept.id })];
        const theirs = tokenRecord(bystander.id);
        for (const token of [...tokens, theirs]) await store.tokens.create(token);

        expect(await store.users.changeCredentials(user.id, { role: "member", passwordHash: "$2b$05$changed" }, [dropped.id])).toBe(true);
        const changed = await store.users.get(user.id);
        expect(changed?.role).toBe("member");
        expect(changed?.passwordHash).toBe("$2b$05$changed");
        for (const token of tokens) expect(await store.tokens.get(token.id)).toBeUndefined();
        expect(await store.tokens.get(theirs.id)).toEqual(theirs);
        expect(await store.applicationCredentials.list(user.id)).toEqual([kept]);
        expect(await store.users.changeCredentials("missing", { role: "reader" }, [])).toBe(false);
        await expect(store.users.changeCredentials(user.id, { role: "emperor" as records.Role }, [])).rejects.toThrow(TypeError);
      });

      it("a deleted user takes its tokens and credentials along", async () => {
        const user = userRecord("p1");
        await store.users.create(user);
        const credential = applicationCredentialRecord(user.id);
        await store.applicationCredentials.create(credential);
        const token = tokenRecord(user.id, { applicationCredentialId: credential.id });
        await store.tokens.create(token);
        const plain = tokenRecord(user.id);
        await store.tokens.create(plain);
        expect(await store.users.delete(user.id)).toBe(true);
        expect(await store.tokens.get(token.id)).toBeUndefined();
        expect(await store.tokens.get(plain.id)).toBeUndefined();
        expect(await store.applicationCredentials.get(credential.id)).toBeUndefined();
      });
    });

    describe("flavors", () => {
      it("round-trips every field (extra specs and boolean columns included)", async () => {
        const pub = flavorRecord({ createdAt: at(1) });
        const priv = flavorRecord({
          id: "2",
          createdAt: at(2),
          isPublic: false,
          extraSpecs: {},
        });
        await store.flavors.create(priv);
        await store.flavors.create(pub);
        expect(await store.flavors.get("2")).toEqual(priv);
        expect(await store.flavors.getByName(pub.name)).toEqual(pub);
        expect(await store.flavors.list()).toEqual([pub, priv]);
        expect(await store.flavors.delete("2")).toBe(true);
        expect(await store.flavors.delete("2")).toBe(false);
        expect(await store.flavors.get("2")).toBeUndefined();
      });

      it("rejects a taken flavor name with DuplicateError", async () => {
        const flavor = flavorRecord();
        await store.flavors.create(flavor);
        await expect(store.flavors.create(flavorRecord({ name: flavor.name }))).rejects.toBeInstanceOf(DuplicateError);
      });
    });

    describe("images", () => {
      it("round-trips, filters by name, pages with marker and limit, deletes", async () => {
        const images = [
          imageRecord({ createdAt: at(1), name: "debian" }),
          imageRecord({ createdAt: at(2), name: "ubuntu", sizeBytes: null, checksum: "d41d8cd98f00b204e9800998ecf8427e" }),
          imageRecord({
            createdAt: at(3),
            name: "debian",
            visibility: "private",
            ownerProjectId: "p1",
            osHashAlgo: null,
            osHashValue: null,
            properties: {},
          }),
        ];
        for (const image of [...images].reverse()) await store.images.create(image);
        const [i1, i2, i3] = images;
        expect(await store.images.get(images[1]?.id ?? "")).toEqual(i2);
        expect(await store.images.list()).toEqual(images);
        expect(await store.images.list({ name: "debian" })).toEqual([i1, i3]);
        expect(await store.images.list({ limit: 2 })).toEqual([i1, i2]);
        expect(await store.images.list({ marker: i2?.id, limit: 2 })).toEqual([i3]);
        expect(await store.images.list({ marker: i1?.id, name: "debian" })).toEqual([i3]);
        expect(await store.images.delete(i1?.id ?? "")).toBe(true);
        expect(await store.images.delete(i1?.id ?? "")).toBe(false);
        expect(await store.images.list()).toEqual([i2, i3]);
        await expect(store.images.create(imageRecord({ id: i2?.id }))).rejects.toBeInstanceOf(DuplicateError);
      });
    });

    describe("keypairs", () => {
      it("creates, reads, lists per user, deletes; names are unique per user only", async () => {
        const user = userRecord("p1");
        const other = userRecord("p1");
        await store.users.create(user);
        await store.users.create(other);
        const k1 = keypairRecord(user.id, { name: "laptop", createdAt: at(1) });
        const k2 = keypairRecord(user.id, { name: "ci", type: "x509", createdAt: at(2) });
        const k3 = keypairRecord(other.id, { name: "laptop", createdAt: at(3) });
        for (const keypair of [k2, k1, k3]) await store.keypairs.create(keypair);
        expect(await store.keypairs.get(user.id, "laptop")).toEqual(k1);
        expect(await store.keypairs.get(other.id, "laptop")).toEqual(k3);
        expect(await store.keypairs.get(user.id, "nope")).toBeUndefined();
        expect(await store.keypairs.list(user.id)).toEqual([k1, k2]);

        await expect(store.keypairs.create(keypairRecord(user.id, { name: "laptop" }))).rejects.toBeInstanceOf(
          DuplicateError,
        );

        expect(await store.keypairs.delete(user.id, "laptop")).toBe(true);
        expect(await store.keypairs.delete(user.id, "laptop")).toBe(false);
        expect(await store.keypairs.list(user.id)).toEqual([k2]);
      });

      it("goes with its user", async () => {
        const user = userRecord("p1");
        await store.users.create(user);
        await store.keypairs.create(keypairRecord(user.id));
        expect(await store.users.delete(user.id)).toBe(true);
        expect(await store.keypairs.list(user.id)).toEqual([]);
      });
    });

    describe("servers", () => {
      it("round-trips every field", async () => {
        const server = serverRecord({
          keyName: "laptop",
          nodeUuid: randomUUID(),
          vmState: "error",
          taskState: null,
          powerState: "running",
          progress: 100,
          networks: { kind: "auto", vifs: [] },
          metadata: {},
          userData: null,
          fault: { code: 500, message: "No valid host", created: at(5) },
          launchedAt: at(4),
          imageId: null,
        });
        await store.servers.create(server);
        expect(await store.servers.get(server.id)).toEqual(server);
        const plain = serverRecord();
        await store.servers.create(plain);
        expect(await store.servers.get(plain.id)).toEqual(plain);
        await expect(store.servers.create(serverRecord({ id: plain.id }))).rejects.toBeInstanceOf(DuplicateError);
      });

      it("lists by project and name, sorted by (created, id), paging with marker and limit", async () => {
        // Five servers created in the same millisecond: the id breaks the tie.
        const same = Array.from({ length: 5 }, () => serverRecord({ projectId: "p1", createdAt: at(10) }));
        const early = serverRecord({ projectId: "p1", createdAt: at(5), name: "web" });
        const elsewhere = serverRecord({ projectId: "p2", createdAt: at(7), name: "web" });
        for (const server of [...same, elsewhere, early]) await store.servers.create(server);
        const p1 = [early, ...[...same].sort((a, b) => (a.id < b.id ? -1 : 1))];

        expect(await store.servers.list({ projectId: "p1" })).toEqual(p1);
        expect(await store.servers.list()).toEqual([early, elsewhere, ...p1.slice(1)]);
        expect(await store.servers.list({ name: "web" })).toEqual([early, elsewhere]);
        expect(await store.servers.list({ projectId: "p2", name: "web" })).toEqual([elsewhere]);

        const pages: records.ServerRecord[][] = [];
        let marker: string | undefined;
        for (;;) {
          const page = await store.servers.list({ projectId: "p1", limit: 2, ...(marker === undefined ? {} : { marker }) });
          if (page.length === 0) break;
          pages.push(page);
          marker = page.at(-1)?.id;
        }
        expect(pages.map((page) => page.length)).toEqual([2, 2, 2]);
        expect(pages.flat()).toEqual(p1);
        expect(await store.servers.list({ projectId: "p1", limit: 0 })).toEqual([]);
        // An id that names no server: nothing comes "after" it.
        expect(await store.servers.list({ marker: randomUUID() })).toEqual([]);
        await expect(store.servers.list({ limit: -1 })).rejects.toThrow(RangeError);
      });

      it("hides deleted servers unless includeDeleted; listWithNodes and countByProject", async () => {
        const live = serverRecord({ projectId: "p1", createdAt: at(1), nodeUuid: "node-1" });
        const gone = serverRecord({ projectId: "p1", createdAt: at(2), nodeUuid: "node-2" });
        const nodeless = serverRecord({ projectId: "p1", createdAt: at(3) });
        for (const server of [live, gone, nodeless]) await store.servers.create(server);
        const deleted = await store.servers.update(gone.id, { deletedAt: at(9), vmState: "deleted", taskState: null });
        expect(deleted.deletedAt).toBe(at(9));

        expect(await store.servers.get(gone.id)).toBeUndefined();
        expect(await store.servers.get(gone.id, { includeDeleted: true })).toEqual(deleted);
        expect(await store.servers.list({ projectId: "p1" })).toEqual([live, nodeless]);
        expect(await store.servers.list({ projectId: "p1", includeDeleted: true })).toEqual([live, deleted, nodeless]);
        // A deleted server still works as a marker.
        expect(await store.servers.list({ projectId: "p1", marker: gone.id })).toEqual([nodeless]);
        expect(await store.servers.listWithNodes()).toEqual([live, deleted]);
        expect(await store.servers.countByProject("p1")).toBe(2);
        expect(await store.servers.countByProject("p2")).toBe(0);
      });

      it("update applies a patch and returns the stored record", async () => {
        const server = serverRecord();
        await store.servers.create(server);
        const updated = await store.servers.update(server.id, {
          nodeUuid: "node-9",
          vmState: "active",
          taskState: null,
          powerState: "running",
          progress: 100,
          launchedAt: at(30),
          fault: { code: 500, message: "boom", created: at(31) },
          metadata: { a: "b" },
          name: "renamed",
          imageId: null,
        });
        expect(updated).toEqual({
          ...server,
          nodeUuid: "node-9",
          vmState: "active",
          taskState: null,
          powerState: "running",
          progress: 100,
          launchedAt: at(30),
          fault: { code: 500, message: "boom", created: at(31) },
          metadata: { a: "b" },
          name: "renamed",
          imageId: null,
          updatedAt: updated.updatedAt,
        });
        expect(updated.updatedAt > server.updatedAt).toBe(true);
        expect(await store.servers.get(server.id)).toEqual(updated);
        const cleared = await store.servers.update(server.id, { fault: null, nodeUuid: null });
        expect([cleared.fault, cleared.nodeUuid, cleared.name]).toEqual([null, null, "renamed"]);
        // A rebuild's key_name (Nova 2.54): set, then removed.
        expect((await store.servers.update(server.id, { keyName: "key-1" })).keyName).toBe("key-1");
        expect((await store.servers.get(server.id))?.keyName).toBe("key-1");
        expect((await store.servers.update(server.id, { keyName: null })).keyName).toBeNull();
      });

      it("update with expect is a compare-and-set: StaleStateError when the state moved on", async () => {
        const server = serverRecord({ vmState: "active", taskState: null });
        await store.servers.create(server);

        const rebooting = await store.servers.update(
          server.id,
          { taskState: "rebooting" },
          { taskState: null, vmState: "active" },
        );
        expect(rebooting.taskState).toBe("rebooting");

        await expect(
          store.servers.update(server.id, { taskState: "powering-off" }, { taskState: null, vmState: "active" }),
        ).rejects.toBeInstanceOf(StaleStateError);
        await expect(
          store.servers.update(server.id, { taskState: null }, { taskState: "rebooting", vmState: "stopped" }),
        ).rejects.toBeInstanceOf(StaleStateError);
        expect((await store.servers.get(server.id))?.taskState).toBe("rebooting");

        // Only the given field is compared.
        const done = await store.servers.update(server.id, { taskState: null }, { taskState: "rebooting" });
        expect(done.taskState).toBeNull();
        const stopped = await store.servers.update(server.id, { vmState: "stopped" }, { vmState: "active" });
        expect(stopped.vmState).toBe("stopped");

        // Racing CAS from the same state: exactly one wins.
        const results = await Promise.allSettled(
          ["powering-on", "rebuilding", "rescuing"].map((taskState) =>
            store.servers.update(
              server.id,
              { taskState: taskState as records.ServerRecord["taskState"] },
              { taskState: null, vmState: "stopped" },
            ),
          ),
        );
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(StaleStateError);
      });

      it("update of an unknown server is an Error, not a StaleStateError", async () => {
        const missing = store.servers.update(randomUUID(), { progress: 5 }, { taskState: null });
        await expect(missing).rejects.toThrow(/does not exist/);
        await expect(store.servers.update(randomUUID(), { progress: 5 })).rejects.not.toBeInstanceOf(StaleStateError);
      });

      it("keeps description and the lock (0004), patches them, and lists by locked", async () => {
        const plain = serverRecord({ projectId: "p1", createdAt: at(1) });
        const locked = serverRecord({ projectId: "p1", createdAt: at(2), description: "db primary", locked: true, lockedBy: "admin", lockedReason: "audit" });
        for (const server of [plain, locked]) await store.servers.create(server);
        expect(await store.servers.get(locked.id)).toEqual(locked);
        expect(await store.servers.list({ projectId: "p1", locked: true })).toEqual([locked]);
        expect(await store.servers.list({ projectId: "p1", locked: false })).toEqual([plain]);
        const patched = await store.servers.update(plain.id, { description: "ünïcode", hostname: "renamed", locked: true, lockedBy: "owner", lockedReason: null });
        expect(patched).toMatchObject({ description: "ünïcode", hostname: "renamed", locked: true, lockedBy: "owner", lockedReason: null });
        const cleared = await store.servers.update(locked.id, { description: null, locked: false, lockedBy: null, lockedReason: null });
        expect(await store.servers.get(locked.id)).toEqual(cleared);
        expect(cleared).toMatchObject({ description: null, locked: false, lockedBy: null });
      });
    });

    describe("server tags", () => {
      it("replace, add (present, full), remove, and per-server reads", async () => {
        const [a, b] = [serverRecord(), serverRecord()];
        for (const server of [a, b]) await store.servers.create(server);
        expect(await store.serverTags.forServers([a.id, b.id])).toEqual(new Map([[a.id, []], [b.id, []]]));
        await store.serverTags.replace(a.id, ["web", "blue", "web"]);
        expect((await store.serverTags.forServers([a.id])).get(a.id)).toEqual(["blue", "web"]);
        expect(await store.serverTags.add(a.id, "blue", 3)).toBe("present");
        expect(await store.serverTags.add(a.id, "prod", 3)).toBe("added");
        // At the limit: a new tag is refused, one it has is still "present".
        expect(await store.serverTags.add(a.id, "extra", 3)).toBe("full");
        expect(await store.serverTags.add(a.id, "web", 3)).toBe("present");
        expect(await store.serverTags.add(b.id, "blue", 3)).toBe("added");
        expect(await store.serverTags.remove(a.id, "web")).toBe(true);
        expect(await store.serverTags.remove(a.id, "web")).toBe(false);
        expect(await store.serverTags.forServers([a.id, b.id])).toEqual(new Map([[a.id, ["blue", "prod"]], [b.id, ["blue"]]]));
        await store.serverTags.replace(a.id, []);
        expect((await store.serverTags.forServers([a.id])).get(a.id)).toEqual([]);
      });

      it("concurrent adds cannot pass the limit", async () => {
        const server = serverRecord();
        await store.servers.create(server);
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.serverTags.add(server.id, `t${i}`, 5)));
        expect(results.filter((result) => result === "added")).toHaveLength(5);
        expect((await store.serverTags.forServers([server.id])).get(server.id)).toHaveLength(5);
      });

      it("filters lists by tags, tags-any, not-tags, not-tags-any (combined), before paging", async () => {
        const tagged: Array<[records.ServerRecord, string[]]> = [
          [serverRecord({ projectId: "p1", createdAt: at(1) }), ["a", "b"]],
          [serverRecord({ projectId: "p1", createdAt: at(2) }), ["a"]],
          [serverRecord({ projectId: "p1", createdAt: at(3) }), ["b", "c"]],
          [serverRecord({ projectId: "p1", createdAt: at(4) }), []],
          [serverRecord({ projectId: "p1", createdAt: at(5) }), ["a", "b", "c"]],
          [serverRecord({ projectId: "p2", createdAt: at(6) }), ["a", "b"]],
        ];
        for (const [server, tags] of tagged) {
          await store.servers.create(server);
          await store.serverTags.replace(server.id, tags);
        }
        const [ab, a, bc, none, abc, other] = tagged.map(([server]) => server.id);
        const ids = async (tags: TagFilter, page: { limit?: number; marker?: string } = {}) =>
          (await store.servers.list({ projectId: "p1", tags, ...page })).map((server) => server.id);
        expect(await ids({ all: ["a", "b"] })).toEqual([ab, abc]);
        expect(await ids({ any: ["a", "c"] })).toEqual([ab, a, bc, abc]);
        // not-tags: lacks at least one of them; not-tags-any: has none of them.
        expect(await ids({ notAll: ["a", "b"] })).toEqual([a, bc, none]);
        expect(await ids({ notAny: ["a", "c"] })).toEqual([none]);
        expect(await ids({ any: ["b"], notAny: ["c"] })).toEqual([ab]);
        expect(await ids({ all: ["a"], notAll: ["b", "c"] })).toEqual([ab, a]);
        expect(await ids({ all: ["zzz"] })).toEqual([]);
        // Paging walks the filtered list: the marker is the last id of a page.
        const first = await ids({ any: ["a", "c"] }, { limit: 3 });
        expect(first).toEqual([ab, a, bc]);
        expect(await ids({ any: ["a", "c"] }, { limit: 3, marker: first.at(-1) ?? "" })).toEqual([abc]);
        expect((await store.servers.list({ tags: { all: ["a", "b"] } })).map((server) => server.id)).toEqual([ab, abc, other]);
      });
    });

    describe("actions", () => {
      it("records actions and events, newest action first, events in order", async () => {
        const { server, action: create } = await storedServer(store);
        const reboot = actionRecord(server, { action: "reboot", startTime: at(10), requestId: "req-reboot" });
        await store.actions.create(reboot);
        expect(await store.actions.listForServer(server.id)).toEqual([reboot, create]);
        expect(await store.actions.listForServer("other")).toEqual([]);
        expect(await store.actions.getByRequestId(server.id, "req-reboot")).toEqual(reboot);
        expect(await store.actions.getByRequestId(server.id, "req-none")).toBeUndefined();
        expect(await store.actions.getByRequestId("other", "req-reboot")).toBeUndefined();

        const e1: records.ActionEventRecord = {
          id: randomUUID(),
          actionId: reboot.id,
          event: "compute_reboot",
          startTime: at(11),
          finishTime: null,
          result: null,
          details: null,
          traceback: null,
        };
        const e2: records.ActionEventRecord = { ...e1, id: randomUUID(), event: "driver_power", startTime: at(12) };
        await store.actions.addEvent(e2);
        await store.actions.addEvent(e1);
        expect(await store.actions.listEvents(reboot.id)).toEqual([e1, e2]);
        await store.actions.finishEvent(e1.id, at(13), "Error", "node locked");
        await store.actions.finishEvent(e2.id, at(14), "Success", null);
        expect(await store.actions.listEvents(reboot.id)).toEqual([
          { ...e1, finishTime: at(13), result: "Error", details: "node locked" },
          { ...e2, finishTime: at(14), result: "Success" },
        ]);

        // The admin-only detail goes with the public message (0002_action_event_traceback).
        const e3: records.ActionEventRecord = { ...e1, id: randomUUID(), event: "driver_reboot", startTime: at(12.5) };
        await store.actions.addEvent(e3);
        await store.actions.finishEvent(e3.id, at(14), "Error", "The bare-metal reboot failed.", "NodeLockedError: locked by conductor-7");
        expect((await store.actions.listEvents(reboot.id)).find((event) => event.id === e3.id)).toEqual({
          ...e3,
          finishTime: at(14),
          result: "Error",
          details: "The bare-metal reboot failed.",
          traceback: "NodeLockedError: locked by conductor-7",
        });

        await store.actions.finish(reboot.id, at(15), "Error");
        expect(await store.actions.getByRequestId(server.id, "req-reboot")).toEqual({
          ...reboot,
          finishTime: at(15),
          message: "Error",
        });
        await expect(store.actions.finish(randomUUID(), at(15), null)).rejects.toThrow(/does not exist/);
        await expect(store.actions.addEvent({ ...e1 })).rejects.toBeInstanceOf(DuplicateError);
      });
    });

    describe("tasks", () => {
      it("enqueues, reads, and allows one active task per server", async () => {
        const { server, action } = await storedServer(store);
        const task = taskRecord(server, action);
        await store.tasks.enqueue(task);
        expect(await store.tasks.get(task.id)).toEqual(task);
        expect(await store.tasks.activeForServer(server.id)).toEqual(task);
        expect(await store.tasks.activeForServer("other")).toBeUndefined();
        await expect(store.tasks.enqueue(taskRecord(server, action))).rejects.toBeInstanceOf(ServerBusyError);
        // A duplicate id is a DuplicateError even when the server is busy too.
        const { server: s2, action: a2 } = await storedServer(store);
        await expect(store.tasks.enqueue(taskRecord(s2, a2, { id: task.id }))).rejects.toBeInstanceOf(DuplicateError);
      });

      it("two concurrent enqueues for one server: exactly one succeeds", async () => {
        const { server, action } = await storedServer(store);
        const results = await Promise.allSettled([
          store.tasks.enqueue(taskRecord(server, action)),
          store.tasks.enqueue(taskRecord(server, action, { kind: "delete" })),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
        const failure = results.find((r) => r.status === "rejected");
        expect(failure?.status === "rejected" ? failure.reason : undefined).toBeInstanceOf(ServerBusyError);
      });

      it("leases oldest first, with owner, expiry and attempts; renew and finish need the lease", async () => {
        expect(await store.tasks.lease("w1", at(0), 30_000)).toBeUndefined();
        const { server: s1, action: a1 } = await storedServer(store);
        const { server: s2, action: a2 } = await storedServer(store);
        const newer = taskRecord(s1, a1, { createdAt: at(2), updatedAt: at(2) });
        const older = taskRecord(s2, a2, { createdAt: at(1), updatedAt: at(1) });
        await store.tasks.enqueue(newer);
        await store.tasks.enqueue(older);
        expect((await store.tasks.listActive()).map((t) => t.id)).toEqual([older.id, newer.id]);

        const leased = await store.tasks.lease("w1", at(10), 30_000);
        expect(leased).toEqual({
          ...older,
          status: "running",
          leaseOwner: "w1",
          leaseExpiresAt: at(40),
          attempts: 1,
          updatedAt: at(10),
        });
        expect(await store.tasks.get(older.id)).toEqual(leased);
        // Running and unexpired: not leased again; the other task is next.
        expect((await store.tasks.lease("w2", at(11), 30_000))?.id).toBe(newer.id);
        expect(await store.tasks.lease("w3", at(12), 30_000)).toBeUndefined();

        expect(await store.tasks.renew(older.id, "w2", at(20), 30_000)).toBe(false);
        expect(await store.tasks.renew(older.id, "w1", at(20), 30_000)).toBe(true);
        expect((await store.tasks.get(older.id))?.leaseExpiresAt).toBe(at(50));

        expect(await store.tasks.finish(older.id, "w2", "done", null, at(21))).toBe(false);
        expect(await store.tasks.finish(older.id, "w1", "failed", "node vanished", at(21))).toBe(true);
        const finished = await store.tasks.get(older.id);
        expect(finished).toMatchObject({ status: "failed", lastError: "node vanished", updatedAt: at(21), attempts: 1 });
        expect(finished?.leaseOwner).toBeNull();
        // Finished once: neither finish nor renew again.
        expect(await store.tasks.finish(older.id, "w1", "done", null, at(22))).toBe(false);
        expect(await store.tasks.renew(older.id, "w1", at(22), 30_000)).toBe(false);
        expect(await store.tasks.activeForServer(s2.id)).toBeUndefined();
        expect((await store.tasks.listActive()).map((t) => t.id)).toEqual([newer.id]);
      });

      it("supersede: a pending task gives way to a delete at once; the server shows deleting", async () => {
        const { server, action } = await storedServer(store, { taskState: "scheduling" });
        const create = taskRecord(server, action);
        await store.tasks.enqueue(create);
        const deleteAction = actionRecord(server, { action: "delete" });
        const deletion = taskRecord(server, deleteAction, { kind: "delete", params: {}, createdAt: at(5), updatedAt: at(5) });
        expect(await store.tasks.supersede(create.id, deletion, deleteAction, at(5))).toBe(true);
        expect(await store.tasks.get(create.id)).toMatchObject({ status: "cancelled", lastError: `superseded by delete task ${deletion.id}` });
        expect((await store.tasks.activeForServer(server.id))?.id).toBe(deletion.id);
        expect((await store.servers.get(server.id))?.taskState).toBe("deleting");
        expect(await store.actions.listForServer(server.id)).toContainEqual(deleteAction);
        expect((await store.tasks.lease("w1", at(6), 30_000))?.id).toBe(deletion.id);
      });

      it("supersede: a delete waits for the running task's lease, or for its worker to stop it", async () => {
        const { server, action } = await storedServer(store, { taskState: "spawning" });
        const create = taskRecord(server, action);
        await store.tasks.enqueue(create);
        await store.tasks.lease("w1", at(1), 30_000);
        expect(await store.tasks.renew(create.id, "w1", at(10), 30_000)).toBe(true); // held until at(40)
        const deleteAction = actionRecord(server, { action: "delete" });
        const deletion = taskRecord(server, deleteAction, { kind: "delete", params: {} });
        expect(await store.tasks.supersede(create.id, deletion, deleteAction, at(12))).toBe(true);
        // The old worker is refused everything from now on.
        expect(await store.tasks.renew(create.id, "w1", at(13), 30_000)).toBe(false);
        expect(await store.tasks.finish(create.id, "w1", "done", null, at(13))).toBe(false);
        await expect(store.servers.update(server.id, { progress: 50 }, { lease: { taskId: create.id, owner: "w1" } })).rejects.toBeInstanceOf(LeaseLostError);
        // The delete is held back while the old lease could still be believed in…
        expect(await store.tasks.lease("w2", at(39), 30_000)).toBeUndefined();
        // …and leasable after it, or as soon as the old worker says it stopped.
        expect((await store.tasks.lease("w2", at(41), 30_000))?.id).toBe(deletion.id);
        expect(await store.tasks.finish(deletion.id, "w2", "done", null, at(42))).toBe(true);

        const { server: other, action: otherAction } = await storedServer(store, { taskState: "spawning" });
        const otherCreate = taskRecord(other, otherAction);
        await store.tasks.enqueue(otherCreate);
        await store.tasks.lease("w1", at(50), 30_000);
        const otherDeleteAction = actionRecord(other, { action: "delete" });
        const otherDelete = taskRecord(other, otherDeleteAction, { kind: "delete", params: {} });
        await store.tasks.supersede(otherCreate.id, otherDelete, otherDeleteAction, at(51));
        expect(await store.tasks.lease("w2", at(52), 30_000)).toBeUndefined();
        await store.tasks.acknowledgeCancel(otherCreate.id, "w9"); // not its worker: nothing changes
        expect(await store.tasks.lease("w2", at(52), 30_000)).toBeUndefined();
        // While its worker still stops it, the delete stays held past the old lease.
        // (its superseded lease ran to at(80); held from at(58) it runs to at(88)).
        await store.tasks.holdCancelled(otherCreate.id, "w9", at(58), 60_000); // not its worker: nothing changes
        await store.tasks.holdCancelled(otherCreate.id, "w1", at(58), 30_000);
        expect(await store.tasks.lease("w2", at(85), 1_000)).toBeUndefined();
        await store.tasks.acknowledgeCancel(otherCreate.id, "w1");
        expect((await store.tasks.lease("w2", at(85), 30_000))?.id).toBe(otherDelete.id);
      });

      it("supersede: a second delete racing the first is ServerBusyError; a finished task is not cancelled", async () => {
        const { server, action } = await storedServer(store, { taskState: "rebooting_hard" });
        const reboot = taskRecord(server, action, { kind: "reboot" });
        await store.tasks.enqueue(reboot);
        const firstAction = actionRecord(server, { action: "delete" });
        await store.tasks.supersede(reboot.id, taskRecord(server, firstAction, { kind: "delete", params: {} }), firstAction, at(1));
        const secondAction = actionRecord(server, { action: "delete" });
        await expect(store.tasks.supersede(reboot.id, taskRecord(server, secondAction, { kind: "delete", params: {} }), secondAction, at(2))).rejects.toBeInstanceOf(
          ServerBusyError,
        );

        const { server: idle, action: idleAction } = await storedServer(store);
        // Older than the pending delete above, so it is the one leased next.
        const done = taskRecord(idle, idleAction, { kind: "stop", createdAt: at(-5), updatedAt: at(-5) });
        await store.tasks.enqueue(done);
        expect((await store.tasks.lease("w1", at(1), 30_000))?.id).toBe(done.id);
        expect(await store.tasks.finish(done.id, "w1", "done", null, at(2))).toBe(true);
        const lateAction = actionRecord(idle, { action: "delete" });
        const late = taskRecord(idle, lateAction, { kind: "delete", params: {}, createdAt: at(-4), updatedAt: at(-4) });
        expect(await store.tasks.supersede(done.id, late, lateAction, at(3))).toBe(false);
        expect((await store.tasks.get(done.id))?.status).toBe("done");
        expect((await store.tasks.lease("w2", at(4), 30_000))?.id).toBe(late.id);
      });

      it("after finish, a new task for the server can be enqueued", async () => {
        const { server, action } = await storedServer(store);
        const first = taskRecord(server, action);
        await store.tasks.enqueue(first);
        await store.tasks.lease("w1", at(1), 30_000);
        expect(await store.tasks.finish(first.id, "w1", "done", null, at(2))).toBe(true);
        const second = taskRecord(server, action, { kind: "reboot", createdAt: at(3), updatedAt: at(3) });
        await store.tasks.enqueue(second);
        expect(await store.tasks.activeForServer(server.id)).toEqual(second);
      });

      it("an expired lease goes to another worker; the first then cannot renew or finish", async () => {
        const { server, action } = await storedServer(store);
        const task = taskRecord(server, action);
        await store.tasks.enqueue(task);
        expect((await store.tasks.lease("w1", at(0), 10_000))?.attempts).toBe(1);
        // Exactly at expiry the lease still holds; a millisecond later it is gone.
        expect(await store.tasks.lease("w2", at(10), 10_000)).toBeUndefined();
        const taken = await store.tasks.lease("w2", at(10.001), 10_000);
        expect(taken).toMatchObject({ id: task.id, leaseOwner: "w2", attempts: 2, leaseExpiresAt: at(20.001) });

        expect(await store.tasks.renew(task.id, "w1", at(11), 10_000)).toBe(false);
        expect(await store.tasks.finish(task.id, "w1", "done", null, at(11))).toBe(false);
        expect(await store.tasks.get(task.id)).toMatchObject({ status: "running", leaseOwner: "w2" });
        expect(await store.tasks.finish(task.id, "w2", "done", null, at(12))).toBe(true);
      });

      it("two workers leasing in parallel loops get every task exactly once", async () => {
        const ids: string[] = [];
        for (let i = 0; i < 10; i++) {
          const { server, action } = await storedServer(store);
          const task = taskRecord(server, action, { createdAt: at(i), updatedAt: at(i) });
          await store.tasks.enqueue(task);
          ids.push(task.id);
        }
        const [w1, w2] = await Promise.all([drain(store, "w1", 3), drain(store, "w2", 3)]);
        expect([...w1, ...w2].sort()).toEqual([...ids].sort());
        expect(new Set([...w1, ...w2]).size).toBe(10);
        for (const id of ids) expect((await store.tasks.get(id))?.attempts).toBe(1);
      });

      it("createWithTask writes server, action and task together, or none of them (issue 8 #4)", async () => {
        const server = serverRecord();
        const action = actionRecord(server);
        const task = taskRecord(server, action);
        await store.servers.createWithTask(server, action, task);
        expect(await store.servers.get(server.id)).toEqual(server);
        expect((await store.actions.listForServer(server.id)).map((a) => a.id)).toEqual([action.id]);
        expect(await store.tasks.activeForServer(server.id)).toEqual(task);
        expect(await store.servers.total()).toBe(1);

        // The task insert fails (its id is taken): the server and action must not remain.
        const second = serverRecord();
        const secondAction = actionRecord(second);
        await expect(store.servers.createWithTask(second, secondAction, taskRecord(second, secondAction, { id: task.id }))).rejects.toBeInstanceOf(DuplicateError);
        expect(await store.servers.get(second.id, { includeDeleted: true })).toBeUndefined();
        expect(await store.actions.listForServer(second.id)).toEqual([]);
        expect(await store.servers.total()).toBe(1);
      });

      it("countLive counts the servers not deleted, in every project; total counts them all", async () => {
        await store.servers.create(serverRecord({ projectId: "project-a" }));
        await store.servers.create(serverRecord({ projectId: "project-b" }));
        await store.servers.create(serverRecord({ deletedAt: at(5) }));
        expect(await store.servers.countLive()).toBe(2);
        expect(await store.servers.total()).toBe(3);
      });

      it("enqueue with an action writes both or neither", async () => {
        const { server, action } = await storedServer(store);
        await store.tasks.enqueue(taskRecord(server, action));
        const refused = actionRecord(server, { action: "reboot" });
        await expect(store.tasks.enqueue(taskRecord(server, refused, { kind: "reboot" }), refused)).rejects.toBeInstanceOf(ServerBusyError);
        expect((await store.actions.listForServer(server.id)).map((a) => a.id)).toEqual([action.id]);
      });

      it("a write fenced by a lease lands only while that lease holds (issue 8 #2)", async () => {
        const { server, action } = await storedServer(store);
        const task = taskRecord(server, action);
        await store.tasks.enqueue(task);
        await store.tasks.lease("w1", at(0), 10_000);
        const lease = { taskId: task.id, owner: "w1" };
        expect((await store.servers.update(server.id, { progress: 10 }, { lease })).progress).toBe(10);
        await store.tasks.lease("w2", at(11), 10_000); // w1's lease expired; w2 has the task
        await expect(store.servers.update(server.id, { progress: 99 }, { lease })).rejects.toBeInstanceOf(LeaseLostError);
        expect((await store.servers.get(server.id))?.progress).toBe(10);
        expect((await store.servers.update(server.id, { progress: 20 }, { lease: { taskId: task.id, owner: "w2" } })).progress).toBe(20);
        // A state mismatch under a held lease is still a StaleStateError.
        await expect(store.servers.update(server.id, { progress: 30 }, { lease: { taskId: task.id, owner: "w2" }, vmState: "active" })).rejects.toBeInstanceOf(StaleStateError);
      });

      it("finish can replace the params, so secrets do not outlive the task (issue 8 #9)", async () => {
        const { server, action } = await storedServer(store);
        const task = taskRecord(server, action, { kind: "rescue", params: { rescue_password: "s3cret-pass" } });
        await store.tasks.enqueue(task);
        await store.tasks.lease("w1", at(0), 10_000);
        expect(await store.tasks.finish(task.id, "w1", "done", null, at(1), {})).toBe(true);
        expect((await store.tasks.get(task.id))?.params).toEqual({});
      });

      it("the deploy cap holds creates and rebuilds back, never a delete; a finished or expired deploy frees its place (issue 11 #6)", async () => {
        const deploys: records.TaskRecord[] = [];
        for (let i = 1; i <= 5; i++) {
          const { server, action } = await storedServer(store);
          const task = taskRecord(server, action, { kind: i === 4 ? "rebuild" : "create", createdAt: at(i), updatedAt: at(i) });
          await store.tasks.enqueue(task);
          deploys.push(task);
        }
        const [a, b, c, d, e] = deploys.map((task) => task.id);
        const { server: doomed, action: doomedAction } = await storedServer(store);
        const deletion = taskRecord(doomed, doomedAction, { kind: "delete", params: {}, createdAt: at(6), updatedAt: at(6) });
        await store.tasks.enqueue(deletion);
        const cap = { maxDeploys: 2 };
        // Queue positions among the pending deploys, oldest first; none for a delete.
        expect(await store.tasks.queuePosition(deploys[0]?.serverId ?? "")).toBe(1);
        expect(await store.tasks.queuePosition(deploys[4]?.serverId ?? "")).toBe(5);
        expect(await store.tasks.queuePosition(doomed.id)).toBeNull();
        expect(await store.tasks.queuePosition("no-such-server")).toBeNull();

        expect((await store.tasks.lease("w1", at(10), 30_000, cap))?.id).toBe(a);
        expect((await store.tasks.lease("w1", at(10), 5_000, cap))?.id).toBe(b); // held until at(15)
        // Two deploys run: the delete, newer than the waiting creates, goes first.
        expect((await store.tasks.lease("w1", at(10), 30_000, cap))?.id).toBe(deletion.id);
        expect(await store.tasks.lease("w1", at(10), 30_000, cap)).toBeUndefined();
        expect(await store.tasks.queuePosition(deploys[2]?.serverId ?? "")).toBe(1);
        expect(await store.tasks.queuePosition(deploys[0]?.serverId ?? "")).toBeNull(); // running, not waiting
        // Without the option (or with 0) there is no cap.
        expect((await store.tasks.lease("w9", at(10), 30_000))?.id).toBe(c);
        expect(await store.tasks.finish(c ?? "", "w9", "done", null, at(10))).toBe(true);

        expect(await store.tasks.finish(a ?? "", "w1", "done", null, at(11))).toBe(true);
        expect((await store.tasks.lease("w2", at(11), 30_000, cap))?.id).toBe(d); // a rebuild counts as a deploy
        expect(await store.tasks.lease("w2", at(11), 30_000, cap)).toBeUndefined();
        // b's lease expired at(15): it no longer counts, and is itself leased again (within the cap).
        expect(await store.tasks.lease("w3", at(16), 30_000, cap)).toMatchObject({ id: b, attempts: 2, leaseOwner: "w3" });
        expect(await store.tasks.lease("w3", at(16), 30_000, cap)).toBeUndefined();
        expect(await store.tasks.queuePosition(deploys[4]?.serverId ?? "")).toBe(1);
        expect(await store.tasks.finish(d ?? "", "w2", "done", null, at(17))).toBe(true);
        expect((await store.tasks.lease("w3", at(17), 30_000, { maxDeploys: 0 }))?.id).toBe(e);
        await expect(store.tasks.lease("w1", at(0), 1000, { maxDeploys: -1 })).rejects.toThrow(RangeError);
      });

      it("rejects a non-canonical `now` and a bad leaseMs", async () => {
        await expect(store.tasks.lease("w1", "2026-03-01T10:00:00Z", 1000)).rejects.toThrow(TypeError);
        await expect(store.tasks.lease("w1", at(0), 0)).rejects.toThrow(RangeError);
      });
    });

    describe("quotas (issue 11 #5)", () => {
      const claim = (overrides: Partial<QuotaClaim> = {}): QuotaClaim => ({ resourceClass: "CUSTOM_GPU", defaultInstances: -1, defaultClassLimit: -1, ...overrides });
      const create = (on: Store, projectId: string, quota: QuotaClaim) => {
        const server = serverRecord({ projectId });
        const action = actionRecord(server);
        return on.servers.createWithTask(server, action, taskRecord(server, action), quota).then(() => server);
      };
      const overQuota = async (work: Promise<unknown>): Promise<OverQuotaError> => {
        const error: unknown = await work.then(() => undefined, (reason: unknown) => reason);
        if (!(error instanceof OverQuotaError)) throw new Error(`expected OverQuotaError, got ${String(error)}`);
        return error;
      };

      it("a multi-create (createBatchWithTasks) is counted whole, all or none; its held tasks lease only once released; reservation filter and create options round-trip", async () => {
        const quota = claim({ defaultInstances: 3 });
        await create(store, "pm", quota);
        const batch = (n: number, reservationId: string) =>
          Array.from({ length: n }, (_, index) => {
            const server = serverRecord({ projectId: "pm", reservationId, launchIndex: index, accessIPv4: "192.0.2.1", accessIPv6: "2001:db8::1", diskConfig: "AUTO" });
            const action = actionRecord(server);
            return { server, action, task: taskRecord(server, action), ...(index === 0 ? {} : { heldUntil: at(10_000) }) };
          });
        const refused = batch(3, "r-refused");
        const error = await overQuota(store.servers.createBatchWithTasks(refused, quota));
        expect([error.resource, error.used, error.limit, error.requested]).toEqual(["instances", 1, 3, 3]);
        for (const { server } of refused) expect(await store.servers.get(server.id, { includeDeleted: true })).toBeUndefined();

        const made = batch(2, "r-made");
        await store.servers.createBatchWithTasks(made, quota);
        const listed = await store.servers.list({ projectId: "pm", reservationId: "r-made" });
        expect(listed.map((server) => server.id).sort()).toEqual(made.map(({ server }) => server.id).sort());
        expect(await store.servers.get(made[1]?.server.id ?? "")).toEqual(made[1]?.server);
        const leased: string[] = [];
        for (let task = await store.tasks.lease("w", at(20), 60_000); task !== undefined; task = await store.tasks.lease("w", at(20), 60_000)) leased.push(task.serverId);
        expect(leased).toContain(made[0]?.server.id);
        expect(leased).not.toContain(made[1]?.server.id);
        await store.tasks.releaseHeld([made[1]?.server.id ?? ""]);
        expect((await store.tasks.lease("w", at(21), 60_000))?.serverId).toBe(made[1]?.server.id);
        const patched = await store.servers.update(made[0]?.server.id ?? "", { accessIPv4: null, accessIPv6: "2001:db8::2", diskConfig: "MANUAL" });
        expect(patched).toMatchObject({ accessIPv4: null, accessIPv6: "2001:db8::2", diskConfig: "MANUAL", reservationId: "r-made", launchIndex: 0 });
      });

      it("migration 0015 (servers_project_live index): the live count and a reservation's servers read as before, in order", async () => {
        const row = (id: string, project: string, reservation: string | null, created: number, deleted: number | null) =>
          `INSERT INTO servers (id, name, hostname, project_id, user_id, flavor_id, vm_state, power_state, progress, networks, metadata, availability_zone, created_at, updated_at, deleted_at, reservation_id)
            VALUES ('${id}', '${id}', '${id}', '${project}', 'u1', 'f1', 'active', 'running', 100, '{"kind":"none","vifs":[]}', '{}', 'nova', '${at(created)}', '${at(created)}', ${deleted === null ? "NULL" : `'${at(deleted)}'`}, ${reservation === null ? "NULL" : `'${reservation}'`})`;
        const seed = [
          row("s3", "p1", "r1", 3, null),
          row("s1", "p1", "r1", 1, null),
          row("s2", "p1", "r1", 2, 5),
          row("s4", "p1", null, 4, null),
          row("s5", "p2", "r1", 1, null),
        ];
        const migrated = await hooks.openMigratedFrom("0014_flavor_extra_specs", seed);
        try {
          expect((await migrated.quotas.usage("p1")).instances).toBe(3);
          expect((await migrated.servers.list({ projectId: "p1", reservationId: "r1" })).map((server) => server.id)).toEqual(["s1", "s3"]);
          const server = serverRecord({ projectId: "p1", reservationId: "r1", createdAt: at(6) });
          const action = actionRecord(server);
          await migrated.servers.createWithTask(server, action, taskRecord(server, action), claim({ defaultInstances: 4 }));
          expect((await migrated.servers.list({ projectId: "p1", reservationId: "r1" })).map((listed) => listed.id)).toEqual(["s1", "s3", server.id]);
          const over = serverRecord({ projectId: "p1" });
          const overAction = actionRecord(over);
          await expect(migrated.servers.createWithTask(over, overAction, taskRecord(over, overAction), claim({ defaultInstances: 4 }))).rejects.toBeInstanceOf(OverQuotaError);
        } finally {
          await migrated.close();
        }
      });

      it("a create that would exceed the instances limit writes nothing; a deleted server frees its place", async () => {
        const quota = claim({ defaultInstances: 2 });
        const first = await create(store, "p1", quota);
        await create(store, "p1", quota);
        await create(store, "p2", quota); // another project has its own count
        const refused = serverRecord({ projectId: "p1" });
        const refusedAction = actionRecord(refused);
        const error = await overQuota(store.servers.createWithTask(refused, refusedAction, taskRecord(refused, refusedAction), quota));
        expect([error.resource, error.used, error.limit]).toEqual(["instances", 2, 2]);
        expect(await store.servers.get(refused.id, { includeDeleted: true })).toBeUndefined();
        expect(await store.actions.listForServer(refused.id)).toEqual([]);
        expect(await store.quotas.usage("p1")).toEqual({ instances: 2, resourceClasses: { CUSTOM_GPU: 2 } });

        await store.servers.update(first.id, { deletedAt: at(5), vmState: "deleted", taskState: null });
        expect(await store.quotas.usage("p1")).toEqual({ instances: 1, resourceClasses: { CUSTOM_GPU: 1 } });
        await create(store, "p1", quota);
        expect((await store.quotas.usage("p1")).instances).toBe(2);
      });

      it("counts each resource class on its own; an admin's limit wins over the default; -1 is unlimited", async () => {
        const gpu = claim({ resourceClass: "CUSTOM_GPU", defaultClassLimit: 1 });
        const cpu = claim({ resourceClass: "CUSTOM_CPU", defaultClassLimit: 1 });
        await create(store, "p1", gpu);
        await create(store, "p1", cpu);
        const error = await overQuota(create(store, "p1", gpu));
        expect([error.resource, error.used, error.limit]).toEqual(["class:CUSTOM_GPU", 1, 1]);

        expect(await store.quotas.limits("p1")).toEqual({});
        await store.quotas.setLimits("p1", { "class:CUSTOM_GPU": 3, instances: 3 }, at(1));
        expect(await store.quotas.limits("p1")).toEqual({ "class:CUSTOM_GPU": 3, instances: 3 });
        expect(await store.quotas.limits("p2")).toEqual({});
        await create(store, "p1", gpu);
        const instances = await overQuota(create(store, "p1", gpu));
        expect([instances.resource, instances.used, instances.limit]).toEqual(["instances", 3, 3]);
        expect(await store.quotas.usage("p1")).toEqual({ instances: 3, resourceClasses: { CUSTOM_CPU: 1, CUSTOM_GPU: 2 } });

        await store.quotas.setLimits("p1", { instances: -1, "class:CUSTOM_GPU": -1 }, at(2));
        await create(store, "p1", gpu);
        expect((await store.quotas.usage("p1")).resourceClasses).toEqual({ CUSTOM_CPU: 1, CUSTOM_GPU: 3 });
        await store.quotas.clearLimits("p1");
        expect(await store.quotas.limits("p1")).toEqual({});
        await expect(store.quotas.setLimits("p1", { instances: -2 }, at(3))).rejects.toThrow(RangeError);
      });

      it("20 creates at once from two Store instances with a limit of 5: exactly 5 succeed", async () => {
        const [a, b] = await twins();
        const quota = claim({ defaultInstances: 5 });
        const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => create(i % 2 === 0 ? a : b, "p-race", quota)));
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
        for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(OverQuotaError);
        expect((await a.servers.list({ projectId: "p-race" })).length).toBe(5);
        expect(await b.quotas.usage("p-race")).toEqual({ instances: 5, resourceClasses: { CUSTOM_GPU: 5 } });
      });
    });

    describeServerGroupContract(() => store, twins);
    describeFlavorContract(() => store, hooks);

    describeVolumeContract(() => store, twins);

    describeSecretsContract(() => store, hooks, (on, secrets) => hooks.openAnother(on, secrets));
    describeServerListContract(() => store);

    describe("admin audit (issue 11 #8)", () => {
      const audit = (overrides: Partial<records.AdminAuditRecord> = {}): records.AdminAuditRecord => ({
        id: randomUUID(),
        createdAt: at(0),
        userId: "admin-1",
        userName: "admin",
        projectId: "p-admin",
        requestId: `req-${randomUUID()}`,
        resourceType: "project",
        resourceId: "r1",
        resourceName: "r1",
        action: "create",
        changes: {},
        ...overrides,
      });

      it("a create and a delete write their audit row with the change, and not when the change does not happen", async () => {
        const project = projectRecord();
        const created = audit({ resourceId: project.id, changes: { description: "a project" } });
        await store.projects.create(project, created);
        expect(await store.adminAudit.list()).toEqual([created]);
        // A duplicate name: no project, no second row.
        await expect(store.projects.create(projectRecord({ name: project.name }), audit())).rejects.toBeInstanceOf(DuplicateError);
        expect(await store.adminAudit.list()).toHaveLength(1);
        // Deleting what is not there: false and no row.
        expect(await store.projects.delete(randomUUID(), audit({ action: "delete" }))).toBe(false);
        expect(await store.adminAudit.list()).toHaveLength(1);
        const deleted = audit({ resourceId: project.id, action: "delete", createdAt: at(1) });
        expect(await store.projects.delete(project.id, deleted)).toBe(true);
        expect(await store.projects.get(project.id)).toBeUndefined();
        expect((await store.adminAudit.list()).map((row) => row.id)).toEqual([deleted.id, created.id]);
      });

      it("the change and its audit row are one transaction: a failing audit insert keeps neither", async () => {
        const first = audit();
        await store.adminAudit.record(first);
        // The same audit id again: the audit insert fails, so the flavor, image and user change roll back.
        const flavor = flavorRecord();
        await expect(store.flavors.create(flavor, { ...first, resourceType: "flavor" })).rejects.toThrow();
        expect(await store.flavors.get(flavor.id)).toBeUndefined();
        const image = imageRecord();
        await expect(store.images.create(image, { ...first, resourceType: "image" })).rejects.toThrow();
        expect(await store.images.get(image.id)).toBeUndefined();
        const project = projectRecord();
        await store.projects.create(project);
        const user = userRecord(project.id);
        await store.users.create(user);
        await expect(store.users.changeCredentials(user.id, { role: "reader" }, [], { ...first, action: "update" })).rejects.toThrow();
        expect((await store.users.get(user.id))?.role).toBe("member");
        await expect(store.quotas.setLimits(project.id, { instances: 3 }, at(1), first)).rejects.toThrow();
        expect(await store.quotas.limits(project.id)).toEqual({});
        expect(await store.adminAudit.list()).toEqual([first]);
      });

      it("user changes, image deletes and quota changes carry their audit rows", async () => {
        const project = projectRecord();
        await store.projects.create(project);
        const user = userRecord(project.id);
        const made = audit({ resourceType: "user", resourceId: user.id, changes: { role: "member", password: "set" } });
        await store.users.create(user, made);
        expect(await store.users.changeCredentials(randomUUID(), { role: "reader" }, [], audit({ action: "update" }))).toBe(false);
        const changed = audit({ resourceType: "user", resourceId: user.id, action: "update", createdAt: at(1), changes: { role: { from: "member", to: "reader" } } });
        expect(await store.users.changeCredentials(user.id, { role: "reader" }, [], changed)).toBe(true);
        expect((await store.users.get(user.id))?.role).toBe("reader");
        const image = imageRecord();
        await store.images.create(image);
        expect(await store.images.delete(randomUUID(), audit({ action: "delete" }))).toBe(false);
        const imageGone = audit({ resourceType: "image", resourceId: image.id, action: "delete", createdAt: at(2) });
        expect(await store.images.delete(image.id, imageGone)).toBe(true);
        const quotaSet = audit({ resourceType: "quota", resourceId: project.id, action: "update", createdAt: at(3), changes: { instances: { from: null, to: 4 } } });
        await store.quotas.setLimits(project.id, { instances: 4 }, at(3), quotaSet);
        const quotaCleared = audit({ resourceType: "quota", resourceId: project.id, action: "delete", createdAt: at(4) });
        await store.quotas.clearLimits(project.id, quotaCleared);
        expect(await store.quotas.limits(project.id)).toEqual({});
        const userGone = audit({ resourceType: "user", resourceId: user.id, action: "delete", createdAt: at(5) });
        expect(await store.users.delete(user.id, userGone)).toBe(true);
        expect((await store.adminAudit.list()).map((row) => row.id)).toEqual([userGone, quotaCleared, quotaSet, imageGone, changed, made].map((row) => row.id));
      });

      it("lists newest first, filtered by resource, user and time (inclusive), paged by marker", async () => {
        const rows = [
          audit({ createdAt: at(1), resourceType: "flavor", resourceId: "f1", userId: "u1" }),
          audit({ createdAt: at(2), resourceType: "image", resourceId: "i1", userId: "u2" }),
          audit({ createdAt: at(3), resourceType: "flavor", resourceId: "f2", userId: "u1" }),
          audit({ createdAt: at(4), resourceType: "flavor", resourceId: "f1", userId: "u2" }),
        ];
        for (const row of rows) await store.adminAudit.record(row);
        const ids = (list: readonly records.AdminAuditRecord[]): string[] => list.map((row) => row.id);
        const [r1, r2, r3, r4] = ids(rows);
        expect(ids(await store.adminAudit.list())).toEqual([r4, r3, r2, r1]);
        expect(ids(await store.adminAudit.list({ resourceType: "flavor" }))).toEqual([r4, r3, r1]);
        expect(ids(await store.adminAudit.list({ resourceType: "flavor", resourceId: "f1" }))).toEqual([r4, r1]);
        expect(ids(await store.adminAudit.list({ userId: "u2" }))).toEqual([r4, r2]);
        expect(ids(await store.adminAudit.list({ since: at(2), until: at(3) }))).toEqual([r3, r2]);
        expect(ids(await store.adminAudit.list({ limit: 2 }))).toEqual([r4, r3]);
        expect(ids(await store.adminAudit.list({ limit: 2, marker: r3 }))).toEqual([r2, r1]);
        expect(ids(await store.adminAudit.list({ marker: r1 }))).toEqual([]);
        expect(ids(await store.adminAudit.list({ resourceType: "flavor", marker: r3 }))).toEqual([r1]);
      });

      it("rejects an audit record that does not fit its schema", async () => {
        await expect(store.adminAudit.record(audit({ createdAt: "yesterday" }))).rejects.toBeInstanceOf(TypeError);
        expect(await store.adminAudit.list()).toEqual([]);
      });
    });

    describe("workers", () => {
      it("heartbeat registers and refreshes; live() filters by heartbeat; remove()", async () => {
        await store.workers.heartbeat("host-b", at(0));
        await store.workers.heartbeat("host-a", at(1));
        await store.workers.heartbeat("host-b", at(5));
        expect(await store.workers.live(at(0))).toEqual([
          { id: "host-a", startedAt: at(1), heartbeatAt: at(1) },
          { id: "host-b", startedAt: at(0), heartbeatAt: at(5) },
        ]);
        expect((await store.workers.live(at(2))).map((w) => w.id)).toEqual(["host-b"]);
        await store.workers.remove("host-b");
        await store.workers.remove("host-b");
        expect((await store.workers.live(at(0))).map((w) => w.id)).toEqual(["host-a"]);
      });
    });

    describe("corrupt rows", () => {
      it("garbage JSON in a column is a CorruptRecordError naming table and id", async () => {
        const server = serverRecord();
        await store.servers.create(server);
        await hooks.execRaw(store, `UPDATE servers SET metadata = '{not json' WHERE id = '${server.id}'`);
        const error: unknown = await store.servers.get(server.id).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CorruptRecordError);
        expect(String(error)).toContain("servers");
        expect(String(error)).toContain(server.id);
        await expect(store.servers.list()).rejects.toBeInstanceOf(CorruptRecordError);
      });

      it("valid JSON of the wrong shape, or an unknown state, is a CorruptRecordError", async () => {
        const { server, action } = await storedServer(store);
        const task = taskRecord(server, action);
        await store.tasks.enqueue(task);
        await hooks.execRaw(store, `UPDATE tasks SET params = '[1,2]' WHERE id = '${task.id}'`);
        await expect(store.tasks.get(task.id)).rejects.toThrow(CorruptRecordError);
        await expect(store.tasks.lease("w1", at(1), 1000)).rejects.toThrow(new RegExp(`tasks.*${task.id}`));

        const flavor = flavorRecord();
        await store.flavors.create(flavor);
        await hooks.execRaw(store, `UPDATE flavors SET is_public = 7 WHERE id = '${flavor.id}'`);
        await expect(store.flavors.get(flavor.id)).rejects.toThrow(CorruptRecordError);

        await hooks.execRaw(store, `UPDATE servers SET vm_state = 'flying' WHERE id = '${server.id}'`);
        await expect(store.servers.get(server.id)).rejects.toThrow(CorruptRecordError);
      });
    });

    describe("two Store instances on one database", () => {
      it("racing enqueues for the same servers: exactly one winner per server", async () => {
        const [a, b] = await twins();
        const servers = [];
        for (let i = 0; i < 20; i++) servers.push(await storedServer(a));
        const results = await Promise.all(
          servers.map(async ({ server, action }) =>
            Promise.allSettled([
              a.tasks.enqueue(taskRecord(server, action)),
              b.tasks.enqueue(taskRecord(server, action)),
            ]),
          ),
        );
        for (const pair of results) {
          expect(pair.filter((r) => r.status === "fulfilled")).toHaveLength(1);
          for (const r of pair) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(ServerBusyError);
        }
        expect(await b.tasks.listActive()).toHaveLength(20);
      });

      it("racing leases from both instances: every task exactly once", async () => {
        const [a, b] = await twins();
        const ids: string[] = [];
        for (let i = 0; i < 20; i++) {
          const { server, action } = await storedServer(a);
          const task = taskRecord(server, action, { createdAt: at(i), updatedAt: at(i) });
          await a.tasks.enqueue(task);
          ids.push(task.id);
        }
        const [fromA, fromB] = await Promise.all([drain(a, "wa", 4), drain(b, "wb", 4)]);
        expect([...fromA, ...fromB].sort()).toEqual([...ids].sort());
        expect(new Set([...fromA, ...fromB]).size).toBe(20);
      });

      it("20 racing capped leases from both instances never run more deploys than the cap (issue 11 #6)", async () => {
        const [a, b] = await twins();
        for (let i = 0; i < 10; i++) {
          const { server, action } = await storedServer(a);
          await a.tasks.enqueue(taskRecord(server, action, { createdAt: at(i), updatedAt: at(i) }));
        }
        const { server, action } = await storedServer(a);
        const deletion = taskRecord(server, action, { kind: "delete", params: {}, createdAt: at(20), updatedAt: at(20) });
        await a.tasks.enqueue(deletion);
        const leases = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).tasks.lease(`w${i}`, at(100), 60_000, { maxDeploys: 3 })),
        );
        const leased = leases.filter((task) => task !== undefined);
        expect(leased.filter((task) => task.kind === "create")).toHaveLength(3);
        expect(leased.filter((task) => task.kind === "delete").map((task) => task.id)).toEqual([deletion.id]);
        expect(new Set(leased.map((task) => task.id)).size).toBe(leased.length);
        expect((await b.tasks.listActive()).filter((task) => task.status === "running")).toHaveLength(4);
      });

      it("racing compare-and-set from both instances: exactly one wins", async () => {
        const [a, b] = await twins();
        const server = serverRecord({ vmState: "active", taskState: null });
        await a.servers.create(server);
        const results = await Promise.allSettled([
          a.servers.update(server.id, { taskState: "rebooting" }, { taskState: null }),
          b.servers.update(server.id, { taskState: "deleting" }, { taskState: null }),
        ]);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(StaleStateError);
      });
    });

    describeNetworkContract(() => store, twins);
    describeViewVersionContract(() => store, twins);
  });
}
