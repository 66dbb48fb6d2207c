// Whether a node can take a new instance (S6).
//
// Nova's rule (`_node_resources_unavailable`) compares strings against short
// lists, so a state added by a newer Ironic silently counts as "not in the
// list". Here the power decision is an exhaustive `switch` over the closed type,
// and of the provision states only "available" is available: a new state is
// sorted into a phase in `states.ts` (the build fails until it is), and a state
// Ironic sends that we do not know ("unknown") is unavailable with its raw text.

import type { ListableNodeField, Node, NodeView } from "../ironic/node-schema.js";
import type { PowerState, ProvisionState } from "../ironic/states.js";

/**
 * The fields the node cache lists (and the claim re-reads). All are listable:
 * the list endpoint refuses or breaks on the others (see node-schema.ts).
 * `instance_info` is deliberately absent: it is large, may hold secrets, and only
 * spawn needs it (it asks for it itself).
 */
export const CACHE_FIELDS = [
  "uuid",
  "name",
  "instance_uuid",
  "power_state",
  "target_power_state",
  "provision_state",
  "target_provision_state",
  "last_error",
  "maintenance",
  "fault",
  "properties",
  "traits",
  "resource_class",
  "conductor_group",
  "owner",
  "lessee",
] as const satisfies readonly ListableNodeField[];

export type CachedNode = NodeView<(typeof CACHE_FIELDS)[number]>;

/** The fields `availability` reads, so narrower views can be checked too. */
export type AvailabilityInput = Pick<
  Node,
  | "maintenance"
  | "fault"
  | "power_state"
  | "target_power_state"
  | "provision_state"
  | "target_provision_state"
  | "unknown_states"
>;

export type Availability = { available: true } | { available: false; reason: string };

/**
 * Available = not in maintenance, no fault, a known power state, provision state
 * `available`, and no provision or power action running. Unlike Nova we also read
 * `fault` (Ironic sets maintenance with it, but a fault alone is reason enough),
 * and a running action makes the node unavailable (it is about to change).
 * An unknown state gives a reason naming Ironic's raw text; callers log it.
 */
export function availability(node: AvailabilityInput): Availability {
  if (node.maintenance) return unavailable("the node is in maintenance");
  if (node.fault !== null) return unavailable(`the node has a fault (${quote(node.fault)})`);
  const power = powerBlocker(node.power_state, node.unknown_states?.power_state);
  if (power !== null) return unavailable(power);
  const provision = provisionBlocker(node.provision_state, node.unknown_states?.provision_state);
  if (provision !== null) return unavailable(provision);
  if (node.target_provision_state !== null) {
    const target = node.target_provision_state === "unknown"
      ? node.unknown_states?.target_provision_state
      : node.target_provision_state;
    return unavailable(`a provision action is in progress (target ${quote(target)})`);
  }
  if (node.target_power_state !== null) {
    const target = node.target_power_state === "unknown"
      ? node.unknown_states?.target_power_state
      : node.target_power_state;
    return unavailable(`a power action is in progress (target ${quote(target)})`);
  }
  return { available: true };
}

/** A node with an instance is used, whatever its state (Nova's `_node_resources_used`). */
export function isUsed(node: Pick<Node, "instance_uuid">): boolean {
  return node.instance_uuid !== null;
}

function unavailable(reason: string): Availability {
  return { available: false, reason };
}

/** Why the power state forbids scheduling, or null when it does not. */
function powerBlocker(state: PowerState, raw: string | undefined): string | null {
  switch (state) {
    case "power on":
    case "power off":
      return null;
    case "error":
      return 'the power state is "error"';
    case null:
      // Ironic has not read the BMC yet: we cannot know the machine works.
      return "the power state is not known yet";
    case "unknown":
      return `unknown power state ${quote(raw)} (newer Ironic?)`;
  }
}

/** Why the provision state forbids scheduling, or null when it does not. */
function provisionBlocker(state: ProvisionState, raw: string | undefined): string | null {
  // Only "available" takes an instance; no phase as a whole does.
  if (state === "available") return null;
  if (state === "unknown") return `unknown provision state ${quote(raw)} (newer Ironic?)`;
  return `the provision state is "${state}"`;
}

/** Ironic's text in a reason: quoted (escapes control characters) and bounded. */
function quote(text: string | undefined): string {
  if (text === undefined) return "(not recorded)";
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);
}
