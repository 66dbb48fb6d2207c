// Pure checks of src/api/login-limits.ts (issue 8 #7, S11), written for the
// mutation run: the settings' defaults and bounds, FailureCounter's fixed windows
// and bounded memory (with explicit clocks), and LoginGuard's counting around a
// check (Date faked: the guard reads the clock itself).
import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_LOGIN_LIMITS, FailureCounter, LoginGuard, loginLimitsSchema, type LoginLimits } from "../../src/api/login-limits.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("loginLimitsSchema", () => {
  it("defaults every limit", () => {
    expect(DEFAULT_LOGIN_LIMITS).toEqual({ maxFailuresPerClient: 20, maxFailuresPerUser: 10, failureWindowMs: 60_000, negativeCacheMs: 5_000, maxTrackedKeys: 10_000 });
    expect(loginLimitsSchema.parse({})).toEqual(DEFAULT_LOGIN_LIMITS);
  });

  it.each<[keyof LoginLimits, number, number]>([
    ["maxFailuresPerClient", 1, 1_000_000],
    ["maxFailuresPerUser", 1, 1_000_000],
    ["failureWindowMs", 1_000, 86_400_000],
    ["negativeCacheMs", 0, 300_000],
    ["maxTrackedKeys", 100, 1_000_000],
  ])("%s accepts integers from %i to %i and nothing outside", (key, min, max) => {
    expect(loginLimitsSchema.parse({ [key]: min })[key]).toBe(min);
    expect(loginLimitsSchema.parse({ [key]: max })[key]).toBe(max);
    for (const bad of [min - 1, max + 1, min + 0.5, "5"]) {
      expect([bad, loginLimitsSchema.safeParse({ [key]: bad }).success]).toEqual([bad, false]);
    }
  });

  it("refuses an unknown setting", () => {
    expect(loginLimitsSchema.safeParse({ maxFailures: 3 }).success).toBe(false);
  });

  it("describes each setting for the configuration reference", () => {
    for (const [key, field] of Object.entries(loginLimitsSchema.shape)) {
      expect([key, (field.description ?? "").length > 20]).toEqual([key, true]);
    }
  });
});

describe("FailureCounter", () => {
  it("lets a key try until it has max failures in its window, then says how long to wait", () => {
    const counter = new FailureCounter(3, 30_000, 100);
    counter.fail("k", 1_000);
    counter.fail("k", 2_000);
    expect(counter.retryAfterSeconds("k", 2_000)).toBe(0);
    counter.fail("k", 3_000);
    // The window started at 1 000 and ends at 31 000.
    expect(counter.retryAfterSeconds("k", 3_000)).toBe(28);
    expect(counter.retryAfterSeconds("k", 30_001)).toBe(1);
    expect(counter.retryAfterSeconds("k", 29_000)).toBe(2);
    expect(counter.retryAfterSeconds("other", 3_000)).toBe(0);
  });

  it("ends the window exactly at its end: the next failure starts a new one", () => {
    const counter = new FailureCounter(1, 10_000, 100);
    counter.fail("k", 5_000);
    expect(counter.retryAfterSeconds("k", 14_999)).toBe(1);
    expect(counter.retryAfterSeconds("k", 15_000)).toBe(0);
    expect(counter.size).toBe(0);
    counter.fail("k", 15_000);
    expect(counter.retryAfterSeconds("k", 15_000)).toBe(10);
  });

  it("a failure inside the window counts against the same window, not a new one", () => {
    const counter = new FailureCounter(2, 10_000, 100);
    counter.fail("k", 0);
    counter.fail("k", 9_000);
    expect(counter.retryAfterSeconds("k", 9_000)).toBe(1);
    expect(counter.size).toBe(1);
  });

  it("undo takes back one failure, never below none; reset forgets the key", () => {
    const counter = new FailureCounter(2, 60_000, 100);
    counter.fail("k", 0);
    counter.undo("k", 0);
    counter.undo("k", 0);
    counter.fail("k", 0);
    expect(counter.retryAfterSeconds("k", 0)).toBe(0);
    counter.fail("k", 0);
    expect(counter.retryAfterSeconds("k", 0)).toBe(60);
    counter.undo("k", 0);
    expect(counter.retryAfterSeconds("k", 0)).toBe(0);
    counter.fail("k", 0);
    counter.reset("k");
    expect(counter.size).toBe(0);
    expect(counter.retryAfterSeconds("k", 0)).toBe(0);
    counter.undo("gone", 0);
    expect(counter.size).toBe(0);
  });

  it("an undo after the window ended changes nothing in the next one", () => {
    const counter = new FailureCounter(1, 1_000, 100);
    counter.fail("k", 0);
    counter.undo("k", 1_000);
    counter.fail("k", 1_000);
    expect(counter.retryAfterSeconds("k", 1_000)).toBe(1);
  });

  it("tracks at most maxKeys keys, dropping the oldest window first", () => {
    const counter = new FailureCounter(1, 60_000, 2);
    counter.fail("a", 0);
    counter.fail("b", 1);
    counter.fail("a", 2);
    expect(counter.size).toBe(2);
    counter.fail("c", 3);
    expect(counter.size).toBe(2);
    expect(counter.retryAfterSeconds("a", 3)).toBe(0);
    expect(counter.retryAfterSeconds("b", 3)).toBe(60);
    expect(counter.retryAfterSeconds("c", 3)).toBe(60);
  });

  it("uses the clock when no time is given", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(100_000);
    const counter = new FailureCounter(1, 20_000, 100);
    counter.fail("k");
    vi.setSystemTime(105_000);
    expect(counter.retryAfterSeconds("k")).toBe(15);
    counter.undo("k");
    expect(counter.retryAfterSeconds("k")).toBe(0);
  });
});

