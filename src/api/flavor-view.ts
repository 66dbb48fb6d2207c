// Flavors as Nova shows them. Ironic scheduling data appears the way Nova's
// Ironic flavors carry it in extra specs: `resources:CUSTOM_<CLASS>=1` with the
// standard classes zeroed, `trait:<T>=required|forbidden`, `capabilities:<k>=<v>`.
import type { FlavorRecord } from "../store/records.js";

/** Nova's name for an Ironic resource class ("baremetal-gold" → "CUSTOM_BAREMETAL_GOLD"). */
export function placementResourceClass(resourceClass: string): string {
  return `CUSTOM_${resourceClass.toUpperCase().replace(/[^A-Z0-9_]+/g, "_")}`;
}

export function flavorExtraSpecs(flavor: FlavorRecord): Record<string, string> {
  const specs: Record<string, string> = {
    [`resources:${placementResourceClass(flavor.resourceClass)}`]: "1",
    "resources:VCPU": "0",
    "resources:MEMORY_MB": "0",
    "resources:DISK_GB": "0",
  };
  for (const trait of flavor.requiredTraits) specs[`trait:${trait}`] = "required";
  for (const trait of flavor.forbiddenTraits) specs[`trait:${trait}`] = "forbidden";
  for (const [key, value] of Object.entries(flavor.capabilities)) specs[`capabilities:${key}`] = value;
  return specs;
}

export function flavorLinks(base: string, id: string): Array<{ rel: string; href: string }> {
  const path = encodeURIComponent(id);
  return [
    { rel: "self", href: `${base}/v2.1/flavors/${path}` },
    { rel: "bookmark", href: `${base}/flavors/${path}` },
  ];
}

export function flavorSummary(flavor: FlavorRecord, base: string, microversion: number): Record<string, unknown> {
  return {
    id: flavor.id,
    name: flavor.name,
    links: flavorLinks(base, flavor.id),
    ...(microversion >= 55 ? { description: flavor.description === "" ? null : flavor.description } : {}),
  };
}

export function flavorDetail(flavor: FlavorRecord, base: string, microversion: number): Record<string, unknown> {
  return {
    ...flavorSummary(flavor, base, microversion),
    ram: flavor.ramMb,
    vcpus: flavor.vcpus,
    disk: flavor.diskGb,
    "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeralGb,
    "OS-FLV-DISABLED:disabled": false,
    "os-flavor-access:is_public": flavor.isPublic,
    swap: flavor.swapMb === 0 && microversion < 75 ? "" : flavor.swapMb,
    rxtx_factor: 1.0,
    ...(microversion >= 61 ? { extra_specs: flavorExtraSpecs(flavor) } : {}),
    // ironic-compute's own fields (clients ignore unknown keys).
    resource_class: flavor.resourceClass,
    required_traits: flavor.requiredTraits,
    forbidden_traits: flavor.forbiddenTraits,
    capabilities: flavor.capabilities,
  };
}
