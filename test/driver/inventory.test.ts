// Inventory and node properties (S5): strict numbers, resource class names,
// capabilities, and when a node is reserved or unschedulable. Pure functions.
import { describe, expect, it } from "vitest";
import type { CachedNode } from "../../src/driver/availability.js";
import { nodeInventory, normalizeResourceClass, parseProperties } from "../../src/driver/inventory.js";
import { silentLogger } from "../../src/log/logger.js";
import { captureLog } from "../support/log-capture.js";

const UUID = "1be26c0b-03f2-4d2e-ae87-c02d7f33c123";

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
    properties: { cpus: 8, memory_mb: "16384", local_gb: 100, cpu_arch: "x86_64" },
    traits: ["CUSTOM_RAID"],
    resource_class: "baremetal.gold",
    conductor_group: "",
    owner: null,
    lessee: null,
    ...overrides,
  };
}

describe("normalizeResourceClass", () => {
  it.each<[string, string | null, string | null]>([
    ["dotted name", "baremetal.gold", "CUSTOM_BAREMETAL_GOLD"],
    ["already custom: no double prefix (differs from Nova)", "CUSTOM_GOLD", "CUSTOM_GOLD"],
    ["lower-case custom prefix is normalized, then kept", "custom-gold", "CUSTOM_GOLD"],
    ["trailing blank becomes one underscore", "bm-large ", "CUSTOM_BM_LARGE_"],
    ["runs of separators collapse", "a--..b", "CUSTOM_A_B"],
    ["plain word", "baremetal", "CUSTOM_BAREMETAL"],
    ["'CUSTOM' alone is a name, not a prefix", "custom", "CUSTOM_CUSTOM"],
    ["no resource class", null, null],
    ["empty string is no class", "", null],
    ["the bare prefix is no class", "CUSTOM_", null],
  ])("%s: %j → %j", (_name, input, expected) => {
    expect(normalizeResourceClass(input)).toBe(expected);
  });
});

describe("parseProperties: numbers (S5 boundaries)", () => {
  it.each<[string, unknown, number]>([
    ["string zero", "0", 0],
    ["integer", 8, 8],
    ["integer string", "8", 8],
    ["int32 max as string", "2147483647", 2147483647],
    ["int32 max as number", 2147483647, 2147483647],
    ["leading zero is still decimal", "08", 8],
    ["JSON 1e3 is the number 1000 once parsed", 1e3, 1000],
  ])("accepts %s (%j)", (_name, value, expected) => {
    const log = captureLog("warn");
    const parsed = parseProperties({ memory_mb: value }, log.logger, UUID);
    expect(parsed.memoryMb).toBe(expected);
    expect(parsed.problems).toEqual([]);
    expect(log.lines).toEqual([]);
  });

  it.each<[string, unknown]>([
    ["2^31", "2147483648"],
    ["2^31 as number", 2147483648],
    ["negative string", "-1"],
    ["negative number", -1],
    ["decimal string", "8.5"],
    ["decimal number", 8.5],
    ["empty string", ""],
    ["null", null],
    ["exponent string", "1e3"],
    ["hex string", "0x10"],
    ["blanks around", " 8 "],
    ["plus sign", "+8"],
    ["NaN string", "NaN"],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["Infinity string", "Infinity"],
    ["boolean", true],
    ["object", { value: 8 }],
    ["array", [8]],
    ["huge digit string", "99999999999999999999999"],
  ])("rejects %s (%j): 0, logged, listed as a problem", (_name, value) => {
    const log = captureLog("warn");
    const parsed = parseProperties({ cpus: value }, log.logger, UUID);
    expect(parsed.cpus).toBe(0);
    expect(Number.isNaN(parsed.cpus)).toBe(false);
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]).toMatch(/^cpus must be an integer/);
    const [record] = log.records();
    expect(record).toMatchObject({ level: 40, node: UUID, property: "cpus" });
  });

  it("folds a JSON -0 into 0 (never a negative zero)", () => {
    const parsed = parseProperties({ cpus: -0 }, silentLogger, UUID);
    expect(Object.is(parsed.cpus, 0)).toBe(true);
    expect(parsed.problems).toEqual([]);
  });

  // The rejected value is quoted in the problem and the log the way an operator
  // would write it in JSON: strings in quotes, NaN/Infinity by name (JSON.stringify
  // would say `null`), an explicitly undefined property as `undefined`.
  it.each<[string, unknown, string]>([
    ["a string", "8.5", '"8.5"'],
    ["a number", 8.5, "8.5"],
    ["NaN", Number.NaN, "NaN"],
    ["Infinity", Number.POSITIVE_INFINITY, "Infinity"],
    ["-Infinity", Number.NEGATIVE_INFINITY, "-Infinity"],
    ["undefined (present key)", undefined, "undefined"],
    ["null", null, "null"],
    ["a boolean", true, "true"],
    ["a 60-character rendering, kept whole", "x".repeat(58), `"${"x".repeat(58)}"`],
    ["a 61-character rendering, cut at 60", "x".repeat(59), `"${"x".repeat(59)}…`],
  ])("renders the rejected value: %s", (_name, value, shown) => {
    const log = captureLog("warn");
    const parsed = parseProperties({ cpus: value }, log.logger, UUID);
    const problem = `cpus must be an integer from 0 to 2147483647, got ${shown}`;
    expect(parsed.problems).toEqual([problem]);
    expect(log.records()).toEqual([
      expect.objectContaining({ level: 40, node: UUID, property: "cpus", value: shown, msg: `node property ${problem}; using 0` }),
    ]);
  });

  it("a missing property is 0 without complaint (scheduling uses the resource class)", () => {
    const log = captureLog("warn");
    const parsed = parseProperties({}, log.logger, UUID);
    expect(parsed).toEqual({ cpus: 0, memoryMb: 0, localGb: 0, cpuArch: null, capabilities: {}, problems: [] });
    expect(log.lines).toEqual([]);
  });

  it("reports every bad property, not just the first", () => {
    const parsed = parseProperties({ cpus: "-1", memory_mb: "8.5", local_gb: "10" }, silentLogger, UUID);
    expect(parsed.problems.map((p) => p.split(" ")[0])).toEqual(["cpus", "memory_mb"]);
    expect(parsed.localGb).toBe(10);
  });

  it("bounds a huge bad value in the log", () => {
    const log = captureLog("warn");
    parseProperties({ cpus: "x".repeat(10_000) }, log.logger, UUID);
    expect(log.text().length).toBeLessThan(1000);
  });
});