/** Limits small enough to reach in a test; each case overrides what it is about. */
function guard(limits: Partial<LoginLimits> = {}): LoginGuard {
  return new LoginGuard({ ...DEFAULT_LOGIN_LIMITS, maxFailuresPerClient: 100, maxFailuresPerUser: 100, failureWindowMs: 60_000, ...limits });
}

const wrong = () => Promise.resolve(undefined);
const right = () => Promise.resolve("caller");

describe("LoginGuard", () => {
  it("answers ok with the check's value, denied when it finds nothing", async () => {
    const login = guard();
    await expect(login.attempt("192.0.2.1", "alice", right)).resolves.toEqual({ kind: "ok", value: "caller" });
    await expect(login.attempt("192.0.2.1", "alice", wrong)).resolves.toEqual({ kind: "denied" });
    expect(login.limits.maxFailuresPerClient).toBe(100);
  });

  it("throttles a user over its limit from any client, without running the check", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(1_000_000);
    const login = guard({ maxFailuresPerUser: 2, failureWindowMs: 45_000 });
    await login.attempt("192.0.2.1", "alice", wrong);
    await login.attempt("192.0.2.2", "alice", wrong);
    vi.setSystemTime(1_005_000);
    const check = vi.fn(right);
    await expect(login.attempt("192.0.2.3", "alice", check)).resolves.toEqual({ kind: "throttled", retryAfterSeconds: 40 });
    expect(check).not.toHaveBeenCalled();
    await expect(login.attempt("192.0.2.3", "bob", right)).resolves.toEqual({ kind: "ok", value: "caller" });
  });

  it("throttles a client over its limit for any user, with the longer wait of the two", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(0);
    const login = guard({ maxFailuresPerClient: 2, maxFailuresPerUser: 1, failureWindowMs: 30_000 });
    await login.attempt("192.0.2.1", "alice", wrong);
    vi.setSystemTime(10_000);
    await login.attempt("192.0.2.1", "bob", wrong);
    // The client's window (and alice's) ends at 30 s, bob's at 40 s.
    await expect(login.attempt("192.0.2.1", "carol", right)).resolves.toEqual({ kind: "throttled", retryAfterSeconds: 20 });
    await expect(login.attempt("192.0.2.9", "bob", right)).resolves.toEqual({ kind: "throttled", retryAfterSeconds: 30 });
    await expect(login.attempt("192.0.2.1", "bob", right)).resolves.toEqual({ kind: "throttled", retryAfterSeconds: 30 });
    await expect(login.attempt("192.0.2.9", "carol", right)).resolves.toEqual({ kind: "ok", value: "caller" });
  });

  it("counts an attempt while its check runs, so concurrent guesses are limited too", async () => {
    const login = guard({ maxFailuresPerUser: 1 });
    let finish: (value: string | undefined) => void = () => undefined;
    const pending = login.attempt("192.0.2.1", "alice", () => new Promise<string | undefined>((resolve) => { finish = resolve; }));
    await expect(login.attempt("192.0.2.2", "alice", right)).resolves.toMatchObject({ kind: "throttled" });
    finish("caller");
    await expect(pending).resolves.toEqual({ kind: "ok", value: "caller" });
  });

  it("a success takes back the client's attempt and clears the user's failures", async () => {
    const login = guard({ maxFailuresPerClient: 2, maxFailuresPerUser: 2 });
    await login.attempt("192.0.2.1", "alice", wrong);
    await login.attempt("192.0.2.1", "alice", right);
    // The user's count is 0 again (one failure left it below 2); the client's is 1.
    await expect(login.attempt("192.0.2.2", "alice", wrong)).resolves.toEqual({ kind: "denied" });
    await expect(login.attempt("192.0.2.2", "alice", right)).resolves.toEqual({ kind: "ok", value: "caller" });
    await expect(login.attempt("192.0.2.1", "bob", wrong)).resolves.toEqual({ kind: "denied" });
    await expect(login.attempt("192.0.2.1", "carol", right)).resolves.toMatchObject({ kind: "throttled" });
  });

  it("a check that throws is no failed login: both counts are taken back and the error passes", async () => {
    const login = guard({ maxFailuresPerClient: 1, maxFailuresPerUser: 1 });
    const busy = new Error("password workers busy");
    await expect(login.attempt("192.0.2.1", "alice", () => Promise.reject(busy))).rejects.toBe(busy);
    await expect(login.attempt("192.0.2.1", "bob", wrong)).resolves.toEqual({ kind: "denied" });
    await expect(login.attempt("192.0.2.2", "alice", wrong)).resolves.toEqual({ kind: "denied" });
  });

  it("counts user names by their first 65 characters", async () => {
    const login = guard({ maxFailuresPerUser: 1 });
    const stem = "n".repeat(65);
    await login.attempt("192.0.2.1", `${stem}-one`, wrong);
    await expect(login.attempt("192.0.2.2", `${stem}-two`, right)).resolves.toMatchObject({ kind: "throttled" });
    await expect(login.attempt("192.0.2.2", "n".repeat(64), right)).resolves.toEqual({ kind: "ok", value: "caller" });
  });
});
