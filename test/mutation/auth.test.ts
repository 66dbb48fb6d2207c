// Pure checks of src/api/auth.ts (S11), written for the mutation run: the Basic
// header parser, the caller a token stands for, and the onRequest hook called as
// a plain function on stub requests (test/support/fastify-stub.ts) against a
// stub compute that counts password checks and token validations. Which answer
// for which input, what is cached and for how long, what is logged.
import { afterEach, describe, expect, it, vi } from "vitest";
import { authHook, BasicAuthenticator, callerOfToken, parseBasic, WWW_AUTHENTICATE, type AuthenticatedCaller, type AuthMode } from "../../src/api/auth.js";
import { DEFAULT_LOGIN_LIMITS, LoginGuard, type LoginLimits } from "../../src/api/login-limits.js";
import type { RouteAccess } from "../../src/api/request-context.js";
import type { ComputeApi, TokenView } from "../../src/compute/contract.js";
import { basicHeader } from "../support/basic-header.js";
import { stubExchange, type StubExchangeOptions } from "../support/fastify-stub.js";
import { captureLog } from "../support/log-capture.js";

const AUTH_TEXT = "The request you have made requires authentication.";
const NOVA_401 = { unauthorized: { code: 401, message: AUTH_TEXT } };
const KEYSTONE_401 = { error: { code: 401, title: "Unauthorized", message: AUTH_TEXT } };

const ALICE: AuthenticatedCaller = { userId: "u-alice", userName: "alice", projectId: "p-one", role: "member" };
const ROOT: AuthenticatedCaller = { userId: "u-root", userName: "root", projectId: "p-admin", role: "admin" };

function tokenView(overrides: Partial<TokenView> = {}): TokenView {
  return {
    user: { id: "u-tess", name: "tess" },
    project: { id: "p-tok", name: "tokens" },
    role: "member",
    roles: ["member", "reader"],
    methods: ["password"],
    auditId: "audit-1",
    issuedAt: "2026-01-01T00:00:00.000Z",
    expiresAt: "2026-01-01T01:00:00.000Z",
    applicationCredential: null,
    ...overrides,
  };
}

function notUsed(): never {
  throw new Error("not used by the auth hook");
}

/**
 * A stub of the compute parts the hook uses: fixed users and tokens, every
 * password check and token validation recorded, checks optionally held open
 * (to make requests concurrent) until `release`.
 */
function stubCompute(users: Record<string, { password: string; caller: AuthenticatedCaller }>, tokens: Record<string, TokenView> = {}) {
  const authentications: string[] = [];
  const validations: string[] = [];
  const listeners: Array<(userId: string) => void> = [];
  let held: Promise<void> | undefined;
  let release = (): void => undefined;
  const compute: Extract<AuthMode, { kind: "basic" }>["compute"] = {
    async authenticate(userName: string, password: string) {
      authentications.push(`${userName}:${password}`);
      if (held !== undefined) await held;
      const user = users[userName];
      return user !== undefined && user.password === password ? user.caller : undefined;
    },
    onUserRemoved(listener: (userId: string) => void) {
      listeners.push(listener);
    },
    tokens: {
      validate(token: string) {
        validations.push(token);
        return Promise.resolve(tokens[token]);
      },
      issue: notUsed,
      revoke: notUsed,
      scopes: notUsed,
    } satisfies ComputeApi["tokens"],
  };
  return {
    compute,
    authentications,
    validations,
    removeUser: (userId: string) => {
      for (const listener of listeners) listener(userId);
    },
    hold: () => {
      held = new Promise((resolve) => {
        release = () => {
          held = undefined;
          resolve();
        };
      });
    },
    release: () => {
      release();
    },
  };
}

const RITA: AuthenticatedCaller = { userId: "u-rita", userName: "rita", projectId: "p-one", role: "reader" };
const USERS = { alice: { password: "pw-alice", caller: ALICE }, root: { password: "pw-root", caller: ROOT }, rita: { password: "pw-rita", caller: RITA } };

