// The retry policy's bounds and the microversion negotiation rules.
import { describe, expect, it } from "vitest";
import { IronicBadRequestError, NodeAssociatedError, NodeLockedError, IronicNotFoundError, UnavailableError } from "../../src/ironic/errors.js";
import { negotiate, parseMicroversion } from "../../src/ironic/microversion.js";
import { backoffDelay, DEFAULT_RETRY, isRetryable, withRetry } from "../../src/ironic/retry.js";

describe("retry policy", () => {
  it("retries node-locked and unavailable, never bad request, not found or a lost claim", () => {
    expect(isRetryable(new NodeLockedError("locked"))).toBe(true);
    expect(isRetryable(new UnavailableError("down"))).toBe(true);
    expect(isRetryable(new IronicBadRequestError("bad"))).toBe(false);
    expect(isRetryable(new IronicNotFoundError("gone"))).toBe(false);
    expect(isRetryable(new NodeAssociatedError("taken"))).toBe(false);
  });

  it("backs off exponentially with jitter inside [step/2, step], capped at the maximum", () => {
    const policy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffDelay(policy, 0, () => 0)).toBe(50);
    expect(backoffDelay(policy, 0, () => 1)).toBe(100);
    expect(backoffDelay(policy, 3, () => 0)).toBe(400);
    expect(backoffDelay(policy, 3, () => 1)).toBe(800);
    expect(backoffDelay(policy, 9, () => 1)).toBe(1_000);
    expect(backoffDelay(policy, 9, () => 0)).toBe(500);
  });

  it("stops after the configured attempts and rethrows the last error", async () => {
    let calls = 0;
    const delays: number[] = [];
    await expect(
      withRetry(
        { attempts: 4, baseDelayMs: 10, maxDelayMs: 40 },
        () => {
          calls++;
          return Promise.reject(new NodeLockedError("locked"));
        },
        { sleep: (ms) => { delays.push(ms); return Promise.resolve(); } },
      ),
    ).rejects.toBeInstanceOf(NodeLockedError);
    expect(calls).toBe(4);
    expect(delays).toHaveLength(3);
    expect(delays.every((d) => d <= 40)).toBe(true);
  });

  it("has bounded defaults (worst case under 30 s of sleeping)", () => {
    let worst = 0;
    for (let retry = 0; retry < DEFAULT_RETRY.attempts - 1; retry++) worst += backoffDelay(DEFAULT_RETRY, retry, () => 1);
    expect(worst).toBeLessThan(30_000);
  });
});

describe("microversion negotiation", () => {
  const root = (min: string, max: string) => ({ default_version: { id: "v1", version: max, min_version: min } });

  it("takes our maximum when the server is newer", () => {
    const result = negotiate(root("1.1", "1.99"));
    expect(result.ok && result.version).toEqual([1, 82]);
  });
  it("takes the server's maximum when it is older than ours but new enough", () => {
    const result = negotiate(root("1.1", "1.60"));
    expect(result.ok && result.version).toEqual([1, 60]);
  });
  it("refuses a server older than our minimum, naming both ranges", () => {
    const result = negotiate(root("1.1", "1.46"));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/1\.1\.\.1\.46.*1\.56\.\.1\.82/);
  });
  it("refuses a server whose minimum is above our maximum", () => {
    expect(negotiate(root("1.90", "1.95")).ok).toBe(false);
  });
  it("reads the versions list of servers without default_version", () => {
    const result = negotiate({ versions: [{ id: "v1", version: "1.70", min_version: "1.1" }] });
    expect(result.ok && result.version).toEqual([1, 70]);
  });
  it("parses only N.M", () => {
    expect(parseMicroversion("1.82")).toEqual([1, 82]);
    expect(parseMicroversion("latest")).toBeUndefined();
    expect(parseMicroversion("1.8.2")).toBeUndefined();
  });
});
