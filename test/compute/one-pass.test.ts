// One reconcile pass at a time (issue 8 #3): ticks during a slow pass are
// skipped and counted, never queued behind it.
import { describe, expect, it } from "vitest";
import { OnePassAtATime } from "../../src/compute/one-pass.js";

function deferred(): { promise: Promise<number>; resolve: (value: number) => void } {
  let resolve: (value: number) => void = () => undefined;
  const promise = new Promise<number>((r) => { resolve = r; });
  return { promise, resolve };
}

describe("OnePassAtATime", () => {
  it("skips and counts ticks while a pass runs; nothing piles up behind it", async () => {
    const started: Array<ReturnType<typeof deferred>> = [];
    const passes = new OnePassAtATime(() => {
      const pass = deferred();
      started.push(pass);
      return pass.promise;
    });
    const first = passes.tick();
    expect(first).toBeDefined();
    for (let i = 0; i < 100; i++) expect(passes.tick()).toBeUndefined();
    expect(passes.skipped).toBe(100);
    started[0]?.resolve(1);
    expect(await first).toBe(1);
    await passes.idle();
    // The 100 skipped ticks left nothing queued: still exactly one pass ran.
    expect(started).toHaveLength(1);
    expect(passes.busy).toBe(false);
    const next = passes.tick();
    expect(started).toHaveLength(2);
    started[1]?.resolve(2);
    expect(await next).toBe(2);
  });

  it("an explicit run waits for the running pass, then runs its own; a failed pass frees the slot", async () => {
    const started: Array<ReturnType<typeof deferred>> = [];
    let fail = true;
    const passes = new OnePassAtATime(async () => {
      if (fail) {
        fail = false;
        throw new Error("Ironic unreachable");
      }
      const pass = deferred();
      started.push(pass);
      return pass.promise;
    });
    await expect(passes.tick()).rejects.toThrow(/unreachable/);
    expect(passes.busy).toBe(false);
    const ticked = passes.tick();
    const requested = passes.run();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(started).toHaveLength(1); // the explicit run waits
    started[0]?.resolve(1);
    await ticked;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(started).toHaveLength(2);
    started[1]?.resolve(2);
    expect(await requested).toBe(2);
  });
});
