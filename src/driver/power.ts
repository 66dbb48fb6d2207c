// Power actions on an instance's node, each with a bounded wait and a check of
// the result (Nova waits forever and never checks).
//
//  - reboot: soft when asked; if Ironic refuses the soft reboot (400), hard.
//  - power off: soft with a timeout Ironic enforces; if the soft request is
//    refused or the node is still on afterwards, hard.
//  - power on.

import type { IronicClient } from "../ironic/client.js";
import { IronicBadRequestError, OutcomeUnknownError } from "../ironic/errors.js";
import type { PowerState, PowerTarget } from "../ironic/states.js";
import type { Logger } from "../log/logger.js";
import { boundNode } from "./claim.js";
import { OperationTimeoutError, PowerActionFailedError } from "./errors.js";
import type { ChangeWatch, WatchState } from "./node-watch.js";
import { WATCH_SAFETY_INTERVALS } from "./operation.js";
import { pollUntil, realSleep, type WaitClock } from "./wait.js";

export interface PowerOptions extends WaitClock {
  /** Bound on waiting for `target_power_state` to clear. */
  timeoutMs: number;
  pollIntervalMs: number;
  /** The driver's shared poller: an action whose end shows waits on it. */
  watch?: ChangeWatch;
}

/**
 * The node as an operation of this task saw it a moment ago, bound to the
 * instance (the deploy's last observation): it stands in for the binding read
 * before the power request. Only the driver passes it, straight from the
 * operation that ended on it.
 */
export interface JustSeen {
  instance_uuid: string | null;
  power_state: PowerState;
}

/** The instance's power as the compute layer shows it (Nova's power_state). */
export type InstancePower = "running" | "shutdown" | "crashed" | "nostate";

export function instancePower(state: PowerState): InstancePower {
  switch (state) {
    case "power on":
      return "running";
    case "power off":
      return "shutdown";
    case "error":
      return "crashed";
    case null:
    case "unknown":
      return "nostate";
  }
}

const POWER_FIELDS = ["power_state", "target_power_state", "last_error"] as const;

type Settled = { power_state: PowerState; last_error: string | null };

/**
 * Waits on the shared watch until the listing shows the action ended (the node
 * still bound to the instance); undefined when it could not tell (the node left
 * the listing, or no news within the safety bound): the caller reads the node.
 * Only for an action whose end shows (the power state changes).
 */
async function settleOnWatch(watch: ChangeWatch, nodeUuid: string, instanceUuid: string, before: PowerState, options: PowerOptions): Promise<Settled | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  let seen: WatchState = { power_state: before, target_power_state: null };
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    const listed = await watch.changed(nodeUuid, seen, Math.min(left, options.pollIntervalMs * WATCH_SAFETY_INTERVALS));
    if (listed?.instance_uuid !== instanceUuid) return undefined;
    if (listed.target_power_state === null) return { power_state: listed.power_state, last_error: listed.last_error };
    seen = { power_state: listed.power_state, target_power_state: listed.target_power_state };
  }
}

/**
 * Waits until Ironic finished the power action; returns the resulting state.
 * The first read waits one interval: right after the request Ironic's conductor
 * has not finished yet, so an immediate read is nearly always one more request.
 */
async function settle(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  options: PowerOptions,
): Promise<Settled> {
  await (options.sleep ?? realSleep)(options.pollIntervalMs);
  return pollUntil(
    () => boundNode(client, nodeUuid, instanceUuid, POWER_FIELDS),
    (node) => node.target_power_state === null,
    options,
    () => new OperationTimeoutError(`power action still running after ${Math.round(options.timeoutMs / 1000)} s`, {
      node: nodeUuid,
      instance: instanceUuid,
    }),
  );
}

/** The power state a target ends in, when the state alone shows it was reached. */
function visibleGoal(target: PowerTarget): PowerState | undefined {
  switch (target) {
    case "power on":
      return "power on";
    case "power off":
    case "soft power off":
      return "power off";
    case "rebooting":
    case "soft rebooting":
      return undefined; // on before, on after: a finished reboot looks like none
  }
}

