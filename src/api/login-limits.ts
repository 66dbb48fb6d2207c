// Failed-login limits for Basic auth (issue 8 #7): per client address and per
// user name, fixed windows, bounded memory. A key with `max` failures in its
// window is refused (429 + Retry-After) until the window ends, without a
// password check: guessing is slowed to `max` tries per window, and a flood of
// bad passwords cannot keep the password workers busy.
import { z } from "zod";
import { intSetting } from "../compute/config.js";

export const loginLimitsSchema = z
  .object({
    /** Failed logins from one client address per window before 429. */
    maxFailuresPerClient: intSetting(1, 1_000_000, 20),
    /** Failed logins for one user name (any client) per window before 429. */
    maxFailuresPerUser: intSetting(1, 1_000_000, 10),
    failureWindowMs: intSetting(1_000, 86_400_000, 60_000),
    /** How long a failed user/password pair is answered 401 without a new check. */
    negativeCacheMs: intSetting(0, 300_000, 5_000),
    /** Clients, users and cached failures tracked at most (each); the oldest go first. */
    maxTrackedKeys: intSetting(100, 1_000_000, 10_000),
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