function basicMode(stub: ReturnType<typeof stubCompute>, limits: Partial<LoginLimits> = {}, cacheTtlMs?: number): AuthMode {
  return {
    kind: "basic",
    compute: stub.compute,
    guard: new LoginGuard({ ...DEFAULT_LOGIN_LIMITS, ...limits }),
    ...(cacheTtlMs === undefined ? {} : { cacheTtlMs }),
  };
}

type Hook = ReturnType<typeof authHook>;

/** `access` defaults to "reader"; pass `access: undefined` for a route without one. */
async function call(hook: Hook, options: Partial<StubExchangeOptions> = {}) {
  const log = captureLog("debug");
  const exchange = stubExchange({ access: "reader", log: log.logger, ...options });
  // The hook answers by returning the reply it sent on, or undefined to let the request through.
  // (Typed as unknown: Fastify's reply type is thenable, the stub is not.)
  const returned: Promise<unknown> = hook(exchange.request, exchange.reply);
  const result = await returned;
  return { result, answered: result === exchange.reply, ...exchange.answer, caller: exchange.request.caller, log };
}

function withBasic(user: string, password: string, options: Partial<StubExchangeOptions> = {}): Partial<StubExchangeOptions> {
  return { ...options, headers: { authorization: basicHeader(user, password), ...options.headers } };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("parseBasic", () => {
  const encode = (text: string) => Buffer.from(text).toString("base64");

  it("decodes user and password, splitting at the first colon", () => {
    const table: Array<[string, { user: string; password: string }]> = [
      [`Basic ${encode("alice:pw")}`, { user: "alice", password: "pw" }],
      [`basic ${encode("alice:pw")}`, { user: "alice", password: "pw" }],
      [`BASIC\t${encode("alice:pw")}`, { user: "alice", password: "pw" }],
      [`Basic    ${encode("alice:pw")}`, { user: "alice", password: "pw" }],
      [`Basic ${encode("alice:pw")}   `, { user: "alice", password: "pw" }],
      [`Basic ${encode("a:p:w:")}`, { user: "a", password: "p:w:" }],
      [`Basic ${encode("a:")}`, { user: "a", password: "" }],
      [`Basic ${encode("ab:c")}`, { user: "ab", password: "c" }],
      [`Basic ${encode("u:pw")}`, { user: "u", password: "pw" }],
      [`Basic ${encode("u:pwx")}`, { user: "u", password: "pwx" }],
      [`Basic ${encode("u:p")}`, { user: "u", password: "p" }],
      // Unpadded base64 is accepted too (Node decodes it).
      [`Basic ${encode("u:pw").replace(/=+$/, "")}`, { user: "u", password: "pw" }],
      [`Basic ${encode("ü:+/?")}`, { user: "ü", password: "+/?" }],
    ];
    for (const [header, expected] of table) expect([header, parseBasic(header)]).toEqual([header, expected]);
    // The forms above really carry two, one and no '='.
    expect(encode("u:pw")).toMatch(/[^=]==$/);
    expect(encode("u:pwx")).toMatch(/[^=]=$/);
    expect(encode("u:p")).toMatch(/[^=]$/);
  });

  it("refuses what is not Basic base64(user:password)", () => {
    const table: Array<string | undefined> = [
      undefined,
      "",
      "Basic",
      "Basic ",
      `Bearer ${encode("alice:pw")}`,
      `xBasic ${encode("alice:pw")}`,
      ` Basic ${encode("alice:pw")}`,
      `Basic${encode("alice:pw")}`,
      `Basic ${encode("alice:pw")} junk`,
      `Basic ${encode("alice:pw")}x=`,
      `Basic ${encode("u:pw")}=`,
      `Basic ${encode("alice:pw")}*`,
      `Basic *${encode("alice:pw")}`,
      "Basic ====",
      `Basic ${encode(":pw")}`,
      `Basic ${encode("nocolon")}`,
      `Basic ${encode("")}`,
    ];
    for (const header of table) expect([header, parseBasic(header)]).toEqual([header, undefined]);
  });

  it("refuses headers longer than 1024 characters, and no shorter ones", () => {
    const header = basicHeader("u", "p".repeat(700));
    const padded = (length: number) => header.padEnd(length, " ");
    expect(header.length).toBeLessThan(1_024);
    expect(parseBasic(padded(1_024))).toEqual({ user: "u", password: "p".repeat(700) });
    expect(parseBasic(padded(1_025))).toBeUndefined();
  });
});

describe("callerOfToken", () => {
  it("is the token's user and project, with its application credential if any", () => {
    expect(callerOfToken(tokenView())).toEqual({ userId: "u-tess", userName: "tess", projectId: "p-tok", role: "member" });
    expect(callerOfToken(tokenView())).not.toHaveProperty("applicationCredential");
    expect(callerOfToken(tokenView({ project: null, role: "reader" }))).toEqual({ userId: "u-tess", userName: "tess", projectId: "", role: "reader" });
    const restricted = tokenView({ applicationCredential: { id: "ac-1", name: "ci", restricted: true } });
    expect(callerOfToken(restricted)).toEqual({ userId: "u-tess", userName: "tess", projectId: "p-tok", role: "member", applicationCredential: { id: "ac-1", unrestricted: false } });
    const open = tokenView({ applicationCredential: { id: "ac-2", name: "ops", restricted: false } });
    expect(callerOfToken(open).applicationCredential).toEqual({ id: "ac-2", unrestricted: true });
  });
});

describe("authHook, auth none", () => {
  // Built inside each test: a throw while building must fail a test, not the file's collection.
  const noneHook = () => authHook({ kind: "none", caller: ALICE });

  it("makes every request the configured caller, with the request id", async () => {
    const hook = noneHook();
    const outcome = await call(hook, { id: "req-42" });
    expect(outcome.result).toBeUndefined();
    expect(outcome.status).toBeUndefined();
    expect(outcome.caller).toEqual({ ...ALICE, requestId: "req-42" });
  });

  it("ignores credentials and still applies the route's role", async () => {
    const hook = noneHook();
    const outcome = await call(hook, { access: "admin", headers: { "x-auth-token": "anything", authorization: "Basic !!" } });
    expect(outcome.answered).toBe(true);
    expect(outcome.status).toBe(403);
    expect(outcome.body).toEqual({ forbidden: { code: 403, message: "This action needs the admin role; you have member." } });
  });
});

describe("authHook, public routes", () => {
  it("skips authentication: no caller, no answer, no check", async () => {
    const stub = stubCompute(USERS);
    const hook = authHook(basicMode(stub));
    for (const headers of [{}, { authorization: basicHeader("alice", "pw-alice") }, { "x-auth-token": "t" }]) {
      const outcome = await call(hook, { access: "public", headers });
      expect(outcome.result).toBeUndefined();
      expect(outcome.status).toBeUndefined();
      expect(outcome.caller).toBeNull();
    }
    expect(stub.authentications).toEqual([]);
    expect(stub.validations).toEqual([]);
  });
});

describe("authHook, Basic", () => {
  it("sets the caller of good credentials, with the request id", async () => {
    const stub = stubCompute(USERS);
    const outcome = await call(authHook(basicMode(stub)), withBasic("alice", "pw-alice", { id: "req-7" }));
    expect(outcome.result).toBeUndefined();
    expect(outcome.status).toBeUndefined();
    expect(outcome.caller).toEqual({ ...ALICE, requestId: "req-7" });
    expect(stub.authentications).toEqual(["alice:pw-alice"]);
  });

  it("answers 401 with the Basic challenge, in the API's own error shape", async () => {
    const stub = stubCompute(USERS);
    const hook = authHook(basicMode(stub));
    for (const options of [{}, { headers: { authorization: "Basic !!" } }, withBasic("alice", "wrong"), withBasic("nobody", "pw-alice")]) {
      const outcome = await call(hook, options);
      expect(outcome.answered).toBe(true);
      expect(outcome.status).toBe(401);
      expect(outcome.headers).toEqual({ "WWW-Authenticate": WWW_AUTHENTICATE });
      expect(outcome.body).toEqual(NOVA_401);
      expect(outcome.caller).toBeNull();
    }
    expect(WWW_AUTHENTICATE).toBe('Basic realm="ironic-compute"');
    // A malformed header is never checked.
    expect(stub.authentications).toEqual(["alice:wrong", "nobody:pw-alice"]);
    const identity = await call(hook, { url: "/identity/v3/users" });
    expect(identity.body).toEqual(KEYSTONE_401);
  });

  it("applies the route's role: 403 below it, any role for 'authenticated' and unknown routes", async () => {
    const stub = stubCompute(USERS);
    const hook = authHook(basicMode(stub));
    const table: Array<[string, string, RouteAccess | undefined, number | undefined]> = [
      ["alice", "pw-alice", "reader", undefined],
      ["alice", "pw-alice", "member", undefined],
      ["alice", "pw-alice", "admin", 403],
      ["alice", "pw-alice", "service", 403],
      ["alice", "pw-alice", "authenticated", undefined],
      ["alice", "pw-alice", undefined, undefined],
      ["root", "pw-root", "admin", undefined],
      ["root", "pw-root", undefined, undefined],
    ];
    for (const [user, password, access, status] of table) {
      const options = withBasic(user, password);
      const outcome = await call(hook, { ...options, access });
      expect([user, access, outcome.status]).toEqual([user, access, status]);
      expect(outcome.caller?.userName).toBe(user);
    }
    const none = await call(hook, { ...withBasic("rita", "pw-rita"), access: undefined });
    expect(none.status).toBeUndefined();
    expect(none.caller?.role).toBe("reader");
    const refused = await call(hook, { ...withBasic("alice", "pw-alice"), access: "admin" });
    expect(refused.body).toEqual({ forbidden: { code: 403, message: "This action needs the admin role; you have member." } });
  });

  it("logs a failed login at warn with the user (at most 65 characters) and client, never the password", async () => {
    const stub = stubCompute(USERS);
    const hook = authHook(basicMode(stub));
    const longName = "n".repeat(70);
    const outcome = await call(hook, withBasic(longName, "s3cret-guess", { ip: "198.51.100.5" }));
    expect(outcome.status).toBe(401);
    const records = outcome.log.records();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ level: 40, msg: "failed login", user: "n".repeat(65), client: "198.51.100.5" });
    expect(outcome.log.text()).not.toContain("s3cret-guess");
    const ok = await call(hook, withBasic("alice", "pw-alice"));
    expect(ok.log.records()).toEqual([]);
  });

  it("caches a success for 10 s by default: no second check until then", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(1_000_000);
    const stub = stubCompute(USERS);
    const hook = authHook(basicMode(stub));
    expect((await call(hook, withBasic("alice", "pw-alice"))).caller?.userId).toBe("u-alice");
    vi.setSystemTime(1_009_999);
    expect((await call(hook, withBasic("alice", "pw-alice", { id: "req-2" }))).caller).toEqual({ ...ALICE, requestId: "req-2" });
    expect(stub.authentications).toEqual(["alice:pw-alice"]);
    vi.setSystemTime(1_010_000);
    expect((await call(hook, withBasic("alice", "pw-alice"))).caller?.userId).toBe("u-alice");
    expect(stub.authentications).toEqual(["alice:pw-alice", "alice:pw-alice"]);
  });

  it("caches a success for cacheTtlMs when given, and not at all for 0", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(1_000_000);
    const stub = stubCompute(USERS);
    const hook = authHook(basicMode(stub, {}, 50));
    await call(hook, withBasic("alice", "pw-alice"));
    vi.setSystemTime(1_000_049);
    await call(hook, withBasic("alice", "pw-alice"));
    expect(stub.authentications).toHaveLength(1);
    vi.setSystemTime(1_000_050);
    await call(hook, withBasic("alice", "pw-alice"));
    expect(stub.authentications).toHaveLength(2);

    const uncached = stubCompute(USERS);
    const noCache = authHook(basicMode(uncached, {}, 0));
    for (let round = 0; round < 3; round += 1) expect((await call(noCache, withBasic("alice", "pw-alice"))).caller?.userId).toBe("u-alice");
    expect(uncached.authentications).toHaveLength(3);
  });

  it("keys the cache on user and password apart: 'a'+'bc' is not 'ab'+'c'", async () => {
    const stub = stubCompute({ a: { password: "bc", caller: ALICE } });
    const hook = authHook(basicMode(stub));
    expect((await call(hook, withBasic("a", "bc"))).caller?.userId).toBe("u-alice");
    const other = await call(hook, withBasic("ab", "c"));
    expect(other.status).toBe(401);
    expect(stub.authentications).toEqual(["a:bc", "ab:c"]);
    // And a different password of the same user is checked, not served from the cache.
    expect((await call(hook, withBasic("a", "bcd"))).status).toBe(401);
    expect(stub.authentications).toEqual(["a:bc", "ab:c", "a:bcd"]);
  });

  it("forgets the cached success of a removed user only", async () => {
    const stub = stubCompute(USERS);
    const hook = authHook(basicMode(stub));
    await call(hook, withBasic("alice", "pw-alice"));
    await call(hook, withBasic("root", "pw-root"));
    stub.removeUser("u-alice");
    await call(hook, withBasic("alice", "pw-alice"));
    await call(hook, withBasic("root", "pw-root"));
    expect(stub.authentications).toEqual(["alice:pw-alice", "root:pw-root", "alice:pw-alice"]);
  });

  it("answers a failed pair 401 again without a check for negativeCacheMs", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(2_000_000);
    const stub = stubCompute(USERS);
    const hook = authHook(basicMode(stub, { negativeCacheMs: 2_000 }));
    expect((await call(hook, withBasic("alice", "wrong"))).status).toBe(401);
    vi.setSystemTime(2_001_999);
    const again = await call(hook, withBasic("alice", "wrong"));
    expect(again.status).toBe(401);
    expect(again.body).toEqual(NOVA_401);
    expect(again.log.records()).toEqual([]);
    expect(stub.authentications).toEqual(["alice:wrong"]);
    vi.setSystemTime(2_002_000);
    expect((await call(hook, withBasic("alice", "wrong"))).status).toBe(401);
    expect(stub.authentications).toEqual(["alice:wrong", "alice:wrong"]);
    // The right password is not refused by the other pair's entry.
    expect((await call(hook, withBasic("alice", "pw-alice"))).status).toBeUndefined();

    const uncached = stubCompute(USERS);
    const noNegative = authHook(basicMode(uncached, { negativeCacheMs: 0 }));
    for (let round = 0; round < 3; round += 1) expect((await call(noNegative, withBasic("alice", "wrong"))).status).toBe(401);
    expect(uncached.authentications).toHaveLength(3);
  });

  it("lets concurrent requests with the same credentials share one check", async () => {
    const stub = stubCompute(USERS);
    const hook = authHook(basicMode(stub, { negativeCacheMs: 0 }, 0));
    stub.hold();
    const good = [call(hook, withBasic("alice", "pw-alice", { id: "r1" })), call(hook, withBasic("alice", "pw-alice", { id: "r2" }))];
    const bad = [call(hook, withBasic("root", "guess")), call(hook, withBasic("root", "guess"))];
    const other = call(hook, withBasic("root", "pw-root"));
    await vi.waitFor(() => {
      expect(stub.authentications).toHaveLength(3);
    });
    stub.release();
    const [first, second] = await Promise.all(good);
    expect(first?.caller).toEqual({ ...ALICE, requestId: "r1" });
    expect(second?.caller).toEqual({ ...ALICE, requestId: "r2" });
    for (const outcome of await Promise.all(bad)) expect(outcome.status).toBe(401);
    expect((await other).caller?.userId).toBe("u-root");
    expect([...stub.authentications].sort()).toEqual(["alice:pw-alice", "root:guess", "root:pw-root"]);
  });

  it("answers 429 with Retry-After once a user is over its failure limit, without a check", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(3_000_000);
    const stub = stubCompute(USERS);
    const hook = authHook(basicMode(stub, { maxFailuresPerUser: 1, failureWindowMs: 30_000, negativeCacheMs: 0 }));
    expect((await call(hook, withBasic("alice", "guess-1"))).status).toBe(401);
    const throttled = await call(hook, withBasic("alice", "pw-alice", { ip: "203.0.113.9" }));
    expect(throttled.answered).toBe(true);
    expect(throttled.status).toBe(429);
    expect(throttled.headers).toEqual({ "Retry-After": "30" });
    expect(throttled.body).toEqual({ overLimit: { code: 429, message: "Too many failed logins; try again in 30 s." } });
    expect(throttled.caller).toBeNull();
    expect(throttled.log.records()).toEqual([
      expect.objectContaining({ level: 20, msg: "login throttled", user: "alice", client: "203.0.113.9", retryAfterSeconds: 30 }),
    ]);
    expect(stub.authentications).toEqual(["alice:guess-1"]);
    const longName = "m".repeat(80);
    await call(hook, withBasic(longName, "x"));
    const longThrottled = await call(hook, withBasic(longName, "y"));
    expect(longThrottled.log.records()[0]).toMatchObject({ user: "m".repeat(65) });
  });

  it("counts failures per client address too", async () => {
    const stub = stubCompute(USERS);
    const hook = authHook(basicMode(stub, { maxFailuresPerClient: 1, negativeCacheMs: 0 }));
    expect((await call(hook, withBasic("nobody", "x", { ip: "192.0.2.10" }))).status).toBe(401);
    expect((await call(hook, withBasic("alice", "pw-alice", { ip: "192.0.2.10" }))).status).toBe(429);
    expect((await call(hook, withBasic("alice", "pw-alice", { ip: "192.0.2.11" }))).status).toBeUndefined();
  });
});

