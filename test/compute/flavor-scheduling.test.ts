// Flavor extra specs → the scheduler's request (issue 18 #1): Nova's Ironic
// flavor layout, and the refusals a server create words from them.
import { describe, expect, it } from "vitest";
import { bareMetalExtraSpecs, extraSpecProblem, FlavorSpecError, schedulingRequest } from "../../src/compute/flavor-scheduling.js";
import { BadRequestError } from "../../src/compute/contract.js";

const request = (extraSpecs: Record<string, string>) => schedulingRequest({ id: "f1", extraSpecs });

describe("schedulingRequest", () => {
  it.each<{ name: string; specs: Record<string, string>; want: unknown }>([
    {
      name: "Nova's full bare-metal layout",
      specs: {
        "resources:CUSTOM_BAREMETAL_GOLD": "1",
        "resources:VCPU": "0",
        "resources:MEMORY_MB": "0",
        "resources:DISK_GB": "0",
        "trait:CUSTOM_RAID": "required",
        "trait:CUSTOM_SLOW": "forbidden",
        "capabilities:boot_mode": "uefi",
        "hw:cpu_policy": "dedicated",
      },
      want: { resourceClass: "CUSTOM_BAREMETAL_GOLD", requiredTraits: ["CUSTOM_RAID"], forbiddenTraits: ["CUSTOM_SLOW"], capabilities: { boot_mode: "uefi" } },
    },
    {
      name: "the class alone (standard classes left out count as zero)",
      specs: { "resources:CUSTOM_X": "1" },
      want: { resourceClass: "CUSTOM_X", requiredTraits: [], forbiddenTraits: [], capabilities: {} },
    },
    {
      name: "a zeroed second custom class is not asked for",
      specs: { "resources:CUSTOM_X": "1", "resources:CUSTOM_Y": "0" },
      want: { resourceClass: "CUSTOM_X", requiredTraits: [], forbiddenTraits: [], capabilities: {} },
    },
    {
      name: "granular trait groups are traits too",
      specs: { "resources:CUSTOM_X": "1", "trait1:CUSTOM_A": "required" },
      want: { resourceClass: "CUSTOM_X", requiredTraits: ["CUSTOM_A"], forbiddenTraits: [], capabilities: {} },
    },
  ])("$name", ({ specs, want }) => {
    expect(request(specs)).toEqual(want);
  });

  it.each<{ name: string; specs: Record<string, string>; message: RegExp }>([
    { name: "no resource class", specs: { "resources:VCPU": "0", "trait:CUSTOM_A": "required" }, message: /Flavor f1 has no bare-metal resource class: set its extra spec resources:CUSTOM_<CLASS>=1/ },
    { name: "only a zeroed class", specs: { "resources:CUSTOM_X": "0" }, message: /has no bare-metal resource class/ },
    { name: "two classes", specs: { "resources:CUSTOM_X": "1", "resources:CUSTOM_Y": "1" }, message: /asks for two resource classes \(CUSTOM_X, CUSTOM_Y\)/ },
    { name: "an amount of 2", specs: { "resources:CUSTOM_X": "2" }, message: /'resources:CUSTOM_X=2' must ask for exactly 1/ },
    { name: "an amount that is not a number", specs: { "resources:CUSTOM_X": "one" }, message: /the amount must be a whole number, not 'one'/ },
    { name: "a negative amount", specs: { "resources:CUSTOM_X": "-1" }, message: /whole number/ },
    { name: "a standard class asked for", specs: { "resources:CUSTOM_X": "1", "resources:VCPU": "8" }, message: /'resources:VCPU=8' asks for a standard resource/ },
    { name: "a lower-case class name", specs: { "resources:custom_x": "1" }, message: /'custom_x' is not a resource class name/ },
    { name: "a granular resource group", specs: { "resources1:CUSTOM_X": "1" }, message: /granular resource group/ },
    { name: "a trait neither required nor forbidden", specs: { "resources:CUSTOM_X": "1", "trait:CUSTOM_A": "preferred" }, message: /a trait is 'required' or 'forbidden', not 'preferred'/ },
    { name: "a lower-case trait", specs: { "resources:CUSTOM_X": "1", "trait:custom_a": "required" }, message: /'custom_a' is not a trait name/ },
    { name: "a capability name the node cannot carry", specs: { "resources:CUSTOM_X": "1", "capabilities:boot mode": "uefi" }, message: /flavor capability 'capabilities:boot mode' has an invalid name/ },
  ])("refuses $name with a FlavorSpecError (a 400)", ({ specs, message }) => {
    const attempt = () => request(specs);
    expect(attempt).toThrow(FlavorSpecError);
    expect(attempt).toThrow(BadRequestError);
    expect(attempt).toThrow(message);
  });
});

describe("bareMetalExtraSpecs", () => {
  it.each([
    ["baremetal-gold", "CUSTOM_BAREMETAL_GOLD"],
    ["baremetal", "CUSTOM_BAREMETAL"],
    ["CUSTOM_GPU", "CUSTOM_GPU"],
    ["bm.large_x", "CUSTOM_BM_LARGE_X"],
  ])("names a node's class %s as Nova does: %s, with the standard classes zeroed", (nodeClass, placement) => {
    const specs = bareMetalExtraSpecs(nodeClass, { requiredTraits: ["CUSTOM_A"], forbiddenTraits: ["CUSTOM_B"], capabilities: { boot_mode: "uefi" } });
    expect(specs).toEqual({
      [`resources:${placement}`]: "1",
      "resources:VCPU": "0",
      "resources:MEMORY_MB": "0",
      "resources:DISK_GB": "0",
      "trait:CUSTOM_A": "required",
      "trait:CUSTOM_B": "forbidden",
      "capabilities:boot_mode": "uefi",
    });
    expect(request(specs).resourceClass).toBe(placement);
  });

  it("refuses what is no class", () => {
    expect(() => bareMetalExtraSpecs("")).toThrow(BadRequestError);
  });
});

describe("extraSpecProblem", () => {
  it.each([
    ["resources:CUSTOM_X", "1", undefined],
    ["resources:VCPU", "0", undefined],
    ["trait:CUSTOM_A", "forbidden", undefined],
    ["hw:anything", "goes", undefined],
    ["capabilities:boot_mode", "uefi", undefined],
    ["resources:CUSTOM_X", "1.5", "whole number"],
    ["resources:", "1", "not a resource class name"],
    ["trait:CUSTOM_A", "yes", "'required' or 'forbidden'"],
  ])("%s=%s → %s", (key, value, problem) => {
    const found = extraSpecProblem(key, value);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});
