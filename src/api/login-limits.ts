// Failed-login limits for Basic auth (issue 8 #7): per client address and per
// user name, fixed windows, bounded memory. A key with `max` failures in its
// window is refused (429 + Retry-After) until the window ends, without a
// password check: guessing is slowed to `max` tries per window, and a flood of
// bad passwords cannot keep the password workers busy.
import { z } from "zod";
import { intSetting } from "../compute/config.js";

export const loginLimitsSchema = z
  .object({
    maxFailuresPerClient: intSetting(1, 1_000_000, 20).describe("Failed logins from one client address per window before 429."),
    maxFailuresPerUser: intSetting(1, 1_000_000, 10).describe("Failed logins for one user name (any client) per window before 429."),
    failureWindowMs: intSetting(1_000, 86_400_000, 60_000).describe("Length of the fixed window failed logins are counted in."),
    negativeCacheMs: intSetting(0, 300_000, 5_000).describe("How long a failed user/password pair is answered 401 without a new check."),
    maxTrackedKeys: intSetting(100, 1_000_000, 10_000).describe("Clients, users and cached failures tracked at most (each); the oldest go first."),
  })
  .strict();

export type LoginLimits = z.output<typeof loginLimitsSchema>;

export const DEFAULT_LOGIN_LIMITS: LoginLimits = loginLimitsSchema.parse({});

interface Window {
  failures: number;
  endsAt: number;
}

/** Failure counts per key in fixed windows; at most `maxKeys` keys (oldest window dropped first). */
export class FailureCounter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {}

  /** Seconds until `key` may try again; 0 when it may now. */
  retryAfterSeconds(key: string, now = Date.now()): number {
    const window = this.current(key, now);
    if (window === undefined || window.failures < this.max) return 0;
    return Math.max(1, Math.ceil((window.endsAt - now) / 1_000));
  }

  /** Counts one failure (or an attempt not yet known to succeed). */
  fail(key: string, now = Date.now()): void {
    const window = this.current(key, now);
    if (window !== undefined) {
      window.failures += 1;
      return;
    }
    if (this.windows.size >= this.maxKeys) {
      // Map order is insertion order, and windows are inserted when they start:
      // the first entry is the oldest window.
      const oldest = this.windows.keys().next();
      if (oldest.done !== true) this.windows.delete(oldest.value);
    }
    this.windows.set(key, { failures: 1, endsAt: now + this.windowMs });
  }

  /** Takes back one counted attempt (it succeeded). */
  undo(key: string, now = Date.now()): void {
    const window = this.current(key, now);
    if (window !== undefined && window.failures > 0) window.failures -= 1;
  }

  reset(key: string): void {
    this.windows.delete(key);
  }

  get size(): number {
    return this.windows.size;
  }

  private current(key: string, now: number): Window | undefined {
    const window = this.windows.get(key);
    if (window === undefined) return undefined;
    if (window.endsAt > now) return window;
    this.windows.delete(key);
    return undefined;
  }
}

export type GuardedOutcome<T> = { kind: "ok"; value: T } | { kind: "denied" } | { kind: "throttled"; retryAfterSeconds: number };

/** User names are at most 64 characters; longer ones share a counter (all unknown). */
const MAX_COUNTED_SUBJECT = 65;

/**
 * The failure limits around every check of a secret a person or script sends
 * (Basic, a token request with a password or an application credential
 * secret), one instance per API so that a guess through either way counts
 * against the same budget.
 */
export class LoginGuard {
  private readonly perClient: FailureCounter;
  private readonly perSubject: FailureCounter;

  constructor(readonly limits: LoginLimits) {
    this.perClient = new FailureCounter(limits.maxFailuresPerClient, limits.failureWindowMs, limits.maxTrackedKeys);
    this.perSubject = new FailureCounter(limits.maxFailuresPerUser, limits.failureWindowMs, limits.maxTrackedKeys);
  }

  /**
   * Runs `check` (undefined: wrong credentials) unless `client` or `subject` (a
   * user name, or a credential's name or id) is over its limit. An attempt
   * counts when it starts and is taken back if it succeeds, so concurrent
   * guesses count too; an error thrown by `check` (e.g. the password workers
   * are busy) is not a failed login and is not counted.
   */
  async attempt<T>(client: string, subject: string, check: () => Promise<T | undefined>): Promise<GuardedOutcome<T>> {
    const key = subject.slice(0, MAX_COUNTED_SUBJECT);
    const retryAfterSeconds = Math.max(this.perClient.retryAfterSeconds(client), this.perSubject.retryAfterSeconds(key));
    if (retryAfterSeconds > 0) return { kind: "throttled", retryAfterSeconds };
    this.perClient.fail(client);
    this.perSubject.fail(key);
    let value: T | undefined;
    try {
      value = await check();
    } catch (error) {
      this.perClient.undo(client);
      this.perSubject.undo(key);
      throw error;
    }
    if (value === undefined) return { kind: "denied" };
    this.perClient.undo(client);
    this.perSubject.reset(key);
    return { kind: "ok", value };
  }
}
