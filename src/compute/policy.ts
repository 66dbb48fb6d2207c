// Who may do what (S3, S11). Every ComputeApi method names its rule here.
//   reader: GETs in its own project; member: also acts on its project's servers
//   and its own keypairs; admin: everything, all projects.
import { ForbiddenError, NotFoundError, type Caller } from "./contract.js";

export function requireAdmin(caller: Caller): void {
  if (caller.role !== "admin") throw new ForbiddenError("this action needs the admin role");
}

export function requireMember(caller: Caller): void {
  if (caller.role === "reader") throw new ForbiddenError("the reader role may only read");
}

/** Records of other projects are reported as not found, never as forbidden. */
export function requireVisible<T extends { projectId: string }>(caller: Caller, record: T | undefined, what: string, id: string): T {
  if (record === undefined || (caller.role !== "admin" && record.projectId !== caller.projectId)) {
    throw new NotFoundError(`${what} ${id} could not be found.`);
  }
  return record;
}
