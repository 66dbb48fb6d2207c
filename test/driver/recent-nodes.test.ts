import { describe, expect, it } from "vitest";
import { RecentNodes } from "../../src/driver/recent-nodes.js";

describe("RecentNodes", () => {
  const instance = "5d1b2c0e-0000-4000-8000-000000000001";
  const node = { instance_uuid: instance, power_state: "power off" };

  it("gives a node seen for the instance once, while recent", () => {
    let now = 1_000;
    const recent = new RecentNodes<typeof node>(10_000, () => now);
    recent.put("n1", node);
    now += 10_000;
    expect(recent.take("n1", instance)).toBe(node);
    expect(recent.take("n1", instance)).toBeUndefined();
  });

  it("gives nothing once it is older than its bound, bound to another instance, or dropped", () => {
    let now = 1_000;
    const recent = new RecentNodes<typeof node>(10_000, () => now);
    recent.put("n1", node);
    now += 10_001;
    expect(recent.take("n1", instance)).toBeUndefined();
    recent.put("n1", node);
    expect(recent.take("n1", "5d1b2c0e-0000-4000-8000-000000000002")).toBeUndefined();
    expect(recent.take("n1", instance)).toBeUndefined(); // the refused take used it up
    recent.put("n1", node);
    recent.drop("n1");
    expect(recent.take("n1", instance)).toBeUndefined();
  });
});
