// Who may do what (S3, S11). Every ComputeApi method names its rule here.
//   reader: GETs in its own project; member: also acts on its project's servers
//   and its own keypairs; admin: everything, all projects.
//   service: os-server-external-events only (Ironic's power notifications);
//   every other method refuses it, reads included.
import { ConflictError, ForbiddenError, NotFoundError, type Caller } from "./contract.js";

export function requireAdmin(caller: Caller): void {
  if (caller.role !== "admin") throw new ForbiddenError("this action needs the admin role");
}

/** Reads: any project role; the service role reads nothing. */
export function requireReader(caller: Caller): void {
  if (caller.role === "service") throw new ForbiddenError("the service role may only post server external events");
}

export function requireMember(caller: Caller): void {
  if (caller.role === "admin" || caller.role === "member") return;
  if (caller.role === "reader") throw new ForbiddenError("the reader role may only read");
  throw new ForbiddenError("the service role may only post server external events");
}

/** os-server-external-events: the service role, or an admin. */
export function requireService(caller: Caller): void {
  if (caller.role !== "service" && caller.role !== "admin") throw new ForbiddenError("posting server external events needs the service or admin role");
}

/** Records of other projects are reported as not found, never as forbidden. */
export function requireVisible<T extends { projectId: string }>(caller: Caller, record: T | undefined, what: string, id: string): T {
  requireReader(caller);
  if (record === undefined || (caller.role !== "admin" && record.projectId !== caller.projectId)) {
    throw new NotFoundError(`${what} ${id} could not be found.`);
  }
  return record;
}

/**
 * Nova's check_instance_lock: a locked server refuses the guarded operations
 * to everyone but admins (409, Nova's InstanceIsLocked message).
 */
export function requireUnlocked(caller: Caller, server: { id: string; locked: boolean }): void {
  if (server.locked && caller.role !== "admin") throw new ConflictError(`Instance ${server.id} is locked`);
}