describe("parseProperties: cpu_arch", () => {
  it.each<[string, unknown, string | null]>([
    ["canonical", "x86_64", "x86_64"],
    ["upper-case", "X86_64", "x86_64"],
    ["amd64 alias", "amd64", "x86_64"],
    ["i386 alias", "i386", "i686"],
    ["i486 alias", "i486", "i686"],
    ["i586 alias", "i586", "i686"],
    ["x86_32 alias", "x86_32", "i686"],
    ["x86_32p alias", "x86_32p", "i686"],
    ["aarch64", "aarch64", "aarch64"],
    ["missing", undefined, null],
    ["null", null, null],
    ["a dash is not allowed", "x86-64", null],
    ["blank", " x86_64", null],
    ["empty", "", null],
    ["not a string", 64, null],
  ])("%s: %j → %j", (_name, value, expected) => {
    const parsed = parseProperties(value === undefined ? {} : { cpu_arch: value }, silentLogger, UUID);
    expect(parsed.cpuArch).toBe(expected);
    expect(parsed.problems).toEqual([]); // informational only, never blocks scheduling
  });
});

describe("parseProperties: what is logged for cpu_arch and capabilities", () => {
  it("an unusable cpu_arch is logged with its value; a null or missing one is not", () => {
    const log = captureLog("warn");
    expect(parseProperties({ cpu_arch: "x86-64" }, log.logger, UUID).cpuArch).toBeNull();
    expect(log.records()).toEqual([
      expect.objectContaining({
        level: 40,
        node: UUID,
        property: "cpu_arch",
        value: '"x86-64"',
        msg: "node property cpu_arch is not a valid architecture name; ignored",
      }),
    ]);
    const quiet = captureLog("warn");
    parseProperties({ cpu_arch: null }, quiet.logger, UUID);
    parseProperties({}, quiet.logger, UUID);
    expect(quiet.lines).toEqual([]);
  });

  it("a malformed capability is logged with the item (string and object forms)", () => {
    const log = captureLog("warn");
    parseProperties({ capabilities: "a:b,novalue" }, log.logger, UUID);
    parseProperties({ capabilities: { boot_mode: "bios", cores: 4 } }, log.logger, UUID);
    const msg = "ignoring malformed node capability; the format is key:value";
    expect(log.records()).toEqual([
      expect.objectContaining({ level: 40, node: UUID, capability: '"novalue"', msg }),
      expect.objectContaining({ level: 40, node: UUID, capability: '{"cores":4}', msg }),
    ]);
  });
});

