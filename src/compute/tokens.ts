// Keystone v3 tokens: issue (password, application credential, token re-scope),
// validate, revoke.
//
// A token is 32 random bytes (base64url); only its SHA-256 is stored, so the
// database never holds a usable token (a fast hash is enough for 256 random
// bits; bcrypt is for secrets people choose). A token carries the role it was
// issued with; validation re-reads the user, project and application credential
// every time, so a deleted user, project or credential ends its tokens at once,
// and a password or role change deletes them in the same transaction
// (store.users.changeCredentials).
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { ProjectRecord, Role, TokenRecord, UserRecord } from "../store/records.js";
import type { Store } from "../store/store.js";
import { isoAfter, nowIso } from "./clock.js";
import {
  NotFoundError,
  QuotaExceededError,
  ScopeRefusedError,
  UnauthorizedError,
  type Caller,
  type TokenCredentials,
  type TokenScope,
  type TokenView,
  type UserRef,
} from "./contract.js";
import { DUMMY_HASH } from "./identity.js";
import type { PasswordHasher } from "./password-workers.js";
import { impliedRoles, strongestOf, weakerOf } from "./roles.js";

export interface TokenSettings {
  ttlSeconds: number;
  /** Live tokens one user may hold; more are refused until some expire or are revoked. */
  maxLivePerUser: number;
}

