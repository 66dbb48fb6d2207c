// The one retry policy of the Ironic client (S13).
//
// Retried: 409 "node locked" (another conductor task holds the node), 503 / no
// connection (Ironic restarting or overloaded). Never retried: 400, 404, 409
// "associated" (a lost claim), auth failures, invalid responses, timeouts (the
// request may have taken effect; the caller re-reads state instead), and
// OutcomeUnknownError: a non-idempotent request whose connection broke after it
// may have been sent (http.ts decides that; a broken GET stays UnavailableError
// and is retried).
// Backoff is exponential with "equal jitter": half the step is fixed, half random,
// so a storm of clients spreads out but nobody retries in a tight loop.

import { NodeLockedError, UnavailableError } from "./errors.js";

export interface RetryPolicy {
  /** Total attempts including the first; 1 = no retry. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 250, maxDelayMs: 4_000 };

/** For the node claim: a lost race must surface at once, not after backoff. */
export const NO_RETRY: RetryPolicy = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 };

export function isRetryable(error: unknown): boolean {
  return error instanceof NodeLockedError || error instanceof UnavailableError;
}

/** Delay before retry number `retry` (0-based), in ms. */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(step / 2 + random() * (step / 2));
}

export interface RetryHooks {
  onRetry?: (error: unknown, retry: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(
  policy: RetryPolicy,
  operation: () => Promise<T>,
  hooks: RetryHooks = {},
): Promise<T> {
  const sleep = hooks.sleep ?? defaultSleep;
  for (let retry = 0; ; retry++) {
    try {
      return await operation();
    } catch (error) {
      if (!isRetryable(error) || retry + 1 >= policy.attempts) throw error;
      const delayMs = backoffDelay(policy, retry);
      hooks.onRetry?.(error, retry, delayMs);
      await sleep(delayMs);
    }
  }
}
