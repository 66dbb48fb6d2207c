// Pure checks of the role rules (S3, S11): written for the mutation run, they pin
// every branch of src/compute/policy.ts and src/compute/roles.ts without a service.
import { describe, expect, it } from "vitest";
import { ConflictError, ForbiddenError, NotFoundError, type Caller } from "../../src/compute/contract.js";
import { requireAdmin, requireMember, requireReader, requireService, requireUnlocked, requireVisible } from "../../src/compute/policy.js";
import { impliedRoles, roleAllows, roleByKey, roleId, ROLES, strongestOf, weakerOf } from "../../src/compute/roles.js";
import type { Role } from "../../src/store/records.js";

const caller = (role: Role, projectId = "p1"): Caller => ({ userId: "u", userName: "u", projectId, role, requestId: "req-1" });

describe("policy", () => {
  it("requireAdmin passes only admins", () => {
    expect(() => { requireAdmin(caller("admin")); }).not.toThrow();
    for (const role of ["member", "reader", "service"] as const) {
      expect(() => { requireAdmin(caller(role)); }).toThrow(new ForbiddenError("this action needs the admin role"));
    }
  });

  it("requireReader refuses the service role only", () => {
    for (const role of ["admin", "member", "reader"] as const) expect(() => { requireReader(caller(role)); }).not.toThrow();
    expect(() => { requireReader(caller("service")); }).toThrow(new ForbiddenError("the service role may only post server external events"));
  });

  it("requireMember passes admins and members, says why to readers and the service", () => {
    expect(() => { requireMember(caller("admin")); }).not.toThrow();
    expect(() => { requireMember(caller("member")); }).not.toThrow();
    expect(() => { requireMember(caller("reader")); }).toThrow(new ForbiddenError("the reader role may only read"));
    expect(() => { requireMember(caller("service")); }).toThrow(new ForbiddenError("the service role may only post server external events"));
  });

  it("requireService passes the service and admins", () => {
    expect(() => { requireService(caller("service")); }).not.toThrow();
    expect(() => { requireService(caller("admin")); }).not.toThrow();
    for (const role of ["member", "reader"] as const) {
      expect(() => { requireService(caller(role)); }).toThrow(new ForbiddenError("posting server external events needs the service or admin role"));
    }
  });

  it("requireVisible answers another project's record exactly like a missing one", () => {
    const record = { projectId: "p1", id: "s1" };
    expect(requireVisible(caller("reader"), record, "Instance", "s1")).toBe(record);
    expect(requireVisible(caller("admin", "p2"), record, "Instance", "s1")).toBe(record);
    const missing = new NotFoundError("Instance s1 could not be found.");
    expect(() => { requireVisible(caller("member", "p2"), record, "Instance", "s1"); }).toThrow(missing);
    expect(() => { requireVisible(caller("member"), undefined, "Instance", "s1"); }).toThrow(missing);
    expect(() => { requireVisible(caller("admin"), undefined, "Instance", "s1"); }).toThrow(missing);
    expect(() => { requireVisible(caller("service"), record, "Instance", "s1"); }).toThrow(ForbiddenError);
  });

  it("requireUnlocked refuses a locked server to all but admins", () => {
    expect(() => { requireUnlocked(caller("member"), { id: "s1", locked: false }); }).not.toThrow();
    expect(() => { requireUnlocked(caller("admin"), { id: "s1", locked: true }); }).not.toThrow();
    expect(() => { requireUnlocked(caller("member"), { id: "s1", locked: true }); }).toThrow(new ConflictError("Instance s1 is locked"));
  });
});

describe("roles", () => {
  it("roleAllows follows the ladder, with service apart", () => {
    const table: [Role, Role, boolean][] = [
      ["admin", "admin", true], ["admin", "member", true], ["admin", "reader", true], ["admin", "service", true],
      ["member", "admin", false], ["member", "member", true], ["member", "reader", true], ["member", "service", false],
      ["reader", "admin", false], ["reader", "member", false], ["reader", "reader", true], ["reader", "service", false],
      ["service", "admin", false], ["service", "member", false], ["service", "reader", false], ["service", "service", true],
    ];
    for (const [role, needed, allowed] of table) expect([role, needed, roleAllows(role, needed)]).toEqual([role, needed, allowed]);
  });

  it("impliedRoles lists the roles a token shows, strongest first", () => {
    expect(impliedRoles("admin")).toEqual(["admin", "member", "reader"]);
    expect(impliedRoles("member")).toEqual(["member", "reader"]);
    expect(impliedRoles("reader")).toEqual(["reader"]);
    expect(impliedRoles("service")).toEqual(["service"]);
  });

  it("roleId is a stable 32-hex id, distinct per role, and roleByKey maps names and ids back", () => {
    expect(ROLES).toEqual(["admin", "member", "reader", "service"]);
    const ids = ROLES.map(roleId);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(4);
    expect(roleId("admin")).toBe(roleId("admin"));
    for (const role of ROLES) {
      expect(roleByKey(role)).toBe(role);
      expect(roleByKey(roleId(role))).toBe(role);
    }
    expect(roleByKey("owner")).toBeUndefined();
    expect(roleByKey("")).toBeUndefined();
  });

  it("strongestOf picks the strongest ladder role and refuses a mix with service", () => {
    expect(strongestOf([])).toBeUndefined();
    expect(strongestOf(["reader", "member"])).toBe("member");
    expect(strongestOf(["member", "reader"])).toBe("member");
    expect(strongestOf(["reader", "admin", "member"])).toBe("admin");
    expect(strongestOf(["reader"])).toBe("reader");
    expect(strongestOf(["service"])).toBe("service");
    expect(strongestOf(["service", "service"])).toBe("service");
    expect(strongestOf(["service", "reader"])).toBeUndefined();
    expect(strongestOf(["admin", "service"])).toBeUndefined();
  });

  it("weakerOf keeps the weaker role, none across service and the ladder", () => {
    expect(weakerOf("admin", "member")).toBe("member");
    expect(weakerOf("reader", "admin")).toBe("reader");
    expect(weakerOf("member", "member")).toBe("member");
    expect(weakerOf("service", "service")).toBe("service");
    expect(weakerOf("service", "admin")).toBe("service");
    expect(weakerOf("admin", "service")).toBe("service");
    expect(weakerOf("service", "reader")).toBeUndefined();
    expect(weakerOf("member", "service")).toBeUndefined();
  });
});