/** Tokens we hand out: 43 base64url characters. Anything else is not ours. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const PURGE_EVERY_MS = 60_000;
const BAD_CREDENTIALS = "The request you have made requires authentication.";

export function tokenDigest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

interface Minted {
  user: UserRecord;
  project: ProjectRecord | null;
  role: Role;
  methods: string[];
  expiresAt: string;
  credential: { id: string; name: string; restricted: boolean } | null;
}

export class Tokens {
  private lastPurge = 0;

  constructor(
    private readonly store: Store,
    private readonly hasher: PasswordHasher,
    private readonly verifyPassword: (ref: UserRef, password: string) => Promise<UserRecord | undefined>,
    private readonly settings: TokenSettings,
  ) {}

  async issue(credentials: TokenCredentials, scope: TokenScope): Promise<{ token: string; view: TokenView }> {
    switch (credentials.method) {
      case "password": {
        const user = await this.verifyPassword(credentials.user, credentials.password);
        if (user === undefined) throw new UnauthorizedError(BAD_CREDENTIALS);
        return this.mint({ user, project: await this.scopeFor(user, scope), role: user.role, methods: ["password"], expiresAt: this.expiry(), credential: null });
      }
      case "application_credential":
        return this.mint(await this.fromApplicationCredential(credentials, scope));
      case "token": {
        const record = await this.live(credentials.token);
        const user = record === undefined ? undefined : await this.store.users.get(record.userId);
        if (record === undefined || user === undefined) throw new UnauthorizedError(BAD_CREDENTIALS);
        if (record.applicationCredentialId !== null) throw new UnauthorizedError("A token issued by an application credential cannot be re-scoped.");
        // Keystone keeps the expiry of the token re-scoped: a token never extends itself.
        const methods = [...new Set([...record.methods, "token"])];
        return this.mint({ user, project: await this.scopeFor(user, scope), role: user.role, methods, expiresAt: record.expiresAt, credential: null });
      }
    }
  }

  async validate(token: string): Promise<TokenView | undefined> {
    const record = await this.live(token);
    if (record === undefined) return undefined;
    const user = await this.store.users.get(record.userId);
    if (user === undefined) return undefined;
    // Tokens go when the role changes; should one survive, it grants no more than the user holds now.
    const role = weakerOf(record.role, user.role);
    if (role === undefined) return undefined;
    let project: ProjectRecord | null = null;
    if (record.projectId !== null) {
      const found = await this.store.projects.get(record.projectId);
      if (found === undefined) return undefined;
      project = found;
    }
    let credential: TokenView["applicationCredential"] = null;
    if (record.applicationCredentialId !== null) {
      const found = await this.store.applicationCredentials.get(record.applicationCredentialId);
      if (found === undefined || (found.expiresAt !== null && found.expiresAt <= nowIso())) return undefined;
      credential = { id: found.id, name: found.name, restricted: !found.unrestricted };
    }
    return view(record, user, project, role, credential);
  }

  /** The caller's own token, or any for an admin. Unknown (or not yours): NotFoundError. */
  async revoke(caller: Caller, token: string): Promise<void> {
    const record = TOKEN_SHAPE.test(token) ? await this.store.tokens.get(tokenDigest(token)) : undefined;
    if (record === undefined || (record.userId !== caller.userId && caller.role !== "admin")) {
      throw new NotFoundError("Could not find token.");
    }
    await this.store.tokens.delete(record.id);
  }

  /** The stored record of a token that has not expired. */
  private async live(token: string): Promise<TokenRecord | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    const record = await this.store.tokens.get(tokenDigest(token));
    return record !== undefined && record.expiresAt > nowIso() ? record : undefined;
  }

  private expiry(): string {
    return isoAfter(this.settings.ttlSeconds * 1000);
  }

  private async fromApplicationCredential(
    credentials: Extract<TokenCredentials, { method: "application_credential" }>,
    scope: TokenScope,
  ): Promise<Minted> {
    if (scope !== undefined) throw new ScopeRefusedError("Application credentials cannot request a scope.");
    const ref = credentials.credential;
    let found;
    if ("id" in ref) found = await this.store.applicationCredentials.get(ref.id);
    else {
      const owner = "id" in ref.user ? await this.store.users.get(ref.user.id) : await this.store.users.getByName(ref.user.name);
      found = owner === undefined ? undefined : await this.store.applicationCredentials.getByName(owner.id, ref.name);
    }
    // Compared even when there is no such credential: the same cost either way.
    const ok = (await this.hasher.compare(credentials.secret, found?.secretHash ?? DUMMY_HASH)) && found !== undefined;
    if (!ok || found === undefined) throw new UnauthorizedError(BAD_CREDENTIALS);
    if (found.expiresAt !== null && found.expiresAt <= nowIso()) throw new UnauthorizedError("The application credential has expired.");
    const user = await this.store.users.get(found.userId);
    const project = await this.store.projects.get(found.projectId);
    const granted = strongestOf(found.roles);
    const role = user === undefined || granted === undefined ? undefined : weakerOf(granted, user.role);
    if (user === undefined || project === undefined || role === undefined || !(user.role === "admin" || user.projectId === project.id)) {
      throw new UnauthorizedError(BAD_CREDENTIALS);
    }
    const expiresAt = found.expiresAt !== null && found.expiresAt < this.expiry() ? found.expiresAt : this.expiry();
    return {
      user,
      project,
      role,
      methods: ["application_credential"],
      expiresAt,
      credential: { id: found.id, name: found.name, restricted: !found.unrestricted },
    };
  }

  /** The project a token of `user` is scoped to: asked for, or its own when none is named. */
  private async scopeFor(user: UserRecord, scope: TokenScope): Promise<ProjectRecord | null> {
    if (scope === "unscoped") return null;
    let project: ProjectRecord | undefined;
    if (scope === undefined) project = await this.store.projects.get(user.projectId);
    else if ("id" in scope.project) project = await this.store.projects.get(scope.project.id);
    else project = await this.store.projects.getByName(scope.project.name);
    // One answer for "no such project" and "not yours": no project-existence oracle.
    if (project === undefined || (user.role !== "admin" && project.id !== user.projectId)) {
      throw new ScopeRefusedError(`User ${user.id} has no access to the project asked for.`);
    }
    return project;
  }

  private async mint(minted: Minted): Promise<{ token: string; view: TokenView }> {
    await this.purgeNowAndThen();
    const now = nowIso();
    if ((await this.store.tokens.countLive(minted.user.id, now)) >= this.settings.maxLivePerUser) {
      throw new QuotaExceededError(
        `user ${minted.user.name} holds ${this.settings.maxLivePerUser} live tokens; revoke some or wait until they expire`,
      );
    }
    const token = randomBytes(32).toString("base64url");
    const record: TokenRecord = {
      id: tokenDigest(token),
      userId: minted.user.id,
      projectId: minted.project?.id ?? null,
      role: minted.role,
      methods: minted.methods,
      auditId: randomUUID().replaceAll("-", "").slice(0, 22),
      applicationCredentialId: minted.credential?.id ?? null,
      issuedAt: now,
      expiresAt: minted.expiresAt,
    };
    await this.store.tokens.create(record);
    return { token, view: view(record, minted.user, minted.project, minted.role, minted.credential) };
  }

  /** Expired tokens are deleted at most once a minute per process, on the way to issuing one. */
  private async purgeNowAndThen(): Promise<void> {
    if (Date.now() - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = Date.now();
    await this.store.tokens.deleteExpired(nowIso());
  }
}

function view(
  record: TokenRecord,
  user: UserRecord,
  project: ProjectRecord | null,
  role: Role,
  credential: TokenView["applicationCredential"],
): TokenView {
  return {
    user: { id: user.id, name: user.name },
    project: project === null ? null : { id: project.id, name: project.name },
    role,
    roles: impliedRoles(role),
    methods: record.methods,
    auditId: record.auditId,
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
    applicationCredential: credential,
  };
}
