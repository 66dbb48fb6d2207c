// Who may see or change networks, subnets and ports: Neutron's default
// policy (neutron/conf/policies), and its errors with Neutron's types.
//   - see: admins everything; others their project's records, and shared
//     networks (with their subnets). What a caller cannot see is "not found".
//   - change: admins, or the owning project's members. A visible record the
//     caller may not change is 403 PolicyNotAuthorized (Neutron's answer too).
//   - admin only: shared networks, provider attributes, another project's
//     project_id, a port's binding:host_id; the network owner (or an admin)
//     also: a port's mac_address and an explicit fixed IP address.
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, type Caller } from "./contract.js";
import { requireMember, requireReader } from "./policy.js";

export type NetworkResource = "Network" | "Subnet" | "Port";

export function notFound(resource: NetworkResource, id: string): NotFoundError {
  return new NotFoundError(`${resource} ${id} could not be found.`, { neutronType: `${resource}NotFound` });
}

/** Neutron's policy refusal: "(rule:create_network and rule:create_network:shared) is disallowed by policy". */
export function policyRefused(action: string, attribute?: string): ForbiddenError {
  const rule = attribute === undefined ? `rule:${action}` : `(rule:${action} and rule:${action}:${attribute})`;
  return new ForbiddenError(`${rule} is disallowed by policy`, { neutronType: "PolicyNotAuthorized" });
}

export function invalidInput(message: string): BadRequestError {
  return new BadRequestError(`Invalid input for operation: ${message}`, { neutronType: "InvalidInput" });
}

export function conflict(neutronType: string, message: string): ConflictError {
  return new ConflictError(message, { neutronType });
}

export const isAdmin = (caller: Caller): boolean => caller.role === "admin";

/** Admins, or the record's own project. */
export function owns(caller: Caller, record: { projectId: string }): boolean {
  return isAdmin(caller) || record.projectId === caller.projectId;
}

/** The record if the caller may see it (owner, admin, or `shared`); NotFound otherwise. */
export function requireSeen<T extends { projectId: string }>(caller: Caller, record: T | undefined, resource: NetworkResource, id: string, shared = false): T {
  requireReader(caller);
  if (record === undefined || !(owns(caller, record) || shared)) throw notFound(resource, id);
  return record;
}

/** A change of `record` (which the caller sees): members of its project, or admins. */
export function requireOwner(caller: Caller, record: { projectId: string }, action: string): void {
  requireMember(caller);
  if (!owns(caller, record)) throw policyRefused(action);
}

/** The project a new record belongs to: the caller's, or (admins only) the one asked for. */
export function projectFor(caller: Caller, asked: string | undefined): string {
  requireMember(caller);
  if (asked === undefined || asked === caller.projectId) return caller.projectId;
  if (!isAdmin(caller)) {
    throw new BadRequestError("Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges", {
      neutronType: "HTTPBadRequest",
    });
  }
  return asked;
}

/** Admin-only attributes: each one given by a non-admin is refused, naming the first. */
export function requireAdminFor(caller: Caller, action: string, given: Readonly<Record<string, unknown>>): void {
  if (isAdmin(caller)) return;
  const first = Object.entries(given).find(([, value]) => value !== undefined)?.[0];
  if (first !== undefined) throw policyRefused(action, first);
}