describe("BasicAuthenticator.check", () => {
  const logger = () => captureLog("debug").logger;

  it("names each outcome: denied for a malformed header, a cached failure and a shared failed check", async () => {
    const stub = stubCompute(USERS);
    const basic = new BasicAuthenticator(stub.compute, 10_000, new LoginGuard({ ...DEFAULT_LOGIN_LIMITS, negativeCacheMs: 5_000 }));
    expect(await basic.check(undefined, "c", logger())).toEqual({ kind: "denied" });
    expect(await basic.check("Basic !!", "c", logger())).toEqual({ kind: "denied" });
    expect(await basic.check(basicHeader("alice", "wrong"), "c", logger())).toEqual({ kind: "denied" });
    expect(await basic.check(basicHeader("alice", "wrong"), "c", logger())).toEqual({ kind: "denied" });
    expect(stub.authentications).toEqual(["alice:wrong"]);
    expect(await basic.check(basicHeader("alice", "pw-alice"), "c", logger())).toEqual({ kind: "ok", caller: ALICE });
    expect(await basic.check(basicHeader("alice", "pw-alice"), "c", logger())).toEqual({ kind: "ok", caller: ALICE });
    expect(stub.authentications).toEqual(["alice:wrong", "alice:pw-alice"]);
  });

  it("gives a request that joined a pending check that check's outcome", async () => {
    const stub = stubCompute(USERS);
    const basic = new BasicAuthenticator(stub.compute, 0, new LoginGuard({ ...DEFAULT_LOGIN_LIMITS, negativeCacheMs: 0 }));
    stub.hold();
    const outcomes = Promise.all([
      basic.check(basicHeader("alice", "pw-alice"), "c", logger()),
      basic.check(basicHeader("alice", "pw-alice"), "c", logger()),
      basic.check(basicHeader("alice", "nope"), "c", logger()),
      basic.check(basicHeader("alice", "nope"), "c", logger()),
    ]);
    stub.release();
    expect(await outcomes).toEqual([{ kind: "ok", caller: ALICE }, { kind: "ok", caller: ALICE }, { kind: "denied" }, { kind: "denied" }]);
    expect(stub.authentications).toEqual(["alice:pw-alice", "alice:nope"]);
  });
});

