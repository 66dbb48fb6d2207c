// Bounded CPU work (issue 8 #7, #8): a fixed number run, a fixed number wait,
// the rest are refused at once with ServiceBusyError.
import { describe, expect, it } from "vitest";
import { BoundedWork } from "../../src/compute/bounded-work.js";
import { ServiceBusyError } from "../../src/compute/contract.js";

describe("BoundedWork", () => {
  it("runs `concurrency` at once, queues `queueLimit`, refuses the rest, and frees slots as work ends", async () => {
    const work = new BoundedWork("key pairs being generated", 2, 3);
    let running = 0;
    let peak = 0;
    const releases: Array<() => void> = [];
    const job = () =>
      work.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running -= 1;
        return "done";
      });
    const settled = Array.from({ length: 7 }, () => job().then((value) => value, (error: unknown) => error));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(running).toBe(2);
    const refused = await Promise.race([Promise.all(settled.slice(5)), new Promise((resolve) => setImmediate(() => { resolve("pending"); }))]);
    expect(refused).toEqual([expect.any(ServiceBusyError), expect.any(ServiceBusyError)]);
    expect((refused as ServiceBusyError[])[0]?.message).toBe("Too many key pairs being generated at once; try again shortly.");
    while (releases.length > 0 || running > 0) {
      releases.shift()?.();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(settled.slice(0, 5))).toEqual(["done", "done", "done", "done", "done"]);
    expect(peak).toBe(2);
    expect(work.load).toBe(0);
    const again = job();
    await new Promise<void>((resolve) => setImmediate(resolve));
    releases.shift()?.();
    expect(await again).toBe("done");
  });
});
