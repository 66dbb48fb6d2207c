// A flavor's extra specs → what the scheduler looks for, read the way Nova's
// Ironic deployments write them (Nova's "Flavor configuration for bare metal"):
//
//   resources:CUSTOM_BAREMETAL_GOLD=1   the one node resource class, amount 1
//   resources:VCPU=0, MEMORY_MB=0, DISK_GB=0   standard classes zeroed (may be left out)
//   trait:CUSTOM_RAID=required|forbidden
//   capabilities:boot_mode=uefi          exact match on the node's capabilities
//
// A node matches the class when its resource_class, normalised as Nova does
// ("baremetal-gold" → CUSTOM_BAREMETAL_GOLD), is the flavor's. Every other key
// is kept and shown but does not schedule. Pure; the one home of these rules
// (the os-extra_specs checks below use them too).
import { InvalidInputError } from "../driver/errors.js";
import { flavorCapabilities, forbiddenTraits, requiredTraits } from "../driver/instance-info.js";
import { normalizeResourceClass } from "../driver/inventory.js";
import type { FlavorRecord } from "../store/records.js";
import { BadRequestError } from "./contract.js";

export interface SchedulingRequest {
  /** Placement's name of the node class: "CUSTOM_BAREMETAL_GOLD". */
  resourceClass: string;
  requiredTraits: string[];
  forbiddenTraits: string[];
  capabilities: Record<string, string>;
}

/** The flavor's extra specs cannot place a server (400 at create; No valid host in a task). */
export class FlavorSpecError extends BadRequestError {}

const RESOURCES_KEY = /^resources([A-Za-z0-9_-]*):(.*)$/;
const TRAIT_KEY = /^trait([A-Za-z0-9_-]*):(.*)$/;
const CUSTOM_CLASS = /^CUSTOM_[A-Z0-9_]{1,248}$/;
const STANDARD_CLASS = /^[A-Z][A-Z0-9_]{0,254}$/;
const AMOUNT = /^[0-9]{1,9}$/;
const TRAIT_VALUES = ["required", "forbidden"];

/** Standard classes a bare-metal flavor zeroes (Nova's Ironic flavor guide). */
const ZEROED = ["VCPU", "MEMORY_MB", "DISK_GB"];

function hint(): string {
  return "set its extra spec resources:CUSTOM_<CLASS>=1, where <CLASS> is the nodes' resource_class in upper case with '-' and '.' as '_' (openstack flavor set --property resources:CUSTOM_BAREMETAL=1 <flavor>)";
}

/**
 * Why `key=value` is not a valid extra spec, or undefined when it is. Nova's
 * validators (2.86) for the namespaces that schedule: a resource amount is a
 * whole number, a trait is required or forbidden, their names are Placement's.
 */
export function extraSpecProblem(key: string, value: string): string | undefined {
  const resources = RESOURCES_KEY.exec(key);
  if (resources !== null) {
    const name = resources[2] ?? "";
    if (!CUSTOM_CLASS.test(name) && !STANDARD_CLASS.test(name)) {
      return `extra spec '${key}': '${name.slice(0, 80)}' is not a resource class name (upper-case letters, digits and _; custom ones start with CUSTOM_)`;
    }
    if (!AMOUNT.test(value)) return `extra spec '${key}': the amount must be a whole number, not '${value.slice(0, 80)}'`;
    return undefined;
  }
  const trait = TRAIT_KEY.exec(key);
  if (trait !== null) {
    if (!TRAIT_VALUES.includes(value)) return `extra spec '${key}': a trait is 'required' or 'forbidden', not '${value.slice(0, 80)}'`;
    if (!STANDARD_CLASS.test(trait[2] ?? "")) return `extra spec '${key}': '${(trait[2] ?? "").slice(0, 80)}' is not a trait name (upper-case letters, digits and _)`;
  }
  return undefined;
}

/** The one custom class the specs ask for (amount 1); FlavorSpecError otherwise. */
function resourceClassOf(flavorId: string, specs: Readonly<Record<string, string>>): string {
  const custom: Array<[string, number]> = [];
  for (const [key, value] of Object.entries(specs)) {
    const match = RESOURCES_KEY.exec(key);
    if (match === null) continue;
    const [, group = "", name = ""] = match;
    const amount = Number(value);
    if (amount === 0) continue;
    if (group !== "") throw new FlavorSpecError(`Flavor ${flavorId}: extra spec '${key}' asks for a granular resource group, which bare metal does not use; use resources:${name}.`);
    if (!CUSTOM_CLASS.test(name)) {
      throw new FlavorSpecError(`Flavor ${flavorId}: extra spec '${key}=${value}' asks for a standard resource, which bare-metal nodes do not offer; set it to 0 (or remove it) and ${hint()}.`);
    }
    custom.push([name, amount]);
  }
  const [first, second] = custom;
  if (first === undefined) throw new FlavorSpecError(`Flavor ${flavorId} has no bare-metal resource class: ${hint()}.`);
  if (second !== undefined) {
    throw new FlavorSpecError(`Flavor ${flavorId} asks for two resource classes (${first[0]}, ${second[0]}): a bare-metal server is one node of one class; keep one resources:CUSTOM_<CLASS>=1.`);
  }
  if (first[1] !== 1) throw new FlavorSpecError(`Flavor ${flavorId}: extra spec 'resources:${first[0]}=${first[1]}' must ask for exactly 1 (a server is one whole node).`);
  return first[0];
}

/** What the scheduler needs to place a server of `flavor`; FlavorSpecError says why it cannot. */
export function schedulingRequest(flavor: Pick<FlavorRecord, "id" | "extraSpecs">): SchedulingRequest {
  const specs = flavor.extraSpecs;
  for (const [key, value] of Object.entries(specs)) {
    const problem = extraSpecProblem(key, value);
    if (problem !== undefined) throw new FlavorSpecError(`Flavor ${flavor.id}: ${problem}.`);
  }
  const resourceClass = resourceClassOf(flavor.id, specs);
  try {
    return {
      resourceClass,
      requiredTraits: requiredTraits({ extraSpecs: specs }, null),
      forbiddenTraits: forbiddenTraits({ extraSpecs: specs }),
      capabilities: flavorCapabilities({ extraSpecs: specs }),
    };
  } catch (error) {
    if (error instanceof InvalidInputError) throw new FlavorSpecError(`Flavor ${flavor.id}: ${error.message}.`);
    throw error;
  }
}

/**
 * The extra specs of a bare-metal flavor for nodes of `resourceClass` (a node's
 * resource_class or its CUSTOM_ name), as Nova's guide writes them.
 */
export function bareMetalExtraSpecs(
  resourceClass: string,
  narrowing: { requiredTraits?: readonly string[]; forbiddenTraits?: readonly string[]; capabilities?: Readonly<Record<string, string>> } = {},
): Record<string, string> {
  const name = normalizeResourceClass(resourceClass);
  if (name === null || !CUSTOM_CLASS.test(name)) throw new BadRequestError(`'${resourceClass.slice(0, 80)}' is not a resource class`);
  const specs: Record<string, string> = { [`resources:${name}`]: "1" };
  for (const standard of ZEROED) specs[`resources:${standard}`] = "0";
  for (const trait of narrowing.requiredTraits ?? []) specs[`trait:${trait}`] = "required";
  for (const trait of narrowing.forbiddenTraits ?? []) specs[`trait:${trait}`] = "forbidden";
  for (const [key, value] of Object.entries(narrowing.capabilities ?? {})) specs[`capabilities:${key}`] = value;
  return specs;
}
