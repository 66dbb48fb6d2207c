// Ironic's provision and power states as closed types (S6).
//
// A state we do not know (a newer Ironic added it) is not dropped and not
// guessed: it becomes the explicit value "unknown", and the raw text is kept
// beside it on the node so callers can log it. Every decision on states is an
// exhaustive `switch`, so adding a state here makes the compiler point at every
// place that has to decide about it.

/** Provision states of Ironic 21.x, plus the servicing states of newer releases. */
export const PROVISION_STATES = [
  "enroll",
  "verifying",
  "manageable",
  "inspecting",
  "inspect wait",
  "inspect failed",
  "cleaning",
  "clean wait",
  "clean failed",
  "clean hold",
  "available",
  "deploying",
  "wait call-back",
  "deploy failed",
  "deploy hold",
  "active",
  "deleting",
  "error",
  "rebuild",
  "rescue",
  "rescuing",
  "rescue wait",
  "rescue failed",
  "unrescuing",
  "unrescue failed",
  "adopting",
  "adopt failed",
  "servicing",
  "service wait",
  "service failed",
  "service hold",
] as const;

export type KnownProvisionState = (typeof PROVISION_STATES)[number];
export type ProvisionState = KnownProvisionState | "unknown";

/** Real power states a node reports. `null` = Ironic has not read it yet. */
export const POWER_STATES = ["power on", "power off", "error"] as const;
export type KnownPowerState = (typeof POWER_STATES)[number];
export type PowerState = KnownPowerState | "unknown" | null;

/** Values of `target_power_state` while a power action runs. */
export const TARGET_POWER_STATES = [
  "power on",
  "power off",
  "rebooting",
  "soft power off",
  "soft rebooting",
] as const;
export type KnownTargetPowerState = (typeof TARGET_POWER_STATES)[number];
export type TargetPowerState = KnownTargetPowerState | "unknown" | null;

/** Verbs accepted by `PUT /v1/nodes/{id}/states/provision`. */
export type ProvisionTarget =
  | "active"
  | "rebuild"
  | "deleted"
  | "manage"
  | "provide"
  | "inspect"
  | "clean"
  | "abort"
  | "rescue"
  | "unrescue"
  | "adopt";

/** Verbs accepted by `PUT /v1/nodes/{id}/states/power`. */
export type PowerTarget = KnownTargetPowerState;

const provisionSet: ReadonlySet<string> = new Set(PROVISION_STATES);
const powerSet: ReadonlySet<string> = new Set(POWER_STATES);
const targetPowerSet: ReadonlySet<string> = new Set(TARGET_POWER_STATES);

function isKnownProvision(raw: string): raw is KnownProvisionState {
  return provisionSet.has(raw);
}
function isKnownPower(raw: string): raw is KnownPowerState {
  return powerSet.has(raw);
}
function isKnownTargetPower(raw: string): raw is KnownTargetPowerState {
  return targetPowerSet.has(raw);
}

export function toProvisionState(raw: string): ProvisionState {
  return isKnownProvision(raw) ? raw : "unknown";
}

/** `target_provision_state` is null when nothing is in progress. */
export function toTargetProvisionState(raw: string | null): ProvisionState | null {
  if (raw === null) return null;
  // "deleted" is a target verb Ironic reports while deleting; it is not a state.
  if (raw === "deleted") return "available";
  return toProvisionState(raw);
}

export function toPowerState(raw: string | null): PowerState {
  if (raw === null) return null;
  return isKnownPower(raw) ? raw : "unknown";
}

export function toTargetPowerState(raw: string | null): TargetPowerState {
  if (raw === null) return null;
  return isKnownTargetPower(raw) ? raw : "unknown";
}
