// Pure checks of src/compute/quotas.ts, written for the mutation run: the
// resource-class spellings and their tighter limit, what a multi-create may make
// (Nova's check_num_instances_quota) and its refusal text, and the Quotas service
// (who may read which project's, what show/detail list, what update refuses and
// audits) against a stub of the few store parts it uses.
import { describe, expect, it } from "vitest";
import { refusal } from "../support/refusal.js";
import { BadRequestError, ForbiddenError, QuotaExceededError, type Caller, type QuotaLimits } from "../../src/compute/contract.js";
import { allowedCount, quotaClaim, quotaExceeded, Quotas, type FixedLimits } from "../../src/compute/quotas.js";
import type { AdminAuditRecord, ProjectRecord, Role } from "../../src/store/records.js";
import { OverQuotaError, type QuotaClaim, type QuotaUsage, type Store } from "../../src/store/store.js";

interface StubState {
  limits?: Record<string, number>;
  usage?: QuotaUsage;
  groups?: number;
  projects?: ProjectRecord[];
}

/**
 * A stub of the store parts quotas use (quotas.*, projects.get,
 * serverGroups.countByProject), for one project's limits; setLimits and
 * clearLimits change them as the real store does and are recorded.
 */
function stubStore(state: StubState = {}) {
  let limits: Record<string, number> = { ...state.limits };
  const usage: QuotaUsage = state.usage ?? { instances: 0, resourceClasses: {} };
  const writes: Array<{ op: "set"; projectId: string; limits: Record<string, number>; now: string; audit: AdminAuditRecord | undefined } | { op: "clear"; projectId: string; audit: AdminAuditRecord | undefined }> = [];
  const reads: string[] = [];
  const stub = {
    quotas: {
      limits: (projectId: string) => {
        reads.push(`limits ${projectId}`);
        return Promise.resolve({ ...limits });
      },
      usage: (projectId: string) => {
        reads.push(`usage ${projectId}`);
        return Promise.resolve(usage);
      },
      setLimits: (projectId: string, wanted: Readonly<Record<string, number>>, now: string, audit?: AdminAuditRecord) => {
        writes.push({ op: "set", projectId, limits: { ...wanted }, now, audit });
        limits = { ...limits, ...wanted };
        return Promise.resolve();
      },
      clearLimits: (projectId: string, audit?: AdminAuditRecord) => {
        writes.push({ op: "clear", projectId, audit });
        limits = {};
        return Promise.resolve();
      },
    } satisfies Store["quotas"],
    projects: { get: (id: string) => Promise.resolve((state.projects ?? []).find((project) => project.id === id)) },
    serverGroups: { countByProject: () => Promise.resolve(state.groups ?? 0) },
  };
  // Only the parts above are ever called; the cast is confined to this stub.
  return { store: stub as unknown as Store, writes, reads };
}

const caller = (role: Role, projectId = "p1"): Caller => ({ userId: `u-${role}`, userName: `${role}-user`, projectId, role, requestId: "req-q" });
const FIXED: FixedLimits = { keyPairs: 100, metadataItems: 128, serverGroups: 10, serverGroupMembers: 12 };
const PROJECT: ProjectRecord = { id: "p1", name: "one", description: "", createdAt: "2026-01-01T00:00:00.000Z" };

