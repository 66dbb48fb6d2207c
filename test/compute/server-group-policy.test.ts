// The pure decisions of server groups on bare metal, as tables: failure
// domains of a node under each key, what each policy admits, and the order a
// soft policy tries domains in.
import { describe, expect, it } from "vitest";
import {
  admits,
  arrange,
  failureDomainKey,
  failureDomainOf,
  failureDomainSetting,
  type FailureDomainKey,
  type GroupRules,
} from "../../src/compute/server-group-policy.js";

const node = {
  uuid: "n-1",
  conductor_group: "rack-a",
  properties: { rack: "r7", row: 3, empty: "", nested: { x: 1 } },
  traits: ["CUSTOM_RACK_R7", "CUSTOM_GPU", "HW_CPU_X86_AVX2"],
};

describe("failure domains", () => {
  const cases: Array<[string, FailureDomainKey, Partial<typeof node>, string | null]> = [
    ["the node itself by default", { kind: "node" }, {}, "n-1"],
    ["the conductor group", { kind: "conductor_group" }, {}, "rack-a"],
    ["Ironic's default conductor group is a domain too", { kind: "conductor_group" }, { conductor_group: "" }, ""],
    ["a string property", { kind: "property", key: "rack" }, {}, "r7"],
    ["a number property", { kind: "property", key: "row" }, {}, "3"],
    ["a missing property", { kind: "property", key: "pdu" }, {}, null],
    ["an empty property", { kind: "property", key: "empty" }, {}, null],
    ["an object property", { kind: "property", key: "nested" }, {}, null],
    ["the one trait with the prefix", { kind: "trait", prefix: "CUSTOM_RACK_" }, {}, "CUSTOM_RACK_R7"],
    ["no trait with the prefix", { kind: "trait", prefix: "CUSTOM_PDU_" }, {}, null],
    ["two traits with the prefix: ambiguous", { kind: "trait", prefix: "CUSTOM_" }, {}, null],
  ];
  it.each(cases)("%s", (_name, key, overrides, expected) => {
    expect(failureDomainOf({ ...node, ...overrides }, key)).toBe(expected);
  });

  it("parses the config's spelling and refuses others", () => {
    expect(failureDomainKey("node")).toEqual({ kind: "node" });
    expect(failureDomainKey("conductor_group")).toEqual({ kind: "conductor_group" });
    expect(failureDomainKey("property:rack.id")).toEqual({ kind: "property", key: "rack.id" });
    expect(failureDomainKey("trait:CUSTOM_RACK_")).toEqual({ kind: "trait", prefix: "CUSTOM_RACK_" });
    for (const bad of ["", "rack", "property:", "trait:custom_rack", "property:a b", "node:x"]) {
      expect(failureDomainSetting.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe("what a policy admits", () => {
  const rules = (policy: GroupRules["policy"], maxServerPerHost: number | null = null): GroupRules => ({ policy, maxServerPerHost });
  const cases: Array<[GroupRules, string[], string, boolean]> = [
    [rules("anti-affinity"), [], "a", true],
    [rules("anti-affinity"), ["b", "c"], "a", true],
    [rules("anti-affinity"), ["a"], "a", false],
    [rules("anti-affinity", 2), ["a"], "a", true],
    [rules("anti-affinity", 2), ["a", "a"], "a", false],
    [rules("affinity"), [], "a", true],
    [rules("affinity"), ["a", "a"], "a", true],
    [rules("affinity"), ["a"], "b", false],
    [rules("soft-affinity"), ["a"], "b", true],
    [rules("soft-anti-affinity"), ["a"], "a", true],
  ];
  it.each(cases)("%o holding %o, domain %s → %s", (group, held, domain, expected) => {
    expect(admits(group, held, domain)).toBe(expected);
  });
});

describe("the order candidates are tried in", () => {
  const options = ["a", "b", "c", "b2"].map((name) => ({ name, domain: name === "b2" ? "b" : name }));
  const names = (list: ReadonlyArray<{ name: string }>) => list.map((option) => option.name);
  const cases: Array<[GroupRules["policy"], string[], string[]]> = [
    ["anti-affinity", ["b"], ["a", "c"]],
    ["anti-affinity", [], ["a", "b", "c", "b2"]],
    ["affinity", ["b"], ["b", "b2"]],
    ["affinity", [], ["a", "b", "c", "b2"]],
    // Soft: nothing is left out; the given (random) order holds among equals.
    ["soft-affinity", ["c", "b", "b"], ["b", "b2", "c", "a"]],
    ["soft-anti-affinity", ["c", "b", "b"], ["a", "c", "b", "b2"]],
    ["soft-anti-affinity", [], ["a", "b", "c", "b2"]],
  ];
  it.each(cases)("%s holding %o", (policy, held, expected) => {
    expect(names(arrange({ policy, maxServerPerHost: null }, held, options))).toEqual(expected);
  });
});
