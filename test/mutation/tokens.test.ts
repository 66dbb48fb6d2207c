// Pure checks of src/compute/tokens.ts (S3, S11), written for the mutation run:
// issuing a Keystone token by password, application credential and token
// re-scope, the scope rules, the live-token limit and the purge, validation
// re-reading the user, project and credential, and revocation; on a stub of the
// store parts tokens use (test/support/token-store-stub.ts), a recording hasher
// and Date faked (tokens read the clock themselves).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { refusal } from "../support/refusal.js";
import { NotFoundError, ScopeRefusedError, type Caller, type TokenCredentials, type TokenScope, type UserRef } from "../../src/compute/contract.js";
import { DUMMY_HASH } from "../../src/compute/identity.js";
import type { PasswordHasher } from "../../src/compute/password-workers.js";
import { tokenDigest, Tokens, type TokenSettings } from "../../src/compute/tokens.js";
import type { ApplicationCredentialRecord, ProjectRecord, TokenRecord, UserRecord } from "../../src/store/records.js";
import { tokenStoreStub, type TokenStoreContents } from "../support/token-store-stub.js";

const T0 = "2026-12-03T10:00:00.000Z";
const at = (offsetMs: number): string => new Date(Date.parse(T0) + offsetMs).toISOString();
const CREATED = "2026-01-01T00:00:00.000Z";

const ALPHA: ProjectRecord = { id: "p-alpha", name: "alpha", description: "", createdAt: CREATED };
const BETA: ProjectRecord = { id: "p-beta", name: "beta", description: "", createdAt: CREATED };
/** The hasher stub's "hash" of a secret. */
const hashOf = (secret: string): string => `hash:${secret}`;
const ALICE: UserRecord = { id: "u-alice", name: "alice", passwordHash: hashOf("pw-alice"), projectId: ALPHA.id, role: "member", createdAt: CREATED };
const ROOT: UserRecord = { id: "u-root", name: "root", passwordHash: hashOf("pw-root"), projectId: ALPHA.id, role: "admin", createdAt: CREATED };
const CI: ApplicationCredentialRecord = {
  id: "ac-ci",
  userId: ALICE.id,
  projectId: ALPHA.id,
  name: "ci",
  description: "",
  secretHash: hashOf("ci-secret"),
  roles: ["reader"],
  unrestricted: false,
  expiresAt: null,
  createdAt: CREATED,
};
/** A token of the right shape (43 base64url characters, every kind of them). */
const CRAFTED = `AZaz09_-${"k".repeat(35)}`;
const SETTINGS: TokenSettings = { ttlSeconds: 600, maxLivePerUser: 10 };

function storedToken(token: string, overrides: Partial<TokenRecord> = {}): TokenRecord {
  return {
    id: tokenDigest(token),
    userId: ALICE.id,
    projectId: ALPHA.id,
    role: "member",
    methods: ["password"],
    auditId: "a".repeat(22),
    applicationCredentialId: null,
    issuedAt: T0,
    expiresAt: at(60_000),
    ...overrides,
  };
}

/** Tokens on a stub store; the hasher and the password check record what they were asked. */
function setup(contents: TokenStoreContents = {}, settings: TokenSettings = SETTINGS, matches = (secret: string, hash: string) => hash === hashOf(secret)) {
  const stub = tokenStoreStub({ users: [ALICE, ROOT], projects: [ALPHA, BETA], credentials: [CI], ...contents });
  const compares: Array<[string, string]> = [];
  const hasher: PasswordHasher = {
    compare: (secret, hash) => {
      compares.push([secret, hash]);
      return Promise.resolve(matches(secret, hash));
    },
    hash: (secret) => Promise.resolve(hashOf(secret)),
    close: () => Promise.resolve(),
  };
  const passwordChecks: Array<[UserRef, string]> = [];
  const verifyPassword = (ref: UserRef, password: string) => {
    passwordChecks.push([ref, password]);
    const user = [...stub.users.values()].find((candidate) => ("id" in ref ? candidate.id === ref.id : candidate.name === ref.name));
    return Promise.resolve(user !== undefined && user.passwordHash === hashOf(password) ? user : undefined);
  };
  const tokens = new Tokens(stub.store, hasher, verifyPassword, settings);
  return { tokens, records: stub.tokens, tokenReads: stub.tokenReads, purges: stub.purges, compares, passwordChecks };
}

