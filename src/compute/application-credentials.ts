// Application credentials (Keystone v3): a user's named secret for automation,
// bound to the project of the token that created it, granting a subset of that
// token's roles, with an optional expiry. The secret is bcrypt-hashed (it may be
// chosen by a person) and shown once, in the answer to its creation.
//
// Who: a user manages its own; an admin may read and delete anyone's but create
// only its own (as Keystone). A token issued by a restricted credential can
// neither create nor delete credentials (Keystone's `unrestricted: false`).
import { randomBytes, randomUUID } from "node:crypto";
import type { ApplicationCredentialRecord, Role } from "../store/records.js";
import { DuplicateError, type Store } from "../store/store.js";
import { creationIso, nowIso } from "./clock.js";
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  QuotaExceededError,
  type ApplicationCredentialView,
  type Caller,
  type NewApplicationCredential,
} from "./contract.js";
import { BCRYPT_COST, MAX_PASSWORD_BYTES } from "./identity.js";
import type { PasswordHasher } from "./password-workers.js";
import { requireReader } from "./policy.js";
import { impliedRoles, roleByKey } from "./roles.js";

const MAX_NAME = 255;
const MAX_DESCRIPTION = 255;

function publicView({ secretHash: _hash, createdAt: _created, ...credential }: ApplicationCredentialRecord): ApplicationCredentialView {
  return credential;
}

export class ApplicationCredentials {
  constructor(
    private readonly store: Store,
    private readonly hasher: PasswordHasher,
    private readonly maxPerUser: number,
  ) {}

  async create(caller: Caller, userId: string, request: NewApplicationCredential): Promise<{ credential: ApplicationCredentialView; secret: string }> {
    if (caller.userId !== userId) throw new ForbiddenError("you can create application credentials only for yourself");
    this.requireUnrestricted(caller);
    if (caller.projectId === "") throw new ForbiddenError("application credentials are created with a project-scoped token");
    const name = request.name.trim();
    if (name === "" || name.length > MAX_NAME) throw new BadRequestError(`names are 1-${MAX_NAME} characters`);
    const description = request.description ?? "";
    if (description.length > MAX_DESCRIPTION) throw new BadRequestError(`descriptions are at most ${MAX_DESCRIPTION} characters`);
    const roles = this.grantedRoles(caller.role, request.roles);
    const expiresAt = request.expiresAt ?? null;
    if (expiresAt !== null && expiresAt <= nowIso()) throw new BadRequestError("expires_at must be in the future");
    const secret = request.secret ?? randomBytes(48).toString("base64url");
    if (secret.length === 0 || Buffer.byteLength(secret, "utf8") > MAX_PASSWORD_BYTES) {
      throw new BadRequestError(`secrets are 1-${MAX_PASSWORD_BYTES} bytes (UTF-8)`);
    }
    if ((await this.store.applicationCredentials.list(userId)).length >= this.maxPerUser) {
      throw new QuotaExceededError(`a user may hold at most ${this.maxPerUser} application credentials`);
    }
    const record: ApplicationCredentialRecord = {
      id: randomUUID().replaceAll("-", ""),
      userId,
      projectId: caller.projectId,
      name,
      description,
      secretHash: await this.hasher.hash(secret, BCRYPT_COST),
      roles,
      unrestricted: request.unrestricted ?? false,
      expiresAt,
      createdAt: creationIso(),
    };
    try {
      await this.store.applicationCredentials.create(record);
    } catch (error) {
      if (error instanceof DuplicateError) throw new ConflictError(`an application credential named '${name}' exists`);
      throw error;
    }
    return { credential: publicView(record), secret };
  }

  async list(caller: Caller, userId: string, name?: string): Promise<ApplicationCredentialView[]> {
    this.requireOwnerOrAdmin(caller, userId);
    const all = await this.store.applicationCredentials.list(userId);
    return all.filter((credential) => name === undefined || credential.name === name).map(publicView);
  }

  async get(caller: Caller, userId: string, id: string): Promise<ApplicationCredentialView> {
    return publicView(await this.find(caller, userId, id));
  }

  async delete(caller: Caller, userId: string, id: string): Promise<void> {
    this.requireUnrestricted(caller);
    const credential = await this.find(caller, userId, id);
    if (!(await this.store.applicationCredentials.delete(credential.id))) throw notFound(id);
  }

  private async find(caller: Caller, userId: string, id: string): Promise<ApplicationCredentialRecord> {
    this.requireOwnerOrAdmin(caller, userId);
    const credential = await this.store.applicationCredentials.get(id);
    if (credential === undefined || credential.userId !== userId) throw notFound(id);
    return credential;
  }

  /** The roles asked for (names or ids), each one the caller's token holds; all of them by default. */
  private grantedRoles(callerRole: Role, asked: readonly string[] | undefined): Role[] {
    const held = impliedRoles(callerRole);
    if (asked === undefined || asked.length === 0) return held;
    const roles: Role[] = [];
    for (const key of asked) {
      const role = roleByKey(key);
      if (role === undefined) throw new BadRequestError(`there is no role '${key}'`);
      if (!held.includes(role)) throw new ForbiddenError(`your token does not hold the role ${role}`);
      if (!roles.includes(role)) roles.push(role);
    }
    return roles;
  }

  private requireOwnerOrAdmin(caller: Caller, userId: string): void {
    requireReader(caller);
    // Not yours: the same 404 as a missing one would be, for the user as a whole.
    if (caller.userId !== userId && caller.role !== "admin") throw new NotFoundError(`user ${userId} could not be found.`);
  }

  private requireUnrestricted(caller: Caller): void {
    if (caller.applicationCredential !== undefined && !caller.applicationCredential.unrestricted) {
      throw new ForbiddenError("a token from a restricted application credential cannot manage application credentials");
    }
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`Could not find application credential: ${id}.`);
}