describe("authHook, X-Auth-Token", () => {
  const TOKENS = {
    scoped: tokenView(),
    reader: tokenView({ role: "reader" }),
    unscoped: tokenView({ project: null }),
    ["t".repeat(512)]: tokenView({ user: { id: "u-long", name: "long" } }),
    ["t".repeat(513)]: tokenView({ user: { id: "u-too-long", name: "too-long" } }),
  };

  it("sets the token's caller, trimming the header", async () => {
    const stub = stubCompute(USERS, TOKENS);
    const hook = authHook(basicMode(stub));
    const outcome = await call(hook, { headers: { "x-auth-token": "  scoped \t" }, id: "req-t" });
    expect(outcome.result).toBeUndefined();
    expect(outcome.status).toBeUndefined();
    expect(outcome.caller).toEqual({ userId: "u-tess", userName: "tess", projectId: "p-tok", role: "member", requestId: "req-t" });
    expect(stub.validations).toEqual(["scoped"]);
  });

  it("judges by the token alone: an unknown one is 401 Keystone-style even with good Basic credentials", async () => {
    const stub = stubCompute(USERS, TOKENS);
    const hook = authHook(basicMode(stub));
    for (const token of ["unknown", ""]) {
      const outcome = await call(hook, withBasic("alice", "pw-alice", { headers: { "x-auth-token": token } }));
      expect(outcome.answered).toBe(true);
      expect(outcome.status).toBe(401);
      expect(outcome.body).toEqual(KEYSTONE_401);
      expect(outcome.headers).toEqual({ "WWW-Authenticate": 'Keystone uri="http://compute.test:8774/identity"' });
      expect(outcome.caller).toBeNull();
    }
    expect(stub.authentications).toEqual([]);
    const linked = await call(hook, { headers: { "x-auth-token": "unknown" }, linkBase: "https://api.example/compute" });
    expect(linked.headers).toEqual({ "WWW-Authenticate": 'Keystone uri="https://api.example/compute/identity"' });
  });

  it("validates tokens of up to 512 characters; longer ones are refused unread", async () => {
    const stub = stubCompute(USERS, TOKENS);
    const hook = authHook(basicMode(stub));
    expect((await call(hook, { headers: { "x-auth-token": "t".repeat(512) } })).caller?.userId).toBe("u-long");
    const tooLong = await call(hook, { headers: { "x-auth-token": "t".repeat(513) } });
    expect(tooLong.status).toBe(401);
    expect(tooLong.body).toEqual(KEYSTONE_401);
    expect(stub.validations).toEqual(["t".repeat(512)]);
  });

  it("refuses an unscoped token with 403 except where the route accepts them", async () => {
    const stub = stubCompute(USERS, TOKENS);
    const hook = authHook(basicMode(stub));
    for (const unscopedTokens of [undefined, false]) {
      const outcome = await call(hook, { headers: { "x-auth-token": "unscoped" }, ...(unscopedTokens === undefined ? {} : { unscopedTokens }) });
      expect(outcome.answered).toBe(true);
      expect(outcome.status).toBe(403);
      expect(outcome.body).toEqual({ error: { code: 403, title: "Forbidden", message: "This token is not scoped to a project; ask for a project-scoped token." } });
      expect(outcome.caller).toBeNull();
    }
    const accepted = await call(hook, { headers: { "x-auth-token": "unscoped" }, unscopedTokens: true, access: "authenticated" });
    expect(accepted.status).toBeUndefined();
    expect(accepted.caller).toMatchObject({ userId: "u-tess", projectId: "" });
    expect((await call(hook, { headers: { "x-auth-token": "scoped" }, unscopedTokens: true })).caller?.projectId).toBe("p-tok");
  });

  it("applies the route's role to the token's caller", async () => {
    const stub = stubCompute(USERS, TOKENS);
    const hook = authHook(basicMode(stub));
    const refused = await call(hook, { headers: { "x-auth-token": "reader" }, access: "member" });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ forbidden: { code: 403, message: "This action needs the member role; you have reader." } });
    expect((await call(hook, { headers: { "x-auth-token": "reader" }, access: "reader" })).status).toBeUndefined();
  });

  it("treats a repeated X-Auth-Token header (an array) as none: Basic decides", async () => {
    const stub = stubCompute(USERS, TOKENS);
    const hook = authHook(basicMode(stub));
    const outcome = await call(hook, withBasic("alice", "pw-alice", { headers: { "x-auth-token": ["scoped", "reader"] } }));
    expect(outcome.caller?.userId).toBe("u-alice");
    expect(stub.validations).toEqual([]);
  });
});
