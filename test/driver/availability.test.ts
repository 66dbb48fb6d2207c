// Which nodes may take an instance (S6). Pure functions: no Ironic needed.
import { describe, expect, it } from "vitest";
import { availability, CACHE_FIELDS, isUsed, type CachedNode } from "../../src/driver/availability.js";
import { PROVISION_STATES } from "../../src/ironic/states.js";

const UUID = "1be26c0b-03f2-4d2e-ae87-c02d7f33c123";

/** An available, unused node; each case overrides what it is about. */
function node(overrides: Partial<CachedNode> = {}): CachedNode {
  return {
    uuid: UUID,
    name: "node-1",
    instance_uuid: null,
    power_state: "power off",
    target_power_state: null,
    provision_state: "available",
    target_provision_state: null,
    last_error: null,
    maintenance: false,
    fault: null,
    properties: {},
    traits: [],
    resource_class: "baremetal",
    conductor_group: "",
    owner: null,
    lessee: null,
    ...overrides,
  };
}

describe("availability", () => {
  it.each<[string, Partial<CachedNode>]>([
    ["available and powered off", {}],
    ["available and powered on", { power_state: "power on" }],
    ["available with an instance (used is a separate question)", { instance_uuid: "6b9c0d5e-0000-4000-8000-000000000001" }],
    ["available with a stale last_error", { last_error: "an old failure" }],
  ])("%s → available", (_name, overrides) => {
    expect(availability(node(overrides))).toEqual({ available: true });
  });

  it.each<[string, Partial<CachedNode>, RegExp]>([
    ["in maintenance", { maintenance: true }, /maintenance/],
    ["faulted but not in maintenance", { fault: "power failure" }, /fault \("power failure"\)/],
    ["power state error", { power_state: "error" }, /power state is "error"/],
    ["power state not read yet (null)", { power_state: null }, /power state is not known/],
    [
      "unknown power state from a newer Ironic",
      { power_state: "unknown", unknown_states: { power_state: "power cycling" } },
      /unknown power state "power cycling"/,
    ],
    ["provision state active", { provision_state: "active" }, /provision state is "active"/],
    ["provision state manageable", { provision_state: "manageable" }, /"manageable"/],
    ["provision state clean wait", { provision_state: "clean wait" }, /"clean wait"/],
    [
      "unknown provision state from a newer Ironic",
      { provision_state: "unknown", unknown_states: { provision_state: "quantum cleaning" } },
      /unknown provision state "quantum cleaning"/,
    ],
    ["unknown provision state whose raw text was lost", { provision_state: "unknown" }, /unknown provision state \(not recorded\)/],
    ["a provision action is starting", { target_provision_state: "manageable" }, /provision action .*"manageable"/],
    [
      "an unknown provision target",
      { target_provision_state: "unknown", unknown_states: { target_provision_state: "teleport" } },
      /provision action .*"teleport"/,
    ],
    ["a power action is running", { target_power_state: "power on" }, /power action .*"power on"/],
    ["a reboot is running", { target_power_state: "rebooting" }, /power action .*"rebooting"/],
    ["an unknown provision target whose raw text was lost", { target_provision_state: "unknown" }, /provision action is in progress \(target \(not recorded\)\)/],
    [
      "an unknown power target from a newer Ironic",
      { target_power_state: "unknown", unknown_states: { target_power_state: "power warping" } },
      /power action is in progress \(target "power warping"\)/,
    ],
    ["an unknown power target whose raw text was lost", { target_power_state: "unknown" }, /power action is in progress \(target \(not recorded\)\)/],
    [
      "Ironic's text of exactly 100 characters, quoted whole",
      { provision_state: "unknown", unknown_states: { provision_state: "z".repeat(100) } },
      new RegExp(`unknown provision state "${"z".repeat(100)}"`),
    ],
  ])("%s → unavailable", (_name, overrides, reason) => {
    const result = availability(node(overrides));
    expect(result.available).toBe(false);
    if (!result.available) expect(result.reason).toMatch(reason);
  });

  it("only the provision state 'available' is available, every other known state is not", () => {
    for (const state of PROVISION_STATES) {
      expect(availability(node({ provision_state: state })).available, state).toBe(state === "available");
    }
  });

  it("keeps the first 100 characters of a long raw state, then an ellipsis, and a short one whole", () => {
    const long = availability(node({ provision_state: "unknown", unknown_states: { provision_state: `${"a".repeat(100)}${"b".repeat(50)}` } }));
    expect(long).toEqual({ available: false, reason: `unknown provision state "${"a".repeat(100)}…" (newer Ironic?)` });
    const exact = availability(node({ provision_state: "unknown", unknown_states: { provision_state: "c".repeat(100) } }));
    expect(exact).toEqual({ available: false, reason: `unknown provision state "${"c".repeat(100)}" (newer Ironic?)` });
  });

  it("bounds and escapes Ironic's raw text in the reason", () => {
    const result = availability(node({ provision_state: "unknown", unknown_states: { provision_state: `x\n${"y".repeat(500)}` } }));
    expect(result.available).toBe(false);
    if (!result.available) {
      expect(result.reason).not.toContain("\n");
      expect(result.reason.length).toBeLessThan(160);
    }
  });
});

describe("isUsed", () => {
  it.each<[string, string | null, boolean]>([
    ["no instance", null, false],
    ["an instance", "6b9c0d5e-0000-4000-8000-000000000001", true],
  ])("%s → %s", (_name, instance, used) => {
    expect(isUsed(node({ instance_uuid: instance }))).toBe(used);
  });
});

describe("CACHE_FIELDS", () => {
  it("lists the fields the driver reads and never instance_info", () => {
    expect(CACHE_FIELDS).toContain("fault");
    expect(CACHE_FIELDS).toContain("resource_class");
    expect(CACHE_FIELDS).not.toContain("instance_info" as never);
    expect(new Set(CACHE_FIELDS).size).toBe(CACHE_FIELDS.length);
  });
});
