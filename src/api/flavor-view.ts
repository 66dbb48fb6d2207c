// Flavors as Nova shows them. The Ironic scheduling data is in the extra specs
// the way Nova's Ironic flavors carry it (`resources:CUSTOM_<CLASS>=1`,
// `trait:<T>=required|forbidden`, `capabilities:<k>=<v>`), shown from 2.61 as
// Nova does; the document has no field of its own (strict clients refuse those).
import type { FlavorRecord } from "../store/records.js";

/** The flavor's extra specs, as stored (a copy). */
export function flavorExtraSpecs(flavor: FlavorRecord): Record<string, string> {
  return { ...flavor.extraSpecs };
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
  };
}
