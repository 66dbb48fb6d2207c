// Projects and users: bcrypt password hashes, roles, admin-only management.
import { randomUUID } from "node:crypto";
import type { ProjectRecord, Role, UserRecord } from "../store/records.js";
import { DuplicateError, type Store } from "../store/store.js";
import { creationIso } from "./clock.js";
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, type Caller, type UserRef } from "./contract.js";
import type { PasswordHasher } from "./password-workers.js";
import { auditOf, changedFields } from "./admin-audit.js";
import { requireAdmin } from "./policy.js";
import { impliedRoles } from "./roles.js";

export const BCRYPT_COST = 10;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
const MIN_PASSWORD = 8;
/** bcrypt reads only the first 72 bytes: longer passwords would match on a prefix. */
export const MAX_PASSWORD_BYTES = 72;
// A hash to compare against when the user does not exist, so a wrong user name
// costs the same time as a wrong password (no user-existence oracle). Same cost
// as real hashes; of a random password nobody knows (made once, offline).
export const DUMMY_HASH = "$2b$10$d3IJYIQCSk7hxsDOxmtia./qfZnsJZK2sOXP.zwwL3NngP5ZykRYe";

/** The password rules, for new users and changed passwords alike. */
function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD) throw new BadRequestError(`passwords have at least ${MIN_PASSWORD} characters`);
  if (Buffer.byteLength(password, "utf8") > MAX_PASSWORD_BYTES) {
    throw new BadRequestError(`passwords are at most ${MAX_PASSWORD_BYTES} bytes (UTF-8); bcrypt ignores the rest`);
  }
}

export type PublicUser = Omit<UserRecord, "passwordHash">;

function publicUser({ passwordHash: _hash, ...user }: UserRecord): PublicUser {
  return user;
}

export class Identity {
  private readonly removalListeners: Array<(userId: string) => void> = [];

  constructor(
    private readonly store: Store,
    private readonly hasher: PasswordHasher,
  ) {}

  onUserRemoved(listener: (userId: string) => void): void {
    this.removalListeners.push(listener);
  }

  /** The user whose password this is; undefined when either is wrong (same cost both ways). */
  async verifyPassword(ref: UserRef, password: string): Promise<UserRecord | undefined> {
    // No stored password is longer, and bcrypt would compare only a prefix.
    if (Buffer.byteLength(password, "utf8") > MAX_PASSWORD_BYTES) return undefined;
    const user = "id" in ref ? await this.store.users.get(ref.id) : await this.store.users.getByName(ref.name);
    const ok = await this.hasher.compare(password, user?.passwordHash ?? DUMMY_HASH);
    return user !== undefined && ok ? user : undefined;
  }

  async authenticate(userName: string, password: string): Promise<Omit<Caller, "requestId"> | undefined> {
    const user = await this.verifyPassword({ name: userName }, password);
    if (user === undefined) return undefined;
    return { userId: user.id, userName: user.name, projectId: user.projectId, role: user.role };
  }

  async createProject(caller: Caller, name: string, description = ""): Promise<ProjectRecord> {
    requireAdmin(caller);
    if (!NAME.test(name)) throw new BadRequestError("project names are 1-64 letters, digits and _.@-");
    const project = { id: randomUUID(), name, description: description.slice(0, 255), createdAt: creationIso() };
    try {
      await this.store.projects.create(project, auditOf(caller, { type: "project", id: project.id, name }, "create", { description: project.description }));
    } catch (error) {
      if (error instanceof DuplicateError) throw new ConflictError(`a project named '${name}' exists`);
      throw error;
    }
    return project;
  }

  async listProjects(caller: Caller): Promise<ProjectRecord[]> {
    requireAdmin(caller);
    return this.store.projects.list();
  }

  /** Every project for an admin; the caller's own (its user's) otherwise. */
  async visibleProjects(caller: Caller): Promise<ProjectRecord[]> {
    return this.scopesOf(caller, caller.userId);
  }

  /**
   * The projects a user may scope a token to: every project for an admin (the
   * admin role is cloud-wide here), its own project otherwise. Asked by the
   * user itself or an admin.
   */
  async scopesOf(caller: Caller, userId: string): Promise<ProjectRecord[]> {
    if (caller.userId !== userId && caller.role !== "admin") throw new ForbiddenError("you can list only your own projects");
    const user = await this.store.users.get(userId);
    if (user === undefined) throw new NotFoundError(`user ${userId} could not be found.`);
    if (user.role === "admin") return this.store.projects.list();
    const own = await this.store.projects.get(user.projectId);
    return own === undefined ? [] : [own];
  }

  async deleteProject(caller: Caller, id: string): Promise<void> {
    requireAdmin(caller);
    if ((await this.store.servers.countByProject(id)) > 0) throw new ConflictError("the project still has servers");
    if ((await this.store.users.list(id)).length > 0) throw new ConflictError("the project still has users");
    const project = await this.store.projects.get(id);
    const audit = auditOf(caller, { type: "project", id, name: project?.name ?? "" }, "delete", {});
    if (project === undefined || !(await this.store.projects.delete(id, audit))) throw new NotFoundError(`project ${id} could not be found.`);
    // Its quota limits go with it: a later project cannot inherit them.
    await this.store.quotas.clearLimits(id);
  }

