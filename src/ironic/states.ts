// Ironic's provision and power states as closed types (S6).
//
// A state we do not know (a newer Ironic added it) is not dropped and not
// guessed: it becomes the explicit value "unknown", and the raw text is kept
// beside it on the node so callers can log it. Every state is sorted once into a
// phase (`PROVISION_PHASES`, checked with `satisfies`), so adding a state here
// makes the compiler point at that table; the decisions switch on the phase and
// single out their few special states. Destroy keeps its own full switch.

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

/**
 * The phase a provision state belongs to, as the driver's decisions see it:
 * - stable: at rest, never deployed (available, manageable, enroll)
 * - deploying: a deployment is running and ends by itself
 * - deployed: an instance image is running ("active")
 * - failed: a deployment ended badly (the instance may still be half there)
 * - teardown: Ironic is deleting or cleaning the node
 * - rescue: the rescue ramdisk is booting, running, or being left
 * - other: inspection, adoption, servicing, "rebuild" (a transient request
 *   state no decision waits for) and states this version does not know
 */
export type ProvisionPhase = "stable" | "deploying" | "deployed" | "failed" | "teardown" | "rescue" | "other";

export const PROVISION_PHASES = {
  enroll: "stable",
  verifying: "other",
  manageable: "stable",
  inspecting: "other",
  "inspect wait": "other",
  "inspect failed": "other",
  cleaning: "teardown",
  "clean wait": "teardown",
  "clean failed": "teardown",
  "clean hold": "teardown",
  available: "stable",
  deploying: "deploying",
  "wait call-back": "deploying",
  "deploy failed": "failed",
  "deploy hold": "deploying",
  active: "deployed",
  deleting: "teardown",
  error: "failed",
  rebuild: "other",
  rescue: "rescue",
  rescuing: "rescue",
  "rescue wait": "rescue",
  "rescue failed": "rescue",
  unrescuing: "rescue",
  "unrescue failed": "rescue",
  adopting: "other",
  "adopt failed": "other",
  servicing: "other",
  "service wait": "other",
  "service failed": "other",
  "service hold": "other",
  unknown: "other",
} as const satisfies Record<ProvisionState, ProvisionPhase>;

/** The provision states of phase `P`, e.g. `ProvisionStateIn<"rescue">`. */
export type ProvisionStateIn<P extends ProvisionPhase> = {
  [S in ProvisionState]: (typeof PROVISION_PHASES)[S] extends P ? S : never;
}[ProvisionState];

/** Narrows `state` to the states of `phase`, so a `switch` over them is exhaustive. */
export function inPhase<P extends ProvisionPhase>(state: ProvisionState, phase: P): state is ProvisionStateIn<P> {
  return PROVISION_PHASES[state] === phase;
}

/** The phase of `state`, typed wide so a `switch` on it must name every phase. */
export function provisionPhase(state: ProvisionState): ProvisionPhase {
  return PROVISION_PHASES[state];
}

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
