// pollUntil with an injected clock and sleep (the power-settle and console loop).
import { describe, expect, it } from "vitest";
import { pollUntil } from "../../src/driver/wait.js";

function fakeTime(): { now: () => number; sleep: (ms: number) => Promise<void>; sleeps: number[] } {
  let time = 0;
  const sleeps: number[] = [];
  return { now: () => time, sleep: (ms) => { sleeps.push(ms); time += ms; return Promise.resolve(); }, sleeps };
}

describe("pollUntil", () => {
  it("returns the first value that is reached, pausing one interval between polls", async () => {
    const time = fakeTime();
    const values = [1, 2, 3];
    const got = await pollUntil(() => Promise.resolve(values.shift() ?? 0), (v) => v === 3, { timeoutMs: 10_000, pollIntervalMs: 250, ...time }, () => new Error("late"));
    expect(got).toBe(3);
    expect(time.sleeps).toEqual([250, 250]);
  });

  it("throws the timeout error once the deadline has passed, after one last poll", async () => {
    const time = fakeTime();
    let polls = 0;
    const run = pollUntil(() => Promise.resolve(++polls), () => false, { timeoutMs: 1_000, pollIntervalMs: 400, ...time }, () => new Error("late"));
    await expect(run).rejects.toThrow("late");
    expect(time.sleeps).toEqual([400, 400, 400]);
    expect(polls).toBe(4);
  });
});