  /**
   * Creates a user; also used unauthenticated by `serve`'s first-start seeding
   * (then `by` is undefined: no admin made the change, and nothing is audited).
   */
  async addUser(user: { name: string; password: string; projectId: string; role: Role }, by?: Caller): Promise<PublicUser> {
    if (!NAME.test(user.name)) throw new BadRequestError("user names are 1-64 letters, digits and _.@-");
    checkPassword(user.password);
    if ((await this.store.projects.get(user.projectId)) === undefined) {
      throw new BadRequestError(`project ${user.projectId} does not exist`);
    }
    const record: UserRecord = {
      id: randomUUID(),
      name: user.name,
      passwordHash: await this.hasher.hash(user.password, BCRYPT_COST),
      projectId: user.projectId,
      role: user.role,
      createdAt: creationIso(),
    };
    try {
      const changes = { project_id: record.projectId, role: record.role, password: "set" };
      await this.store.users.create(record, by === undefined ? undefined : auditOf(by, { type: "user", id: record.id, name: record.name }, "create", changes));
    } catch (error) {
      if (error instanceof DuplicateError) throw new ConflictError(`a user named '${user.name}' exists`);
      throw error;
    }
    return publicUser(record);
  }

  async createUser(caller: Caller, user: { name: string; password: string; projectId: string; role: Role }): Promise<PublicUser> {
    requireAdmin(caller);
    return this.addUser(user, caller);
  }

  async listUsers(caller: Caller): Promise<PublicUser[]> {
    requireAdmin(caller);
    return (await this.store.users.list()).map(publicUser);
  }

  /** The caller itself, or anyone for an admin. */
  async getUser(caller: Caller, id: string): Promise<PublicUser> {
    const user = caller.userId === id || caller.role === "admin" ? await this.store.users.get(id) : undefined;
    if (user === undefined) throw new NotFoundError(`Could not find user: ${id}.`);
    return publicUser(user);
  }

  /** Admin only. Revokes the user's tokens, and its application credentials granting a role it loses. */
  async updateUser(caller: Caller, id: string, patch: { password?: string; role?: Role }): Promise<PublicUser> {
    requireAdmin(caller);
    const user = await this.store.users.get(id);
    if (user === undefined) throw new NotFoundError(`user ${id} could not be found.`);
    if (patch.role !== undefined && id === caller.userId && patch.role !== user.role) {
      throw new ConflictError("you cannot change your own role");
    }
    if (patch.password !== undefined) checkPassword(patch.password);
    const passwordHash = patch.password === undefined ? undefined : await this.hasher.hash(patch.password, BCRYPT_COST);
    const role = patch.role;
    const dropped =
      role === undefined || role === user.role
        ? []
        : (await this.store.applicationCredentials.list(id))
            .filter((credential) => !credential.roles.every((granted) => impliedRoles(role).includes(granted)))
            .map((credential) => credential.id);
    // The summary says that the password changed, never what to: no text, no hash.
    const changes = {
      ...(passwordHash === undefined ? {} : { password: "changed" }),
      ...changedFields({ role: user.role }, role === undefined ? {} : { role }),
      ...(dropped.length === 0 ? {} : { application_credentials_revoked: dropped.length }),
    };
    const changed = await this.store.users.changeCredentials(
      id,
      { ...(passwordHash === undefined ? {} : { passwordHash }), ...(role === undefined ? {} : { role }) },
      dropped,
      auditOf(caller, { type: "user", id, name: user.name }, "update", changes),
    );
    if (!changed) throw new NotFoundError(`user ${id} could not be found.`);
    this.announceRemoval(id);
    return publicUser({ ...user, ...(passwordHash === undefined ? {} : { passwordHash }), ...(role === undefined ? {} : { role }) });
  }

  /** Keystone's self-service password change: the caller, with the current password. Revokes its tokens. */
  async changeOwnPassword(caller: Caller, userId: string, original: string, password: string): Promise<void> {
    if (caller.userId !== userId) throw new ForbiddenError("you can change only your own password");
    const user = await this.verifyPassword({ id: userId }, original);
    if (user === undefined) throw new UnauthorizedError("The original password is not correct.");
    checkPassword(password);
    const passwordHash = await this.hasher.hash(password, BCRYPT_COST);
    const audit = auditOf(caller, { type: "user", id: userId, name: user.name }, "update", { password: "changed" });
    if (!(await this.store.users.changeCredentials(userId, { passwordHash }, [], audit))) {
      throw new NotFoundError(`user ${userId} could not be found.`);
    }
    this.announceRemoval(userId);
  }

  async deleteUser(caller: Caller, id: string): Promise<void> {
    requireAdmin(caller);
    if (id === caller.userId) throw new ConflictError("you cannot delete yourself");
    const user = await this.store.users.get(id);
    const audit = auditOf(caller, { type: "user", id, name: user?.name ?? "" }, "delete", {});
    if (user === undefined || !(await this.store.users.delete(id, audit))) throw new NotFoundError(`user ${id} could not be found.`);
    this.announceRemoval(id);
  }

  /** Caches of successful logins drop the user (deleted, or its password or role changed). */
  private announceRemoval(userId: string): void {
    for (const listener of this.removalListeners) listener(userId);
  }
}