describe("quotaClaim and resource-class spellings", () => {
  it("names the class's default limit by its Placement name, -1 when the config names none", () => {
    expect(quotaClaim({ instances: 5, resourceClasses: { "baremetal-gold": 3 } }, "CUSTOM_BAREMETAL_GOLD")).toEqual({ resourceClass: "CUSTOM_BAREMETAL_GOLD", defaultInstances: 5, defaultClassLimit: 3 });
    expect(quotaClaim({ instances: -1, resourceClasses: { CUSTOM_GPU: 0 } }, "CUSTOM_GPU")).toEqual({ resourceClass: "CUSTOM_GPU", defaultInstances: -1, defaultClassLimit: 0 });
    expect(quotaClaim({ instances: 5, resourceClasses: { gpu: 3 } }, "CUSTOM_OTHER")).toEqual({ resourceClass: "CUSTOM_OTHER", defaultInstances: 5, defaultClassLimit: -1 });
  });

  it("keeps the tighter of two spellings of one class, -1 counting as no limit", () => {
    const table: Array<[Record<string, number>, number]> = [
      [{ gpu: 3, CUSTOM_GPU: 5 }, 3],
      [{ gpu: 5, CUSTOM_GPU: 3 }, 3],
      [{ gpu: -1, CUSTOM_GPU: 4 }, 4],
      [{ gpu: 4, CUSTOM_GPU: -1 }, 4],
      [{ gpu: -1, CUSTOM_GPU: -1 }, -1],
      [{ gpu: 0, CUSTOM_GPU: 5 }, 0],
      [{ gpu: 5, CUSTOM_GPU: 0 }, 0],
      [{ gpu: 2, "custom-gpu": 7, CUSTOM_GPU: 1 }, 1],
    ];
    for (const [resourceClasses, limit] of table) {
      expect([resourceClasses, quotaClaim({ instances: -1, resourceClasses }, "CUSTOM_GPU").defaultClassLimit]).toEqual([resourceClasses, limit]);
    }
  });

  it("refuses a class name that names nothing, quoting at most 64 characters of it", () => {
    expect(() => quotaClaim({ instances: -1, resourceClasses: { "custom-": 1 } }, "CUSTOM_GPU")).toThrow(new BadRequestError("Invalid resource class custom-"));
    const long = `custom${"-".repeat(80)}`;
    expect(() => quotaClaim({ instances: -1, resourceClasses: { [long]: 1 } }, "CUSTOM_GPU")).toThrow(new BadRequestError(`Invalid resource class ${long.slice(0, 64)}`));
  });
});

describe("quotaExceeded", () => {
  it("words the refusal as Nova's TooManyInstances", () => {
    const error = quotaExceeded(new OverQuotaError("instances", 4, 4));
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(error.message).toBe("Quota exceeded for instances: Requested 1, but already used 4 of 4 instances");
    expect(quotaExceeded(new OverQuotaError("class:CUSTOM_GPU", 1, 2, 3)).message).toBe("Quota exceeded for class:CUSTOM_GPU: Requested 3, but already used 1 of 2 class:CUSTOM_GPU");
    expect(quotaExceeded(new OverQuotaError("instances", 1, 2, 3), "3-5").message).toBe("Quota exceeded for instances: Requested 3-5, but already used 1 of 2 instances");
  });
});

