// runOperation with its injected clock and sleep: no real time passes, so the
// deadline, the poll interval, the per-step cap and the handling of an unknown
// outcome are checked exactly.
import { describe, expect, it } from "vitest";
import { OperationFailedError, OperationTimeoutError } from "../../src/driver/errors.js";
import { runOperation, type Decision, type Progress } from "../../src/driver/operation.js";
import { OutcomeUnknownError } from "../../src/ironic/errors.js";
import { silentLogger } from "../../src/log/logger.js";

type Step = "go";

/** A clock that only moves when the operation sleeps. */
function fakeTime(): { now: () => number; sleep: (ms: number) => Promise<void>; sleeps: number[] } {
  let time = 1_000;
  const sleeps: number[] = [];
  return {
    now: () => time,
    sleep: (ms) => {
      sleeps.push(ms);
      time += ms;
      return Promise.resolve();
    },
    sleeps,
  };
}

/** An operation whose decisions come from a script, one per observation. */
function scripted(decisions: Array<Decision<Step>>, act: () => Promise<void> = () => Promise.resolve()) {
  let observed = 0;
  const acts: number[] = [];
  return {
    spec: {
      name: "test-op",
      ids: { node: "n", instance: "i" },
      observe: () => Promise.resolve(observed++),
      decide: (index: number) => decisions[Math.min(index, decisions.length - 1)] ?? { kind: "done" as const },
      act: async (_step: Step, index: number) => {
        acts.push(index);
        await act();
      },
    },
    acts,
  };
}

describe("runOperation with an injected clock and sleep", () => {
  it("acts, waits one poll interval per wait, and finishes", async () => {
    const time = fakeTime();
    const progress: Array<Progress<Step>> = [];
    const op = scripted([{ kind: "act", step: "go" }, { kind: "wait", reason: "busy" }, { kind: "wait", reason: "busy" }, { kind: "done" }]);
    await runOperation(op.spec, { timeoutMs: 60_000, pollIntervalMs: 500, log: silentLogger, onProgress: (p) => progress.push(p), ...time });
    expect(op.acts).toEqual([0]);
    expect(time.sleeps).toEqual([500, 500]);
    // A repeated wait reason is reported once.
    expect(progress.map((p) => [p.step, p.detail, p.elapsedMs])).toEqual([
      ["go", "go", 0],
      ["wait", "busy", 0],
    ]);
  });

  it("never sleeps past the deadline, then fails with a timeout naming the wait", async () => {
    const time = fakeTime();
    const op = scripted([{ kind: "wait", reason: "node is deploying" }]);
    const run = runOperation(op.spec, { timeoutMs: 1_200, pollIntervalMs: 500, log: silentLogger, ...time });
    await expect(run).rejects.toThrow(OperationTimeoutError);
    await expect(run).rejects.toThrow(/did not finish within 1 s \(node is deploying\)/);
    expect(time.sleeps).toEqual([500, 500, 200]);
  });

  it("gives up when one step repeats more than the cap", async () => {
    const time = fakeTime();
    const op = scripted([{ kind: "act", step: "go" }]);
    const run = runOperation(op.spec, { timeoutMs: 60_000, pollIntervalMs: 500, maxRepeatsPerStep: 2, log: silentLogger, ...time });
    await expect(run).rejects.toThrow(OperationFailedError);
    await expect(run).rejects.toThrow(/step 'go' ran 2 times/);
    expect(op.acts).toEqual([0, 1]);
    expect(time.sleeps).toEqual([]);
  });

  it("observes again after an unknown outcome without counting the step as executed", async () => {
    const time = fakeTime();
    const executedSeen: boolean[] = [];
    let first = true;
    const spec = {
      name: "test-op",
      ids: {},
      observe: () => Promise.resolve(0),
      decide: (_: number, executed: ReadonlySet<Step>): Decision<Step> => {
        executedSeen.push(executed.has("go"));
        return executed.has("go") ? { kind: "done" } : { kind: "act", step: "go" };
      },
      act: () => {
        if (first) {
          first = false;
          return Promise.reject(new OutcomeUnknownError("connection reset after sending", { request: "PUT /v1/x" }));
        }
        return Promise.resolve();
      },
    };
    await runOperation(spec, { timeoutMs: 60_000, pollIntervalMs: 500, log: silentLogger, ...time });
    expect(executedSeen).toEqual([false, false, true]);
  });

  it("rethrows any other failure of a step", async () => {
    const time = fakeTime();
    const op = scripted([{ kind: "act", step: "go" }], () => Promise.reject(new Error("refused")));
    await expect(runOperation(op.spec, { timeoutMs: 60_000, pollIntervalMs: 500, log: silentLogger, ...time })).rejects.toThrow("refused");
  });

  it("fails with the decision's error", async () => {
    const time = fakeTime();
    const error = new OperationFailedError("no", {});
    const op = scripted([{ kind: "fail", error }]);
    await expect(runOperation(op.spec, { timeoutMs: 60_000, pollIntervalMs: 500, log: silentLogger, ...time })).rejects.toBe(error);
  });
});