describe("parseProperties: capabilities", () => {
  it.each<[string, unknown, Record<string, string>, number]>([
    ["Nova's format", "boot_mode:uefi,secure_boot:true", { boot_mode: "uefi", secure_boot: "true" }, 0],
    [
      "malformed items are ignored: a:b:c, :x, k:",
      "boot_mode:uefi,a:b:c,:x,k:",
      { boot_mode: "uefi" },
      3,
    ],
    ["key trimmed, value kept as is", " boot_mode :uefi ", { boot_mode: "uefi " }, 0],
    ["a blank key is malformed", "  :x", {}, 1],
    ["no colon", "novalue", {}, 1],
    ["trailing comma and empty string are quiet", "a:b,", { a: "b" }, 0],
    ["empty string", "", {}, 0],
    ["object of strings", { boot_mode: "bios", raid: "1" }, { boot_mode: "bios", raid: "1" }, 0],
    ["object with a non-string value", { boot_mode: "bios", cores: 4 }, { boot_mode: "bios" }, 1],
    ["a number", 42, {}, 1],
    ["an array", ["a:b"], {}, 1],
    ["a blank item between commas is quiet", "a:b, ,c:d", { a: "b", c: "d" }, 0],
    ["object keys are trimmed", { " boot_mode ": "uefi" }, { boot_mode: "uefi" }, 0],
    ["object with an empty key", { "": "x", a: "b" }, { a: "b" }, 1],
    ["object with a blank key", { "  ": "x" }, {}, 1],
    ["object with an empty value", { a: "", b: "c" }, { b: "c" }, 1],
    ["null (Ironic's JSON null)", null, {}, 0],
    ["missing", undefined, {}, 0],
  ])("%s", (_name, value, expected, warnings) => {
    const log = captureLog("warn");
    const parsed = parseProperties(value === undefined ? {} : { capabilities: value }, log.logger, UUID);
    expect(parsed.capabilities).toEqual(expected);
    expect(parsed.problems).toEqual([]);
    expect(log.lines).toHaveLength(warnings);
  });

  it("a __proto__ key is an ordinary key, not a prototype change", () => {
    const parsed = parseProperties({ capabilities: "__proto__:x,a:b" }, silentLogger, UUID);
    expect(Object.getPrototypeOf(parsed.capabilities)).toBe(Object.prototype);
    expect(Object.hasOwn(parsed.capabilities, "__proto__")).toBe(true);
    expect(parsed.capabilities["a"]).toBe("b");
  });
});

describe("nodeInventory", () => {
  it("an available, free node: one unit of its class, not reserved, schedulable", () => {
    const inventory = nodeInventory(node(), silentLogger);
    expect(inventory).toEqual({
      resourceClass: "CUSTOM_BAREMETAL_GOLD",
      total: 1,
      reserved: 0,
      traits: ["CUSTOM_RAID"],
      properties: {
        cpus: 8,
        memoryMb: 16384,
        localGb: 100,
        cpuArch: "x86_64",
        capabilities: {},
        problems: [],
      },
      schedulable: true,
    });
  });

  it.each<[string, Partial<CachedNode>, 0 | 1, RegExp]>([
    ["in use", { instance_uuid: "6b9c0d5e-0000-4000-8000-000000000001", provision_state: "active", power_state: "power on" }, 1, /provision state is "active"/],
    ["used but still available (just claimed)", { instance_uuid: "6b9c0d5e-0000-4000-8000-000000000001" }, 1, /has an instance/],
    ["in maintenance", { maintenance: true }, 1, /maintenance/],
    ["cleaning after an instance", { provision_state: "cleaning", target_provision_state: "available" }, 1, /"cleaning"/],
    ["unknown state", { provision_state: "unknown", unknown_states: { provision_state: "new" } }, 1, /unknown provision state "new"/],
    ["no resource class", { resource_class: null }, 0, /no resource class/],
    ["bad properties", { properties: { cpus: "8.5", memory_mb: "-1" } }, 0, /invalid node properties: cpus .*; memory_mb/],
  ])("%s → not schedulable, reserved %s", (_name, overrides, reserved, reason) => {
    const inventory = nodeInventory(node(overrides), silentLogger);
    expect(inventory.schedulable).toBe(false);
    expect(inventory.reserved).toBe(reserved);
    expect(inventory.total).toBe(1);
    expect(inventory.reason).toMatch(reason);
  });

  it("logs an unknown state (S6)", () => {
    const log = captureLog("warn");
    nodeInventory(node({ power_state: "unknown", unknown_states: { power_state: "warp" } }), log.logger);
    expect(log.records()).toEqual([
      expect.objectContaining({
        level: 40,
        node: UUID,
        unknown_states: { power_state: "warp" },
        msg: "node reports a state this service does not know; treated as unavailable",
      }),
    ]);
  });

  it("logs nothing for a known, healthy node", () => {
    const log = captureLog("warn");
    nodeInventory(node(), log.logger);
    expect(log.lines).toEqual([]);
  });

  it("a schedulable node has no reason key at all (not reason: undefined)", () => {
    expect(Object.hasOwn(nodeInventory(node(), silentLogger), "reason")).toBe(false);
    expect(Object.hasOwn(nodeInventory(node({ maintenance: true }), silentLogger), "reason")).toBe(true);
  });

  it("copies the traits (callers may sort or extend them)", () => {
    const source = node();
    const inventory = nodeInventory(source, silentLogger);
    inventory.traits.push("CUSTOM_OTHER");
    expect(source.traits).toEqual(["CUSTOM_RAID"]);
  });
});
