// The scheduler's decisions through the cache's per-resource-class index
// (src/driver/schedule-index.ts) are the decisions of the linear filter over
// every node, as a table over flavors × projects × node kinds; and the index
// follows single-node updates (a claim's answer, an operation's end). Pure: the
// nodes are hand-built cache entries, no Ironic is involved.
import { describe, expect, it } from "vitest";
import type { SchedulingRequest } from "../../src/compute/flavor-scheduling.js";
import { candidates, indexedCandidates, randomFitting } from "../../src/compute/scheduler.js";
import type { CachedNode } from "../../src/driver/availability.js";
import { normalizeResourceClass } from "../../src/driver/inventory.js";
import { ScheduleIndex } from "../../src/driver/schedule-index.js";
import { silentLogger } from "../../src/log/logger.js";

const PROPERTIES = { cpus: 8, memory_mb: 16_384, local_gb: 100, cpu_arch: "x86_64" };

function node(uuid: string, overrides: Partial<CachedNode> = {}): CachedNode {
  return {
    uuid, name: uuid, instance_uuid: null, power_state: "power off", target_power_state: null, provision_state: "available",
    target_provision_state: null, last_error: null, maintenance: false, fault: null, properties: PROPERTIES, traits: [],
    resource_class: "baremetal", conductor_group: "", owner: null, lessee: null, ...overrides,
  };
}

const NODES: CachedNode[] = [
  node("plain"),
  node("fast", { traits: ["CUSTOM_FAST_NIC"] }),
  node("gpu", { resource_class: "baremetal-gpu", traits: ["CUSTOM_GPU"], properties: { ...PROPERTIES, capabilities: "gpu:a100,boot_mode:uefi" } }),
  node("gpu-old", { resource_class: "baremetal-gpu", traits: ["CUSTOM_GPU"], properties: { ...PROPERTIES, capabilities: "gpu:k80" } }),
  node("owned", { owner: "project-a" }),
  node("leased", { lessee: "project-b" }),
  node("used", { instance_uuid: "someone" }),
  node("maintenance", { maintenance: true }),
  node("manageable", { provision_state: "manageable" }),
  node("no-class", { resource_class: null }),
  node("bad-properties", { properties: { cpus: "many" } }),
];

// A request names the class as Placement does (CUSTOM_BAREMETAL for a node's "baremetal").
const flavor = (resourceClass: string, extra: Partial<SchedulingRequest> = {}): SchedulingRequest => ({
  resourceClass: normalizeResourceClass(resourceClass) ?? resourceClass, requiredTraits: [], forbiddenTraits: [], capabilities: {}, ...extra,
});
const FLAVORS: Record<string, SchedulingRequest> = {
  general: flavor("baremetal"),
  "fast-nic": flavor("baremetal", { requiredTraits: ["CUSTOM_FAST_NIC"] }),
  "no-fast-nic": flavor("baremetal", { forbiddenTraits: ["CUSTOM_FAST_NIC"] }),
  gpu: flavor("baremetal-gpu", { requiredTraits: ["CUSTOM_GPU"], capabilities: { gpu: "a100" } }),
  "custom-spelling": flavor("CUSTOM_BAREMETAL"),
  none: flavor("nothing-here"),
};

function indexed(index: ScheduleIndex, f: SchedulingRequest, project: string): string[] {
  return indexedCandidates(index.of(normalizeResourceClass(f.resourceClass)), f, project).map((n) => n.uuid).sort();
}

describe("decisions through the index equal the linear filter's", () => {
  const index = new ScheduleIndex(silentLogger);
  index.rebuild(NODES);
  const table = Object.entries(FLAVORS).flatMap(([name, f]) => ["project-a", "project-b", "project-c"].map((project) => [name, project, f] as const));

  it.each(table)("%s for %s", (_name, project, f) => {
    const linear = candidates(NODES, f, project, silentLogger).map((n) => n.uuid).sort();
    expect(indexed(index, f, project)).toEqual(linear);
  });

  it.each(table)("drawn lazily in random order: %s for %s yields the same set, each once", (_name, project, f) => {
    const linear = candidates(NODES, f, project, silentLogger).map((n) => n.uuid).sort();
    const drawn = randomFitting(index.of(normalizeResourceClass(f.resourceClass)), f, project);
    expect([...drawn.nodes].map((n) => n.uuid).sort()).toEqual(linear);
    expect(drawn.seen()).toBe(linear.length);
  });

  it("spot checks of the table", () => {
    expect(indexed(index, FLAVORS["general"] ?? flavor(""), "project-a")).toEqual(["fast", "owned", "plain"]);
    expect(indexed(index, FLAVORS["general"] ?? flavor(""), "project-b")).toEqual(["fast", "leased", "plain"]);
    expect(indexed(index, FLAVORS["gpu"] ?? flavor(""), "project-c")).toEqual(["gpu"]);
  });
});

describe("the index follows single-node updates", () => {
  it("a claimed node leaves, a released one comes back, a dropped one is gone", () => {
    const index = new ScheduleIndex(silentLogger);
    index.rebuild([node("a"), node("b")]);
    const general = FLAVORS["general"] ?? flavor("");
    index.set(node("a", { instance_uuid: "mine" }));
    expect(indexed(index, general, "p")).toEqual(["b"]);
    index.set(node("a"));
    expect(indexed(index, general, "p")).toEqual(["a", "b"]);
    index.set(node("b", { resource_class: "other" }));
    expect(indexed(index, general, "p")).toEqual(["a"]);
    index.remove("a");
    expect(indexed(index, general, "p")).toEqual([]);
  });
});