describe("allowedCount", () => {
  const GPU = "CUSTOM_GPU";
  const claim = (defaultInstances: number, defaultClassLimit: number): QuotaClaim => ({ resourceClass: GPU, defaultInstances, defaultClassLimit });
  const usage = (instances: number, gpu?: number): QuotaUsage => ({ instances, resourceClasses: gpu === undefined ? { CUSTOM_OTHER: 9 } : { [GPU]: gpu, CUSTOM_OTHER: 9 } });
  const exceeded = (resource: string, requested: string, used: number, limit: number) =>
    `Quota exceeded for ${resource}: Requested ${requested}, but already used ${used} of ${limit} ${resource}`;

  // [case, limits an admin set, usage, claim, min, max, count or refusal]
  const table: Array<[string, Record<string, number>, QuotaUsage, QuotaClaim, number, number, number | string]> = [
    ["unlimited", {}, usage(100, 50), claim(-1, -1), 1, 5, 5],
    ["room for max exactly", {}, usage(3), claim(10, -1), 1, 7, 7],
    ["room for fewer than max", {}, usage(3), claim(10, -1), 1, 8, 7],
    ["room for min exactly", {}, usage(8), claim(10, -1), 2, 5, 2],
    ["no room for min", {}, usage(8), claim(10, -1), 3, 5, exceeded("instances", "3-5", 8, 10)],
    ["no room for min = max", {}, usage(8), claim(10, -1), 3, 3, exceeded("instances", "3", 8, 10)],
    ["a zero limit allows none", {}, usage(0), claim(0, -1), 1, 1, exceeded("instances", "1", 0, 0)],
    ["an admin's limit beats the default", { instances: 4 }, usage(3), claim(10, -1), 1, 3, 1],
    ["an admin's -1 lifts the default", { instances: -1 }, usage(3), claim(2, -1), 1, 3, 3],
    ["the class limit", {}, usage(0, 1), claim(-1, 2), 1, 3, 1],
    ["an unused class", {}, usage(0), claim(-1, 1), 1, 2, 1],
    ["another class's use does not count", {}, usage(0), claim(-1, 2), 1, 2, 2],
    ["an admin's class limit beats the default", { "class:CUSTOM_GPU": 5 }, usage(0, 1), claim(-1, 1), 1, 4, 4],
    ["an admin's class -1 lifts the default", { "class:CUSTOM_GPU": -1 }, usage(0, 1), claim(-1, 1), 1, 4, 4],
    ["the tighter class is named", {}, usage(5, 1), claim(10, 3), 3, 6, exceeded("class:CUSTOM_GPU", "3-6", 1, 3)],
    ["the tighter instances are named", {}, usage(3, 0), claim(4, 2), 2, 4, exceeded("instances", "2-4", 3, 4)],
    ["the tighter of both allows some", {}, usage(5, 1), claim(10, 3), 1, 6, 2],
    ["equal room: instances are named", {}, usage(2, 1), claim(4, 3), 3, 4, exceeded("instances", "3-4", 2, 4)],
    ["a class used beyond its limit has no room, not less", {}, usage(4, 5), claim(4, 3), 1, 2, exceeded("instances", "1-2", 4, 4)],
  ];

  it("allows max when the quota does, else what is left if at least min, else Nova's refusal", async () => {
    for (const [name, limits, used, quota, min, max, expected] of table) {
      const { store, reads } = stubStore({ limits, usage: used });
      const outcome = await allowedCount(store, quota, "p1", min, max).then(
        (count) => count,
        (error: unknown) => (error instanceof QuotaExceededError ? error.message : error),
      );
      expect([name, outcome]).toEqual([name, expected]);
      expect(reads.sort()).toEqual(["limits p1", "usage p1"]);
    }
  });
});

