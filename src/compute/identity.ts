// Projects and users: bcrypt password hashes, roles, admin-only management.
import { randomUUID } from "node:crypto";
import type { ProjectRecord, Role, UserRecord } from "../store/records.js";
import { DuplicateError, type Store } from "../store/store.js";
import { nowIso } from "./clock.js";
import { BadRequestError, ConflictError, NotFoundError, type Caller } from "./contract.js";
import type { PasswordHasher } from "./password-workers.js";
import { requireAdmin } from "./policy.js";

const BCRYPT_COST = 10;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
const MIN_PASSWORD = 8;
/** bcrypt reads only the first 72 bytes: longer passwords would match on a prefix. */
export const MAX_PASSWORD_BYTES = 72;
// A hash to compare against when the user does not exist, so a wrong user name
// costs the same time as a wrong password (no user-existence oracle). Same cost
// as real hashes; of a random password nobody knows (made once, offline).
const DUMMY_HASH = "$2b$10$d3IJYIQCSk7hxsDOxmtia./qfZnsJZK2sOXP.zwwL3NngP5ZykRYe";

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

  async authenticate(userName: string, password: string): Promise<Omit<Caller, "requestId"> | undefined> {
    // No stored password is longer, and bcrypt would compare only a prefix.
    if (Buffer.byteLength(password, "utf8") > MAX_PASSWORD_BYTES) return undefined;
    const user = await this.store.users.getByName(userName);
    const ok = await this.hasher.compare(password, user?.passwordHash ?? DUMMY_HASH);
    if (user === undefined || !ok) return undefined;
    return { userId: user.id, userName: user.name, projectId: user.projectId, role: user.role };
  }

  async createProject(caller: Caller, name: string, description = ""): Promise<ProjectRecord> {
    requireAdmin(caller);
    if (!NAME.test(name)) throw new BadRequestError("project names are 1-64 letters, digits and _.@-");
    const project = { id: randomUUID(), name, description: description.slice(0, 255), createdAt: nowIso() };
    try {
      await this.store.projects.create(project);
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

  async deleteProject(caller: Caller, id: string): Promise<void> {
    requireAdmin(caller);
    if ((await this.store.servers.countByProject(id)) > 0) throw new ConflictError("the project still has servers");
    if ((await this.store.users.list(id)).length > 0) throw new ConflictError("the project still has users");
    if (!(await this.store.projects.delete(id))) throw new NotFoundError(`project ${id} could not be found.`);
  }

  /** Creates a user; also used unauthenticated by `serve`'s first-start seeding. */
  async addUser(user: { name: string; password: string; projectId: string; role: Role }): Promise<PublicUser> {
    if (!NAME.test(user.name)) throw new BadRequestError("user names are 1-64 letters, digits and _.@-");
    if (user.password.length < MIN_PASSWORD) throw new BadRequestError(`passwords have at least ${MIN_PASSWORD} characters`);
    if (Buffer.byteLength(user.password, "utf8") > MAX_PASSWORD_BYTES) {
      throw new BadRequestError(`passwords are at most ${MAX_PASSWORD_BYTES} bytes (UTF-8); bcrypt ignores the rest`);
    }
    if ((await this.store.projects.get(user.projectId)) === undefined) {
      throw new BadRequestError(`project ${user.projectId} does not exist`);
    }
    const record: UserRecord = {
      id: randomUUID(),
      name: user.name,
      passwordHash: await this.hasher.hash(user.password, BCRYPT_COST),
      projectId: user.projectId,
      role: user.role,
      createdAt: nowIso(),
    };
    try {
      await this.store.users.create(record);
    } catch (error) {
      if (error instanceof DuplicateError) throw new ConflictError(`a user named '${user.name}' exists`);
      throw error;
    }
    return publicUser(record);
  }

  async createUser(caller: Caller, user: { name: string; password: string; projectId: string; role: Role }): Promise<PublicUser> {
    requireAdmin(caller);
    return this.addUser(user);
  }

  async listUsers(caller: Caller): Promise<PublicUser[]> {
    requireAdmin(caller);
    return (await this.store.users.list()).map(publicUser);
  }

  async deleteUser(caller: Caller, id: string): Promise<void> {
    requireAdmin(caller);
    if (id === caller.userId) throw new ConflictError("you cannot delete yourself");
    if (!(await this.store.users.delete(id))) throw new NotFoundError(`user ${id} could not be found.`);
    for (const listener of this.removalListeners) listener(id);
  }
}
