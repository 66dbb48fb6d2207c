// Basic auth under attack (issue 8 #7), against a fake ComputeApi that counts
// password checks: failures are limited per client and per user (429 with
// Retry-After), a failed header is not checked again for a moment, success is
// cached and forgotten when the user goes away, and failed logins are logged at
// warn without the password.
import { describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/server.js";
import { ScopeRefusedError, ServiceBusyError, UnauthorizedError } from "../../src/compute/contract.js";
import { captureLog } from "../support/log-capture.js";
import { basicHeader, fakeCompute, FAKE_PASSWORD, FAKE_USERS } from "../support/fake-compute.js";
import { checkNovaAnswers, failOnNovaViolations } from "../support/nova-schemas/fastify-hook.js";

// Apps are built inside tests: fail each test that received an answer outside Nova's schema.
failOnNovaViolations();

const LIMITS = { maxFailuresPerClient: 4, maxFailuresPerUser: 3, failureWindowMs: 60_000, negativeCacheMs: 2_000, maxTrackedKeys: 1_000 };

function setup(login: Partial<typeof LIMITS> = {}) {
  const log = captureLog("debug");
  const compute = fakeCompute();
  const app = buildApi(compute, { log: log.logger, auth: "basic", login: { ...LIMITS, ...login } });
  checkNovaAnswers(app);
  const get = (authorization: string, remoteAddress = "192.0.2.1") =>
    app.inject({ method: "GET", url: "/v2.1/servers", headers: { authorization }, remoteAddress });
  return { log, compute, app, get };
}

describe("login limits", () => {
  it("a client with too many failures gets 429 with Retry-After, without a password check", async () => {
    const { compute, app, get } = setup();
    for (let attempt = 0; attempt < 4; attempt += 1) {
      expect((await get(basicHeader(`nobody-${attempt}`, `guess-${attempt}`))).statusCode).toBe(401);
    }
    const checks = compute.authentications;
    const throttled = await get(basicHeader("alice", "guess-5"));
    expect(throttled.statusCode).toBe(429);
    expect(Number(throttled.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(throttled.headers["retry-after"])).toBeLessThanOrEqual(60);
    expect(throttled.json()).toEqual({ overLimit: { code: 429, message: expect.stringMatching(/Too many failed logins/) as unknown } });
    // Even the right password waits: the point is to stop guessing.
    expect((await get(basicHeader("alice"))).statusCode).toBe(429);
    expect(compute.authentications).toBe(checks);
    // Another client is not affected.
    expect((await get(basicHeader("alice"), "192.0.2.2")).statusCode).toBe(200);
    await app.close();
  });

  it("a user with too many failures (from any clients) gets 429; other users do not", async () => {
    const { app, get } = setup();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await get(basicHeader("bob", `guess-${attempt}`), `198.51.100.${attempt}`)).statusCode).toBe(401);
    }
    expect((await get(basicHeader("bob", "guess-9"), "198.51.100.9")).statusCode).toBe(429);
    expect((await get(basicHeader("bob"), "198.51.100.10")).statusCode).toBe(429);
    expect((await get(basicHeader("alice"), "198.51.100.10")).statusCode).toBe(200);
    await app.close();
  });

  it("a real success before the limit resets the user's count, and is then served from the cache", async () => {
    const { compute, app, get } = setup();
    for (let attempt = 0; attempt < 2; attempt += 1) expect((await get(basicHeader("alice", `guess-${attempt}`), "203.0.113.5")).statusCode).toBe(401);
    expect((await get(basicHeader("alice"), "203.0.113.5")).statusCode).toBe(200);
    // Two more failures: 2 would have reached 4 > 3 without the reset.
    for (let attempt = 2; attempt < 4; attempt += 1) expect((await get(basicHeader("alice", `guess-${attempt}`), "203.0.113.6")).statusCode).toBe(401);
    const checks = compute.authentications;
    expect((await get(basicHeader("alice"), "203.0.113.7")).statusCode).toBe(200);
    expect(compute.authentications).toBe(checks);
    await app.close();
  });

  it("the same wrong header is answered from a short negative cache", async () => {
    const { compute, app, get } = setup({ maxFailuresPerClient: 100, maxFailuresPerUser: 100 });
    const wrong = basicHeader("alice", "not-it");
    expect((await get(wrong)).statusCode).toBe(401);
    const checks = compute.authentications;
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await get(wrong)).statusCode).toBe(401);
    expect(compute.authentications).toBe(checks);
    await app.close();
  });

  it("failed logins are logged at warn with the user and client, never the password", async () => {
    const { log, app, get } = setup();
    await get(basicHeader("alice", "hunter2-secret-guess"), "192.0.2.77");
    const warning = log.records().find((record) => record["msg"] === "failed login");
    expect(warning).toMatchObject({ level: 40, user: "alice", client: "192.0.2.77" });
    expect(log.text()).not.toContain("hunter2-secret-guess");
    expect(log.text()).not.toContain(Buffer.from("alice:hunter2-secret-guess").toString("base64"));
    await app.close();
  });

  it("a deleted user's cached login stops working at once", async () => {
    const { app, get, compute } = setup();
    expect((await get(basicHeader("bob"))).statusCode).toBe(200);
    compute.removeUser("bob");
    expect((await get(basicHeader("bob"))).statusCode).toBe(401);
    await app.close();
  });

  it("password checks at their queue limit answer 503 with Retry-After", async () => {
    const log = captureLog("debug");
    const compute = fakeCompute({ authenticate: () => Promise.reject(new ServiceBusyError("Too many password checks at once; try again shortly.")) });
    const app = buildApi(compute, { log: log.logger, auth: "basic", login: LIMITS });
    checkNovaAnswers(app);
    const response = await app.inject({ method: "GET", url: "/v2.1/servers", headers: { authorization: basicHeader("alice") } });
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("1");
    expect(Object.keys(FAKE_USERS)).toContain("alice");
    await app.close();
  });

  describe("token requests share the budget", () => {
    // The fake issues a token for a user of FAKE_USERS with FAKE_PASSWORD, and
    // refuses project "p-elsewhere" as a scope the user does not have.
    function tokenSetup() {
      const log = captureLog("debug");
      let checks = 0;
      const compute = fakeCompute({
        tokens: {
          issue: (credentials, scope) => {
            checks += 1;
            if (credentials.method !== "password" || !("name" in credentials.user)) return Promise.reject(new UnauthorizedError("no"));
            const user = FAKE_USERS[credentials.user.name];
            if (user === undefined || credentials.password !== FAKE_PASSWORD) return Promise.reject(new UnauthorizedError("wrong"));
            if (typeof scope === "object" && "id" in scope.project && scope.project.id === "p-elsewhere") {
              return Promise.reject(new ScopeRefusedError("not yours"));
            }
            const now = new Date().toISOString();
            return Promise.resolve({
              token: "t".repeat(43),
              view: {
                user: { id: user.userId, name: user.userName },
                project: { id: user.projectId, name: user.projectId },
                role: user.role,
                roles: [user.role],
                methods: ["password"],
                auditId: "audit",
                issuedAt: now,
                expiresAt: now,
                applicationCredential: null,
              },
            });
          },
        },
      });
      const app = buildApi(compute, { log: log.logger, auth: "basic", login: LIMITS });
      checkNovaAnswers(app);
      const token = (user: string, password: string, scope?: unknown) =>
        app.inject({
          method: "POST",
          url: "/identity/v3/auth/tokens",
          remoteAddress: "192.0.2.50",
          payload: { auth: { identity: { methods: ["password"], password: { user: { name: user, domain: { id: "default" }, password } } }, ...(scope === undefined ? {} : { scope }) } },
        });
      return { app, log, token, checks: () => checks };
    }

    it("failed token requests and failed Basic logins count together; the limit answers 429 in Keystone's shape", async () => {
      const { app, token, checks } = tokenSetup();
      expect((await token("bob", "guess-1")).statusCode).toBe(401);
      expect((await token("bob", "guess-2")).statusCode).toBe(401);
      const basic = await app.inject({ method: "GET", url: "/v2.1/servers", headers: { authorization: basicHeader("bob", "guess-3") }, remoteAddress: "192.0.2.51" });
      expect(basic.statusCode).toBe(401);
      const counted = checks();
      const throttled = await token("bob", FAKE_PASSWORD);
      expect(throttled.statusCode).toBe(429);
      expect(Number(throttled.headers["retry-after"])).toBeGreaterThan(0);
      expect(throttled.json()).toEqual({ error: { code: 429, title: "Too Many Requests", message: expect.stringMatching(/Too many failed logins/) as unknown } });
      expect(checks()).toBe(counted);
      await app.close();
    });

    it("a right password with a scope the user lacks is a 401 but not a failed login", async () => {
      const { app, token, log } = tokenSetup();
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const refused = await token("alice", FAKE_PASSWORD, { project: { id: "p-elsewhere" } });
        expect(refused.statusCode).toBe(401);
        expect(refused.json()).toEqual({ error: { code: 401, title: "Unauthorized", message: "not yours" } });
      }
      expect((await token("alice", FAKE_PASSWORD)).statusCode).toBe(201);
      expect(log.text()).not.toContain("failed token request");
      expect((await token("alice", "a-bad-guess")).statusCode).toBe(401);
      const line = log.records().find((record) => record["msg"] === "failed token request");
      expect(line).toMatchObject({ level: 40, subject: "alice", client: "192.0.2.50", method: "password" });
      expect(log.text()).not.toContain("a-bad-guess");
      await app.close();
    });
  });
});
