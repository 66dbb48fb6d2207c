// The flavor and image bodies of the dev setup, and the base of the tests' and
// benchmarks' own: a flavor that fits the fake-hardware nodes enrol.ts makes
// (8 CPUs, 16 GiB; see DEFAULT_PROPERTIES), public, with no trait or capability
// requirements; a public qcow2 image with no checksum or size. Callers name
// them and give only what differs.
import type { ComputeApi } from "../compute/contract.js";
import { bareMetalExtraSpecs } from "../compute/flavor-scheduling.js";

export type FlavorInput = Omit<Parameters<ComputeApi["flavors"]["create"]>[1], "id">;
export type ImageInput = Omit<Parameters<ComputeApi["images"]["create"]>[1], "id">;

/**
 * A flavor for nodes of `resourceClass` (a node's resource_class), its
 * scheduling written as Nova's Ironic flavors write it, in extra specs
 * (`resources:CUSTOM_<CLASS>=1` …; `extraSpecs` adds to them).
 */
export function fakeHardwareFlavor(
  fields: Pick<FlavorInput, "name"> & Partial<FlavorInput> & { resourceClass: string } & Parameters<typeof bareMetalExtraSpecs>[1],
): FlavorInput {
  const { resourceClass, requiredTraits, forbiddenTraits, capabilities, extraSpecs, ...rest } = fields;
  return {
    description: "",
    vcpus: 8,
    ramMb: 16_384,
    diskGb: 100,
    ephemeralGb: 0,
    swapMb: 0,
    isPublic: true,
    ...rest,
    extraSpecs: {
      ...bareMetalExtraSpecs(resourceClass, {
        ...(requiredTraits === undefined ? {} : { requiredTraits }),
        ...(forbiddenTraits === undefined ? {} : { forbiddenTraits }),
        ...(capabilities === undefined ? {} : { capabilities }),
      }),
      ...extraSpecs,
    },
  };
}

export function publicQcow2Image(fields: Pick<ImageInput, "name" | "url"> & Partial<ImageInput>): ImageInput {
  return {
    checksum: null,
    osHashAlgo: null,
    osHashValue: null,
    diskFormat: "qcow2",
    visibility: "public",
    ownerProjectId: null,
    sizeBytes: null,
    properties: {},
    ...fields,
  };
}
