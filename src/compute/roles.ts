// The role ladder, one home for it: reader < member < admin, each allowing what
// the one before allows (Keystone's default implied roles: admin implies member
// implies reader). `service` stands apart: it implies nothing and is implied by
// nothing but admin's right to post server external events.
import { createHash } from "node:crypto";
import type { Role } from "../store/records.js";

const RANK: Readonly<Record<Exclude<Role, "service">, number>> = { reader: 0, member: 1, admin: 2 };

/**
 * Whether `role` may call something that needs `needed`. The service role is
 * outside the ladder: it passes only what needs "service" (which admins pass too).
 */
export function roleAllows(role: Role, needed: Role): boolean {
  if (needed === "service") return role === "service" || role === "admin";
  if (role === "service") return false;
  return RANK[role] >= RANK[needed];
}

/** The roles a token with `role` lists, strongest first (Keystone lists implied roles too). */
export function impliedRoles(role: Role): Role[] {
  switch (role) {
    case "admin":
      return ["admin", "member", "reader"];
    case "member":
      return ["member", "reader"];
    case "reader":
      return ["reader"];
    case "service":
      return ["service"];
  }
}

/** A role's id as tokens show it: stable, hex like Keystone's (clients pass either). */
export function roleId(role: Role): string {
  return createHash("sha256").update(`ironic-compute role ${role}`).digest("hex").slice(0, 32);
}

export const ROLES: readonly Role[] = ["admin", "member", "reader", "service"];

/** The role named or identified by `key` (a name or a roleId), if any. */
export function roleByKey(key: string): Role | undefined {
  return ROLES.find((role) => role === key || roleId(role) === key);
}

/**
 * The one role that grants exactly the roles listed (a subset of the implied
 * roles of some role): the strongest listed. Undefined for an empty list or a
 * mix of the ladder and `service`.
 */
export function strongestOf(roles: readonly Role[]): Role | undefined {
  if (roles.includes("service")) return roles.every((role) => role === "service") ? "service" : undefined;
  let best: Role | undefined;
  for (const role of roles) if (best === undefined || roleAllows(role, best)) best = role;
  return best;
}

/** The weaker of two roles (what an application credential keeps once its user is demoted). */
export function weakerOf(a: Role, b: Role): Role | undefined {
  if (roleAllows(a, b)) return b;
  if (roleAllows(b, a)) return a;
  return undefined;
}
