// The 10,000-node fleet of the scheduler and memory benches: several resource
// classes, traits, capabilities, owners and lessees, 500 nodes not schedulable.

import { bareMetalExtraSpecs, schedulingRequest, type SchedulingRequest } from "../../src/compute/flavor-scheduling.js";
import type { EnrolSpec } from "../../src/dev/enrol.js";

export const FLEET_SIZE = 10_000;

export const FLEET: readonly EnrolSpec[] = [
  { count: 3_500, namePrefix: "gen", resourceClass: "baremetal", traits: ["HW_CPU_X86_AVX2"] },
  { count: 2_000, namePrefix: "fast", resourceClass: "baremetal", traits: ["HW_CPU_X86_AVX2", "CUSTOM_FAST_NIC"] },
  {
    count: 1_500,
    namePrefix: "gpu",
    resourceClass: "baremetal-gpu",
    traits: ["CUSTOM_GPU"],
    properties: { cpus: 64, memory_mb: 262_144, local_gb: 1_000, cpu_arch: "x86_64", capabilities: "boot_mode:uefi,gpu:a100" },
  },
  { count: 1_500, namePrefix: "own", resourceClass: "baremetal", traits: ["HW_CPU_X86_AVX2"], owner: "project-a" },
  {
    count: 1_000,
    namePrefix: "sto",
    resourceClass: "baremetal-storage",
    lessee: "project-b",
    properties: { cpus: 16, memory_mb: 65_536, local_gb: 20_000, cpu_arch: "x86_64", capabilities: "boot_mode:uefi" },
  },
  { count: 500, namePrefix: "mgd", resourceClass: "baremetal", target: "manageable" },
];

/** What a flavor's extra specs ask the scheduler for, read as a server create reads them. */
const flavor = (resourceClass: string, narrowing: Parameters<typeof bareMetalExtraSpecs>[1] = {}): SchedulingRequest =>
  schedulingRequest({ id: resourceClass, extraSpecs: bareMetalExtraSpecs(resourceClass, narrowing) });

export const FLAVORS: Readonly<Record<string, SchedulingRequest>> = {
  general: flavor("baremetal"),
  "fast-nic": flavor("baremetal", { requiredTraits: ["CUSTOM_FAST_NIC"] }),
  "no-fast-nic": flavor("baremetal", { forbiddenTraits: ["CUSTOM_FAST_NIC"] }),
  gpu: flavor("baremetal-gpu", { requiredTraits: ["CUSTOM_GPU"], capabilities: { gpu: "a100" } }),
  "storage-uefi": flavor("baremetal-storage", { capabilities: { boot_mode: "uefi" } }),
};

export const PROJECTS: readonly string[] = ["project-a", "project-b", "project-c"];

/** The fleet scaled to about `nodes` nodes, in the same proportions (1,000 / 5,000 / 10,000 for the cost-vs-scale chart). */
export function scaledFleet(nodes: number): EnrolSpec[] {
  return FLEET.map((spec) => ({ ...spec, count: Math.round((spec.count * nodes) / FLEET_SIZE) }));
}
