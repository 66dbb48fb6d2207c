import { describe, expect, it } from "vitest";
import { creationIso } from "../../src/compute/clock.js";

describe("creationIso (creation order that survives a shared millisecond)", () => {
  it("gives strictly later stamps for calls in the same millisecond, and the clock's time when it is ahead", () => {
    const base = Date.parse("2030-01-01T00:00:00.000Z");
    const same = [creationIso(base), creationIso(base), creationIso(base)];
    expect(same).toEqual(["2030-01-01T00:00:00.000Z", "2030-01-01T00:00:00.001Z", "2030-01-01T00:00:00.002Z"]);
    expect(creationIso(base + 1_000)).toBe("2030-01-01T00:00:01.000Z");
    // A clock that stepped back still gives a later stamp than the last one.
    expect(creationIso(base)).toBe("2030-01-01T00:00:01.001Z");
  });

  it("sorts as text in the order of the calls", () => {
    const stamps = Array.from({ length: 50 }, () => creationIso());
    expect([...stamps].sort()).toEqual(stamps);
    expect(new Set(stamps).size).toBe(50);
  });
});