describe("Quotas", () => {
  const defaults = { instances: 10, resourceClasses: { gpu: 2, CUSTOM_SLOW: 6 } };
  const state = (): StubState => ({
    limits: { instances: 7, "class:CUSTOM_FAST": 1, "class:CUSTOM_GPU": 4 },
    usage: { instances: 3, resourceClasses: { CUSTOM_SLOW: 2, CUSTOM_GPU: 1, CUSTOM_ZED: 1 } },
    groups: 2,
    projects: [PROJECT],
  });

  it("shows the defaults, classes by their Placement names, to any reader; a copy each time", async () => {
    const quotas = new Quotas(stubStore().store, defaults, FIXED);
    const shown = await quotas.defaults(caller("reader"), "p-any");
    const expected: QuotaLimits = { ...FIXED, instances: 10, resourceClasses: { CUSTOM_GPU: 2, CUSTOM_SLOW: 6 } };
    expect(shown).toEqual(expected);
    shown.resourceClasses.CUSTOM_GPU = 99;
    expect(await quotas.defaults(caller("admin"), "p-any")).toEqual(expected);
    expect(() => quotas.defaults(caller("service"), "p1")).toThrow(new ForbiddenError("the service role may only post server external events"));
  });

  it("details limits and use of every resource: instances, configured, limited and used classes, sorted", async () => {
    const quotas = new Quotas(stubStore(state()).store, defaults, FIXED);
    const detail = await quotas.detail(caller("member"), "p1");
    expect(detail).toEqual({
      keyPairs: 100,
      metadataItems: 128,
      serverGroupMembers: 12,
      serverGroups: { limit: 10, inUse: 2 },
      instances: { limit: 7, inUse: 3 },
      resourceClasses: {
        CUSTOM_FAST: { limit: 1, inUse: 0 },
        CUSTOM_GPU: { limit: 4, inUse: 1 },
        CUSTOM_SLOW: { limit: 6, inUse: 2 },
        CUSTOM_ZED: { limit: -1, inUse: 1 },
      },
    });
    expect(Object.keys(detail.resourceClasses)).toEqual(["CUSTOM_FAST", "CUSTOM_GPU", "CUSTOM_SLOW", "CUSTOM_ZED"]);
    const plain = await new Quotas(stubStore().store, defaults, FIXED).detail(caller("member"), "p1");
    expect(plain.instances).toEqual({ limit: 10, inUse: 0 });
    expect(plain.serverGroups).toEqual({ limit: 10, inUse: 0 });
    expect(plain.resourceClasses).toEqual({ CUSTOM_GPU: { limit: 2, inUse: 0 }, CUSTOM_SLOW: { limit: 6, inUse: 0 } });
  });

  it("shows the limits of the same resources", async () => {
    const quotas = new Quotas(stubStore(state()).store, defaults, FIXED);
    expect(await quotas.show(caller("reader"), "p1")).toEqual({
      keyPairs: 100,
      metadataItems: 128,
      serverGroups: 10,
      serverGroupMembers: 12,
      instances: 7,
      resourceClasses: { CUSTOM_FAST: 1, CUSTOM_GPU: 4, CUSTOM_SLOW: 6, CUSTOM_ZED: -1 },
    });
  });

  it("lets readers see their own project's quotas and admins any project's", async () => {
    const quotas = new Quotas(stubStore(state()).store, defaults, FIXED);
    for (const rule of ["show", "detail"] as const) {
      const read = (who: Caller, projectId: string) => (rule === "show" ? quotas.show(who, projectId) : quotas.detail(who, projectId));
      for (const role of ["reader", "member", "admin"] as const) await expect(read(caller(role, "p1"), "p1")).resolves.toBeDefined();
      await expect(read(caller("admin", "p-admin"), "p1")).resolves.toBeDefined();
      for (const role of ["reader", "member"] as const) {
        expect(await refusal(read(caller(role, "p2"), "p1"))).toEqual(new ForbiddenError(`Policy doesn't allow os_compute_api:os-quota-sets:${rule} to be performed.`));
      }
      expect(await refusal(read(caller("service", "p1"), "p1"))).toEqual(new ForbiddenError("the service role may only post server external events"));
    }
  });

  it("updates an existing project's limits for admins only, audited with what changed", async () => {
    const stub = stubStore(state());
    const quotas = new Quotas(stub.store, defaults, FIXED);
    expect(await refusal(quotas.update(caller("member"), "p1", { instances: 9 }))).toEqual(new ForbiddenError("this action needs the admin role"));
    expect(await refusal(quotas.update(caller("admin"), "p-gone", { instances: 9 }))).toEqual(new BadRequestError("Project ID p-gone is not a valid project."));
    expect(stub.writes).toEqual([]);

    const shown = await quotas.update(caller("admin", "p-admin"), "p1", { instances: 3, resourceClasses: { gpu: 1, "new-class": 0 } });
    expect(shown.instances).toBe(3);
    expect(shown.resourceClasses).toEqual({ CUSTOM_FAST: 1, CUSTOM_GPU: 1, CUSTOM_NEW_CLASS: 0, CUSTOM_SLOW: 6, CUSTOM_ZED: -1 });
    expect(stub.writes).toHaveLength(1);
    const [write] = stub.writes;
    expect(write).toMatchObject({ op: "set", projectId: "p1", limits: { instances: 3, "class:CUSTOM_GPU": 1, "class:CUSTOM_NEW_CLASS": 0 } });
    if (write?.op !== "set") throw new Error("expected setLimits");
    expect(write.now).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(write.audit).toMatchObject({
      userId: "u-admin",
      projectId: "p-admin",
      resourceType: "quota",
      resourceId: "p1",
      resourceName: "one",
      action: "update",
      changes: { instances: { from: 7, to: 3 }, "class:CUSTOM_GPU": { from: 4, to: 1 }, "class:CUSTOM_NEW_CLASS": { from: null, to: 0 } },
    });
  });

  it("changes only what the request names", async () => {
    const stub = stubStore(state());
    const quotas = new Quotas(stub.store, defaults, FIXED);
    await quotas.update(caller("admin"), "p1", { resourceClasses: { CUSTOM_FAST: 2 } });
    await quotas.update(caller("admin"), "p1", { instances: 8 });
    await quotas.update(caller("admin"), "p1", {});
    // Strict: a key present as undefined would be a change too.
    expect(stub.writes.map((write) => (write.op === "set" ? write.limits : undefined))).toStrictEqual([{ "class:CUSTOM_FAST": 2 }, { instances: 8 }, {}]);
    expect(stub.writes.map((write) => write.audit?.changes)).toStrictEqual([{ "class:CUSTOM_FAST": { from: 1, to: 2 } }, { instances: { from: 7, to: 8 } }, {}]);
  });

  it("refuses a limit below what is in use unless forced; -1 and the used count itself pass", async () => {
    const stub = stubStore(state());
    const quotas = new Quotas(stub.store, defaults, FIXED);
    const admin = caller("admin");
    expect(await refusal(quotas.update(admin, "p1", { instances: 2 }))).toEqual(
      new BadRequestError("Quota limit 2 for instances must be greater than or equal to already used and reserved 3."),
    );
    expect(await refusal(quotas.update(admin, "p1", { resourceClasses: { slow: 1 } }))).toEqual(
      new BadRequestError("Quota limit 1 for class:CUSTOM_SLOW must be greater than or equal to already used and reserved 2."),
    );
    expect(await refusal(quotas.update(admin, "p1", { instances: 5, resourceClasses: { CUSTOM_GPU: 0 }, force: false }))).toEqual(
      new BadRequestError("Quota limit 0 for class:CUSTOM_GPU must be greater than or equal to already used and reserved 1."),
    );
    expect(stub.writes).toEqual([]);
    await quotas.update(admin, "p1", { instances: 3, resourceClasses: { CUSTOM_SLOW: 2, CUSTOM_GPU: -1, CUSTOM_UNUSED: 0 } });
    await quotas.update(admin, "p1", { instances: -1 });
    await quotas.update(admin, "p1", { instances: 0, resourceClasses: { CUSTOM_SLOW: 0 }, force: true });
    expect(stub.writes.map((write) => (write.op === "set" ? write.limits : undefined))).toEqual([
      { instances: 3, "class:CUSTOM_SLOW": 2, "class:CUSTOM_GPU": -1, "class:CUSTOM_UNUSED": 0 },
      { instances: -1 },
      { instances: 0, "class:CUSTOM_SLOW": 0 },
    ]);
  });

  it("resets a project's limits for admins only, audited as each set limit going back to the default", async () => {
    const stub = stubStore(state());
    const quotas = new Quotas(stub.store, defaults, FIXED);
    expect(await refusal(quotas.reset(caller("reader"), "p1"))).toEqual(new ForbiddenError("this action needs the admin role"));
    expect(stub.writes).toEqual([]);
    await quotas.reset(caller("admin"), "p1");
    expect(stub.writes).toEqual([
      {
        op: "clear",
        projectId: "p1",
        audit: expect.objectContaining({
          resourceType: "quota",
          resourceId: "p1",
          resourceName: "one",
          action: "delete",
          changes: { instances: { from: 7, to: null }, "class:CUSTOM_FAST": { from: 1, to: null }, "class:CUSTOM_GPU": { from: 4, to: null } },
        }) as unknown,
      },
    ]);
    expect((await quotas.show(caller("admin"), "p1")).instances).toBe(10);
    // A project removed meanwhile is still reset, its name unknown.
    const orphan = stubStore({ limits: { instances: 1 } });
    await new Quotas(orphan.store, defaults, FIXED).reset(caller("admin"), "p-gone");
    expect(orphan.writes[0]?.audit).toMatchObject({ resourceId: "p-gone", resourceName: "", changes: { instances: { from: 1, to: null } } });
  });
});