const byPassword = (user: UserRef, password: string): TokenCredentials => ({ method: "password", user, password });
const byCredential = (credential: Extract<TokenCredentials, { method: "application_credential" }>["credential"], secret: string): TokenCredentials => ({
  method: "application_credential",
  credential,
  secret,
});

/** Class and message of a refusal, for one exact comparison. */
async function refusedWith(promise: Promise<unknown>): Promise<[string, string]> {
  const error = await refusal(promise);
  return [error.constructor.name, error.message];
}

const BAD = "The request you have made requires authentication.";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.parse(T0));
});

afterEach(() => {
  vi.useRealTimers();
});

describe("tokenDigest", () => {
  it("is the SHA-256 of the token in hex", () => {
    expect(tokenDigest("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("issue by password", () => {
  it("mints a random token, stores only its digest, and answers the user's own project by default", async () => {
    const { tokens, ...stub } = setup();
    const { token, view } = await tokens.issue(byPassword({ name: "alice" }, "pw-alice"), undefined);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(stub.passwordChecks).toEqual([[{ name: "alice" }, "pw-alice"]]);
    expect(view).toEqual({
      user: { id: ALICE.id, name: "alice" },
      project: { id: ALPHA.id, name: "alpha" },
      role: "member",
      roles: ["member", "reader"],
      methods: ["password"],
      auditId: expect.stringMatching(/^[0-9a-f]{22}$/) as unknown,
      issuedAt: T0,
      expiresAt: at(600_000),
      applicationCredential: null,
    });
    expect(stub.records.get(tokenDigest(token))).toEqual({
      id: tokenDigest(token),
      userId: ALICE.id,
      projectId: ALPHA.id,
      role: "member",
      methods: ["password"],
      auditId: view.auditId,
      applicationCredentialId: null,
      issuedAt: T0,
      expiresAt: at(600_000),
    });
    const second = await tokens.issue(byPassword({ id: ALICE.id }, "pw-alice"), undefined);
    expect(second.token).not.toBe(token);
    expect(second.view.auditId).not.toBe(view.auditId);
  });

  it("refuses a wrong password with Keystone's 401 text", async () => {
    const { tokens, ...stub } = setup();
    expect(await refusedWith(tokens.issue(byPassword({ name: "alice" }, "guess"), undefined))).toEqual(["UnauthorizedError", BAD]);
    expect(stub.records.size).toBe(0);
  });
});

describe("scopes", () => {
  it.each<[string, TokenScope, string | null]>([
    ["unscoped", "unscoped", null],
    ["its own project by id", { project: { id: ALPHA.id } }, ALPHA.id],
    ["its own project by name", { project: { name: "alpha" } }, ALPHA.id],
  ])("a member may ask for %s", async (_name, scope, projectId) => {
    const { tokens } = setup();
    const { view } = await tokens.issue(byPassword({ name: "alice" }, "pw-alice"), scope);
    expect(view.project?.id ?? null).toBe(projectId);
  });

  it.each<[string, TokenScope]>([
    ["another project by id", { project: { id: BETA.id } }],
    ["another project by name", { project: { name: "beta" } }],
    ["a project that does not exist, by id", { project: { id: "p-none" } }],
    ["a project that does not exist, by name", { project: { name: "none" } }],
  ])("a member asking for %s is refused with one answer", async (_name, scope) => {
    const { tokens } = setup();
    expect(await refusedWith(tokens.issue(byPassword({ name: "alice" }, "pw-alice"), scope))).toEqual([
      "ScopeRefusedError",
      "User u-alice has no access to the project asked for.",
    ]);
  });

  it("an admin may scope to any project that exists", async () => {
    const { tokens } = setup();
    expect((await tokens.issue(byPassword({ name: "root" }, "pw-root"), { project: { name: "beta" } })).view.project).toEqual({ id: BETA.id, name: "beta" });
    expect((await tokens.issue(byPassword({ name: "root" }, "pw-root"), { project: { id: BETA.id } })).view.project).toEqual({ id: BETA.id, name: "beta" });
    expect(await refusal(tokens.issue(byPassword({ name: "root" }, "pw-root"), { project: { id: "p-none" } }))).toBeInstanceOf(ScopeRefusedError);
  });

  it("a user whose own project is gone gets no default scope", async () => {
    const { tokens } = setup({ projects: [BETA] });
    expect(await refusal(tokens.issue(byPassword({ name: "alice" }, "pw-alice"), undefined))).toBeInstanceOf(ScopeRefusedError);
  });
});

describe("the live-token limit and the purge", () => {
  it("refuses a user's token beyond maxLivePerUser, naming the limit; other users still get theirs", async () => {
    const { tokens } = setup({}, { ttlSeconds: 600, maxLivePerUser: 2 });
    await tokens.issue(byPassword({ name: "alice" }, "pw-alice"), undefined);
    await tokens.issue(byPassword({ name: "alice" }, "pw-alice"), undefined);
    expect(await refusedWith(tokens.issue(byPassword({ name: "alice" }, "pw-alice"), undefined))).toEqual([
      "QuotaExceededError",
      "user alice holds 2 live tokens; revoke some or wait until they expire",
    ]);
    await expect(tokens.issue(byPassword({ name: "root" }, "pw-root"), undefined)).resolves.toBeDefined();
    // Once they expire, there is room again.
    vi.setSystemTime(Date.parse(at(600_000)));
    await expect(tokens.issue(byPassword({ name: "alice" }, "pw-alice"), undefined)).resolves.toBeDefined();
  });

  it("deletes expired tokens on the way to issuing one, at most once a minute", async () => {
    const { tokens, purges, ...stub } = setup({ tokens: [storedToken(CRAFTED, { expiresAt: T0 })] });
    await tokens.issue(byPassword({ name: "alice" }, "pw-alice"), undefined);
    expect(purges).toEqual([T0]);
    expect(stub.records.has(tokenDigest(CRAFTED))).toBe(false);
    vi.setSystemTime(Date.parse(at(59_999)));
    await tokens.issue(byPassword({ name: "alice" }, "pw-alice"), undefined);
    expect(purges).toEqual([T0]);
    vi.setSystemTime(Date.parse(at(60_000)));
    await tokens.issue(byPassword({ name: "alice" }, "pw-alice"), undefined);
    expect(purges).toEqual([T0, at(60_000)]);
  });
});

describe("issue by application credential", () => {
  it.each<[string, Extract<TokenCredentials, { method: "application_credential" }>["credential"]]>([
    ["its id", { id: CI.id }],
    ["its name and the user's name", { name: "ci", user: { name: "alice" } }],
    ["its name and the user's id", { name: "ci", user: { id: ALICE.id } }],
  ])("found by %s, it mints a token with the credential's role and project", async (_name, credential) => {
    const { tokens, compares } = setup();
    const { view } = await tokens.issue(byCredential(credential, "ci-secret"), undefined);
    expect(compares).toEqual([["ci-secret", CI.secretHash]]);
    expect(view).toMatchObject({
      user: { id: ALICE.id, name: "alice" },
      project: { id: ALPHA.id, name: "alpha" },
      role: "reader",
      roles: ["reader"],
      methods: ["application_credential"],
      expiresAt: at(600_000),
      applicationCredential: { id: CI.id, name: "ci", restricted: true },
    });
  });

  it("records which credential issued the token; an unrestricted one says so", async () => {
    const open: ApplicationCredentialRecord = { ...CI, id: "ac-open", name: "open", unrestricted: true, roles: ["member", "reader"] };
    const { tokens, ...stub } = setup({ credentials: [open] });
    const { token, view } = await tokens.issue(byCredential({ id: "ac-open" }, "ci-secret"), undefined);
    expect(view.role).toBe("member");
    expect(view.applicationCredential).toEqual({ id: "ac-open", name: "open", restricted: false });
    expect(stub.records.get(tokenDigest(token))?.applicationCredentialId).toBe("ac-open");
  });

  it.each<[string, Extract<TokenCredentials, { method: "application_credential" }>["credential"], string]>([
    ["a wrong secret", { id: CI.id }, "guess"],
    ["an unknown id", { id: "ac-none" }, "ci-secret"],
    ["an unknown name", { name: "none", user: { name: "alice" } }, "ci-secret"],
    ["an unknown user", { name: "ci", user: { name: "nobody" } }, "ci-secret"],
    ["an unknown user id", { name: "ci", user: { id: "u-none" } }, "ci-secret"],
  ])("refuses %s with the 401 text, after a hash comparison all the same", async (_name, credential, secret) => {
    const { tokens, compares } = setup();
    expect(await refusedWith(tokens.issue(byCredential(credential, secret), undefined))).toEqual(["UnauthorizedError", BAD]);
    expect(compares).toHaveLength(1);
    expect(compares[0]?.[0]).toBe(secret);
    if (!("id" in credential && credential.id === CI.id)) expect(compares[0]?.[1]).toBe(DUMMY_HASH);
  });

  it("refuses a missing credential even when the comparison with the dummy hash succeeds", async () => {
    const { tokens } = setup({}, SETTINGS, () => true);
    expect(await refusedWith(tokens.issue(byCredential({ id: "ac-none" }, "anything"), undefined))).toEqual(["UnauthorizedError", BAD]);
  });

  it.each<[string, TokenScope]>([
    ["unscoped", "unscoped"],
    ["a project", { project: { id: ALPHA.id } }],
  ])("refuses to be scoped (%s)", async (_name, scope) => {
    const { tokens } = setup();
    expect(await refusedWith(tokens.issue(byCredential({ id: CI.id }, "ci-secret"), scope))).toEqual([
      "ScopeRefusedError",
      "Application credentials cannot request a scope.",
    ]);
  });

  it("refuses an expired credential (at its expiry), and keeps an earlier expiry than the token's own", async () => {
    const { tokens } = setup({ credentials: [{ ...CI, expiresAt: T0 }, { ...CI, id: "ac-soon", name: "soon", expiresAt: at(1_000) }, { ...CI, id: "ac-late", name: "late", expiresAt: at(3_600_000) }] });
    expect(await refusedWith(tokens.issue(byCredential({ id: CI.id }, "ci-secret"), undefined))).toEqual(["UnauthorizedError", "The application credential has expired."]);
    expect((await tokens.issue(byCredential({ id: "ac-soon" }, "ci-secret"), undefined)).view.expiresAt).toBe(at(1_000));
    expect((await tokens.issue(byCredential({ id: "ac-late" }, "ci-secret"), undefined)).view.expiresAt).toBe(at(600_000));
  });

  it.each<[string, TokenStoreContents, Partial<ApplicationCredentialRecord>]>([
    ["its user is gone", { users: [ROOT] }, {}],
    ["its project is gone", { projects: [BETA] }, {}],
    ["it grants no role", {}, { roles: [] }],
    ["it mixes the service role with the ladder", {}, { roles: ["service", "reader"] }],
    ["it grants a role beside the user's (service for a member)", {}, { roles: ["service"] }],
    ["its project is not the user's (a member)", {}, { projectId: BETA.id }],
  ])("refuses it when %s", async (_name, contents, change) => {
    const { tokens } = setup({ credentials: [{ ...CI, ...change }], ...contents });
    expect(await refusedWith(tokens.issue(byCredential({ id: CI.id }, "ci-secret"), undefined))).toEqual(["UnauthorizedError", BAD]);
  });

  it("keeps the weaker of the credential's role and the user's, and lets an admin's credential name any project", async () => {
    const demoted: ApplicationCredentialRecord = { ...CI, id: "ac-strong", name: "strong", roles: ["admin", "member", "reader"] };
    const rootOther: ApplicationCredentialRecord = { ...CI, id: "ac-root", name: "root-ci", userId: ROOT.id, projectId: BETA.id, roles: ["admin"] };
    const { tokens } = setup({ credentials: [demoted, rootOther] });
    expect((await tokens.issue(byCredential({ id: "ac-strong" }, "ci-secret"), undefined)).view.role).toBe("member");
    const { view } = await tokens.issue(byCredential({ id: "ac-root" }, "ci-secret"), undefined);
    expect([view.role, view.project]).toEqual(["admin", { id: BETA.id, name: "beta" }]);
  });
});

describe("issue by token (re-scope)", () => {
  it("keeps the old token's expiry, adds the token method once, and takes the user's current role", async () => {
    const { tokens } = setup({ users: [{ ...ALICE, role: "reader" }, ROOT], tokens: [storedToken(CRAFTED, { projectId: null, methods: ["password"], expiresAt: at(30_000) })] });
    const { view } = await tokens.issue({ method: "token", token: CRAFTED }, { project: { id: ALPHA.id } });
    expect(view).toMatchObject({ project: { id: ALPHA.id, name: "alpha" }, role: "reader", methods: ["password", "token"], expiresAt: at(30_000), applicationCredential: null });
    const again = await tokens.issue({ method: "token", token: CRAFTED }, "unscoped");
    expect(again.view.project).toBeNull();
    const { view: twice } = await tokens.issue({ method: "token", token: again.token }, undefined);
    expect(twice.methods).toEqual(["password", "token"]);
  });

  // Store contents are built inside each test (storedToken runs tokenDigest, a mutated function).
  it.each<[string, string, () => TokenStoreContents]>([
    ["a token of another shape", `${CRAFTED}=`, () => ({ tokens: [storedToken(`${CRAFTED}=`)] })],
    ["an unknown token", CRAFTED, () => ({})],
    ["an expired token (at its expiry)", CRAFTED, () => ({ tokens: [storedToken(CRAFTED, { expiresAt: T0 })] })],
    ["a token whose user is gone", CRAFTED, () => ({ users: [ROOT], tokens: [storedToken(CRAFTED)] })],
  ])("refuses %s with the 401 text", async (_name, token, contents) => {
    const { tokens } = setup(contents());
    expect(await refusedWith(tokens.issue({ method: "token", token }, undefined))).toEqual(["UnauthorizedError", BAD]);
  });

  it("refuses to re-scope a token an application credential issued", async () => {
    const { tokens } = setup({ tokens: [storedToken(CRAFTED, { applicationCredentialId: CI.id, role: "reader" })] });
    expect(await refusedWith(tokens.issue({ method: "token", token: CRAFTED }, undefined))).toEqual([
      "UnauthorizedError",
      "A token issued by an application credential cannot be re-scoped.",
    ]);
  });
});

describe("validate", () => {
  it("answers what an issued token stands for", async () => {
    const { tokens } = setup();
    const issued = await tokens.issue(byPassword({ name: "alice" }, "pw-alice"), undefined);
    expect(await tokens.validate(issued.token)).toEqual(issued.view);
  });

  it.each<[string, string]>([
    ["one character short", CRAFTED.slice(1)],
    ["one character long", `${CRAFTED}k`],
    ["a character outside base64url in front", `+${CRAFTED.slice(1)}`],
    ["a character outside base64url at the end", `${CRAFTED.slice(1)}/`],
    ["padding", `${CRAFTED.slice(2)}==`],
    ["a prefix before a valid token", `x${CRAFTED}`],
    ["a suffix after a valid token", `${CRAFTED}x`],
    ["a line break after a valid token", `${CRAFTED}\n`],
    ["empty", ""],
  ])("answers nothing for a token of another shape (%s), without asking the store", async (_name, token) => {
    const { tokens, tokenReads } = setup({ tokens: [storedToken(token)] });
    expect(await tokens.validate(token)).toBeUndefined();
    expect(tokenReads).toEqual([]);
  });

  it("answers tokens of every base64url character, and nothing once expired", async () => {
    const { tokens, tokenReads } = setup({ tokens: [storedToken(CRAFTED, { expiresAt: at(1) })] });
    expect((await tokens.validate(CRAFTED))?.user).toEqual({ id: ALICE.id, name: "alice" });
    expect(tokenReads).toEqual([tokenDigest(CRAFTED)]);
    vi.setSystemTime(Date.parse(at(1)));
    expect(await tokens.validate(CRAFTED)).toBeUndefined();
  });

  it.each<[string, TokenStoreContents, Partial<TokenRecord>]>([
    ["its user is gone", { users: [ROOT] }, {}],
    ["its project is gone", { projects: [BETA] }, {}],
    ["its role and the user's are apart (service vs member)", {}, { role: "service" }],
  ])("answers nothing when %s", async (_name, contents, change) => {
    const { tokens } = setup({ tokens: [storedToken(CRAFTED, change)], ...contents });
    expect(await tokens.validate(CRAFTED)).toBeUndefined();
  });

  it("grants no more than the user holds now; an unscoped token has no project", async () => {
    const { tokens } = setup({ tokens: [storedToken(CRAFTED, { role: "admin", projectId: null })] });
    expect(await tokens.validate(CRAFTED)).toMatchObject({ role: "member", roles: ["member", "reader"], project: null });
  });

  it("re-reads the application credential: gone or expired (at its expiry) ends the token", async () => {
    const token = storedToken(CRAFTED, { applicationCredentialId: CI.id, role: "reader", methods: ["application_credential"] });
    expect(await setup({ tokens: [token] }).tokens.validate(CRAFTED)).toMatchObject({ applicationCredential: { id: CI.id, name: "ci", restricted: true } });
    expect(await setup({ tokens: [token], credentials: [{ ...CI, unrestricted: true, expiresAt: at(1) }] }).tokens.validate(CRAFTED)).toMatchObject({
      applicationCredential: { id: CI.id, name: "ci", restricted: false },
    });
    expect(await setup({ tokens: [token], credentials: [] }).tokens.validate(CRAFTED)).toBeUndefined();
    expect(await setup({ tokens: [token], credentials: [{ ...CI, expiresAt: T0 }] }).tokens.validate(CRAFTED)).toBeUndefined();
  });
});

describe("revoke", () => {
  const caller = (user: UserRecord): Caller => ({ userId: user.id, userName: user.name, projectId: user.projectId, role: user.role, requestId: "req-t" });

  it("deletes the caller's own token, and any token for an admin", async () => {
    const other = `${"o".repeat(42)}A`;
    const { tokens, ...stub } = setup({ tokens: [storedToken(CRAFTED), storedToken(other)] });
    await tokens.revoke(caller(ALICE), CRAFTED);
    expect(stub.records.has(tokenDigest(CRAFTED))).toBe(false);
    await tokens.revoke(caller(ROOT), other);
    expect(stub.records.size).toBe(0);
  });

  it("answers another user's token like an unknown one, and keeps it", async () => {
    const { tokens, ...stub } = setup({ tokens: [storedToken(CRAFTED, { userId: ROOT.id })] });
    expect(await refusedWith(tokens.revoke(caller(ALICE), CRAFTED))).toEqual(["NotFoundError", "Could not find token."]);
    expect(stub.records.has(tokenDigest(CRAFTED))).toBe(true);
    expect(await refusal(tokens.revoke(caller(ALICE), `${"u".repeat(42)}B`))).toBeInstanceOf(NotFoundError);
  });

  it("never looks up a token of another shape", async () => {
    const malformed = `${CRAFTED}=`;
    const { tokens, tokenReads } = setup({ tokens: [storedToken(malformed)] });
    expect(await refusal(tokens.revoke(caller(ROOT), malformed))).toBeInstanceOf(NotFoundError);
    expect(tokenReads).toEqual([]);
  });
});
