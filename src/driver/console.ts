// Serial console of an instance's node. Unlike Nova, which refuses when the
// operator has not enabled the console beforehand, we enable it when allowed by
// configuration; a reset (disable + enable) drops a stuck single-session SOL.
// Only a `socat` console with a strictly parsed `tcp://host:port` is offered (S4).

import type { IronicClient } from "../ironic/client.js";
import { IronicBadRequestError } from "../ironic/errors.js";
import { boundNode } from "./claim.js";
import { parseSerialConsole } from "./console-url.js";
import { ConsoleUnavailableError } from "./errors.js";
import { pollUntil } from "./wait.js";

export interface ConsoleOptions {
  /** Enable the console when it is disabled (Nova refuses instead). */
  enableIfDisabled: boolean;
  /** Disable then enable, e.g. to free a stuck session. */
  reset: boolean;
  timeoutMs: number;
  pollIntervalMs: number;
}

export interface SerialConsole {
  host: string;
  port: number;
}

async function switchConsole(
  client: IronicClient,
  nodeUuid: string,
  enabled: boolean,
  options: ConsoleOptions,
  ids: { node: string; instance: string },
): Promise<void> {
  try {
    await client.nodes.setConsole(nodeUuid, enabled);
  } catch (error) {
    if (error instanceof IronicBadRequestError) {
      throw new ConsoleUnavailableError(`Ironic refused to ${enabled ? "enable" : "disable"} the console: ${error.message}`, { ...ids, cause: error });
    }
    throw error;
  }
  await pollUntil(
    () => client.nodes.getConsole(nodeUuid),
    (state) => state.console_enabled === enabled,
    options,
    () => new ConsoleUnavailableError(`the console did not become ${enabled ? "enabled" : "disabled"} in time`, ids),
  );
}

export async function serialConsole(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  options: ConsoleOptions,
): Promise<SerialConsole> {
  const ids = { node: nodeUuid, instance: instanceUuid };
  await boundNode(client, nodeUuid, instanceUuid, ["uuid"]);
  let state = await client.nodes.getConsole(nodeUuid);
  if (state.console_enabled && options.reset) {
    await switchConsole(client, nodeUuid, false, options, ids);
    state = { console_enabled: false, console_info: null };
  }
  if (!state.console_enabled) {
    if (!options.enableIfDisabled && !options.reset) {
      throw new ConsoleUnavailableError("the serial console of this node is disabled", ids);
    }
    await switchConsole(client, nodeUuid, true, options, ids);
    state = await client.nodes.getConsole(nodeUuid);
  }
  return parseSerialConsole(state.console_info, ids);
}