async function act(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  target: PowerTarget,
  options: PowerOptions,
  timeoutSeconds?: number,
  seen?: JustSeen,
): Promise<Settled> {
  const before = seen?.instance_uuid === instanceUuid ? seen : await boundNode(client, nodeUuid, instanceUuid, ["power_state"]);
  const request = timeoutSeconds === undefined ? { target } : { target, timeout: timeoutSeconds };
  try {
    await client.nodes.setPowerState(nodeUuid, request);
  } catch (error) {
    if (!(error instanceof OutcomeUnknownError)) throw error;
    // The answer was lost: a running action or the wanted state means Ironic
    // took the request. Otherwise send it once more — for a reboot that may
    // reboot twice, which is still what was asked for.
    const seen = await boundNode(client, nodeUuid, instanceUuid, POWER_FIELDS);
    const goal = visibleGoal(target);
    if (seen.target_power_state === null && (goal === undefined || seen.power_state !== goal)) {
      await client.nodes.setPowerState(nodeUuid, request);
    }
  }
  const goal = visibleGoal(target);
  // An action whose end shows in the power state waits on the listing, which
  // carries every field the settle read would (power, target, last_error, the
  // binding). A reboot looks the same before and after: it reads its node.
  if (options.watch !== undefined && goal !== undefined && goal !== before.power_state) {
    const settled = await settleOnWatch(options.watch, nodeUuid, instanceUuid, before.power_state, options);
    if (settled !== undefined) return settled;
  }
  return settle(client, nodeUuid, instanceUuid, options);
}

function expect(
  result: { power_state: PowerState; last_error: string | null },
  wanted: PowerState,
  what: string,
  ids: { node: string; instance: string },
): void {
  if (result.power_state !== wanted) {
    throw new PowerActionFailedError(
      `${what} left the node in '${result.power_state ?? "no state"}'${result.last_error === null ? "" : `: ${result.last_error}`}`,
      ids,
    );
  }
}

export async function reboot(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  kind: "soft" | "hard",
  options: PowerOptions,
  log: Logger,
): Promise<void> {
  const ids = { node: nodeUuid, instance: instanceUuid };
  if (kind === "soft") {
    try {
      expect(await act(client, nodeUuid, instanceUuid, "soft rebooting", options), "power on", "soft reboot", ids);
      return;
    } catch (error) {
      if (!(error instanceof IronicBadRequestError)) throw error;
      log.warn({ ...ids, reason: error.message }, "soft reboot refused by Ironic; falling back to a hard reboot");
    }
  }
  expect(await act(client, nodeUuid, instanceUuid, "rebooting", options), "power on", "reboot", ids);
}

export async function powerOff(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  softTimeoutSeconds: number,
  options: PowerOptions,
  log: Logger,
): Promise<void> {
  const ids = { node: nodeUuid, instance: instanceUuid };
  if (softTimeoutSeconds > 0) {
    try {
      const soft = await act(client, nodeUuid, instanceUuid, "soft power off", options, softTimeoutSeconds);
      if (soft.power_state === "power off") return;
      log.warn({ ...ids, power: soft.power_state, reason: soft.last_error }, "soft power off did not finish; forcing power off");
    } catch (error) {
      if (!(error instanceof IronicBadRequestError)) throw error;
      log.warn({ ...ids, reason: error.message }, "soft power off refused by Ironic; forcing power off");
    }
  }
  expect(await act(client, nodeUuid, instanceUuid, "power off", options), "power off", "power off", ids);
}

/** `seen`: see JustSeen (the create's power-on right after its deploy). */
export async function powerOn(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  options: PowerOptions,
  seen?: JustSeen,
): Promise<void> {
  const ids = { node: nodeUuid, instance: instanceUuid };
  expect(await act(client, nodeUuid, instanceUuid, "power on", options, undefined, seen), "power on", "power on", ids);
}

/** The current power of the instance's node (`getInfo`). */
export async function powerOf(client: IronicClient, nodeUuid: string, instanceUuid: string): Promise<InstancePower> {
  const node = await boundNode(client, nodeUuid, instanceUuid, ["power_state"]);
  return instancePower(node.power_state);
}

/** Ironic's power-update event tags (sent to os-server-external-events). */
export type PowerEventTag = "POWER_ON" | "POWER_OFF";

/** What a power-update event from Ironic means for the instance. */
export function powerFromEvent(tag: PowerEventTag): InstancePower {
  switch (tag) {
    case "POWER_ON":
      return "running";
    case "POWER_OFF":
      return "shutdown";
  }
}

/** Crash dump: an NMI to the node, after the binding check. */
export async function triggerCrashDump(client: IronicClient, nodeUuid: string, instanceUuid: string): Promise<void> {
  await boundNode(client, nodeUuid, instanceUuid, ["uuid"]);
  await client.nodes.injectNmi(nodeUuid);
}
