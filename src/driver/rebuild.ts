// Rebuild: redeploy an active instance with a (possibly new) image, keeping or
// wiping the ephemeral partition, with a regenerated config drive.
//
// Resumable without clocks: when we write the new instance_info we also record
// the node's `provision_updated_at` as seen just before. Ironic changes that
// timestamp on every provision transition, so after a crash "active with the new
// instance_info and the same timestamp" means the rebuild was never requested,
// and "a different timestamp" means it ran. The request id is part of what is
// written, so a second rebuild with the same image is a new rebuild, not one
// that looks finished.

import type { IronicClient } from "../ironic/client.js";
import type { NodeView } from "../ironic/node-schema.js";
import { provisionPhase } from "../ironic/states.js";
import type { Logger } from "../log/logger.js";
import { InstanceNotFoundError, NodeBindingError, OperationFailedError } from "./errors.js";
import { buildInstanceInfo, instanceInfoWritten } from "./instance-info.js";
import type { InstanceSpec } from "./instance-spec.js";
import { parseProperties } from "./inventory.js";
import { nodeOrNull } from "./observe.js";
import { withListed, type ChangeWatch } from "./node-watch.js";
import { runOperation, type Decision, type Progress } from "./operation.js";
import { configDriveFor, deployStepText } from "./spawn.js";

export const REBUILD_BASE_KEY = "ironic_compute_rebuild_base";

export type RebuildStep = "write-instance-info" | "rebuild";

const REBUILD_FIELDS = [
  "instance_uuid",
  "instance_info",
  "properties",
  "provision_state",
  "target_provision_state",
  "provision_updated_at",
  "maintenance",
  "last_error",
  "deploy_step",
] as const;
export type RebuildNode = NodeView<(typeof REBUILD_FIELDS)[number]>;

export interface RebuildObserved {
  node: RebuildNode | null;
  wantedInstanceInfo: Record<string, unknown>;
}

export interface RebuildOptions {
  timeoutMs: number;
  pollIntervalMs: number;
  /** The driver's shared poller (node-watch.ts). */
  watch?: ChangeWatch;
  preserveEphemeral: boolean;
  /**
   * The rebuild request this run carries out (the task's id): a run resumed for
   * the same request continues it; another request redeploys even when image and
   * spec are unchanged.
   */
  requestId: string;
  onProgress?: (progress: Progress<RebuildStep>) => void;
}

export function decideRebuild(
  instanceUuid: string,
  observed: RebuildObserved,
  executed: ReadonlySet<RebuildStep>,
): Decision<RebuildStep> {
  const node = observed.node;
  const ids = { node: node?.uuid, instance: instanceUuid };
  if (node === null) return { kind: "fail", error: new InstanceNotFoundError("the node disappeared from Ironic", ids) };
  if (node.instance_uuid !== instanceUuid) {
    return { kind: "fail", error: new NodeBindingError("the node is not bound to this instance", ids) };
  }
  const written = instanceInfoWritten(node.instance_info, observed.wantedInstanceInfo);
  const requested =
    executed.has("rebuild") ||
    (written && node.instance_info[REBUILD_BASE_KEY] !== (node.provision_updated_at ?? null));
  const state = node.provision_state;
  switch (provisionPhase(state)) {
    case "deployed":
    case "failed":
      // From active, and from a failed deployment (Ironic allows rebuild there).
      if (node.target_provision_state !== null) return { kind: "wait", reason: "node is busy" };
      if (requested) {
        return state === "active"
          ? { kind: "done" }
          : { kind: "fail", error: new OperationFailedError(`rebuild failed: ${node.last_error ?? state}`, ids) };
      }
      if (node.maintenance) return { kind: "fail", error: new OperationFailedError("the node is in maintenance", ids) };
      return written ? { kind: "act", step: "rebuild" } : { kind: "act", step: "write-instance-info" };
    case "deploying":
      return { kind: "wait", reason: `node is ${state}${deployStepText(node.deploy_step)}` };
    case "stable":
    case "teardown":
    case "rescue":
    case "other":
      return { kind: "fail", error: new OperationFailedError(`cannot rebuild a node in state '${state}'`, ids) };
  }
}

export async function rebuildInstance(
  client: IronicClient,
  nodeUuid: string,
  spec: InstanceSpec,
  options: RebuildOptions,
  log: Logger,
): Promise<void> {
  // `answered`: the node as the instance_info PATCH answered it (no re-read).
  const observe = async (answered?: RebuildNode): Promise<RebuildObserved> => {
    const node = answered ?? (await nodeOrNull(client, nodeUuid, REBUILD_FIELDS));
    if (node === null) return { node: null, wantedInstanceInfo: {} };
    const localGb = parseProperties(node.properties, log, nodeUuid).localGb;
    const wanted = buildInstanceInfo(spec, {
      nodeLocalGb: localGb,
      preserveEphemeral: options.preserveEphemeral,
      rebuildRequest: options.requestId,
    });
    return { node, wantedInstanceInfo: wanted };
  };
  await runOperation<RebuildObserved, RebuildStep>(
    {
      name: "rebuild",
      ids: { node: nodeUuid, instance: spec.uuid },
      observe: () => observe(),
      watched: (observed) => observed.node,
      // Waiting on the redeploy: its state is in the listing, the rest was seen.
      fromListing: (listed, last) => (last.node === null ? undefined : { ...last, node: withListed(last.node, listed) }),
      decide: (observed, executed) => decideRebuild(spec.uuid, observed, executed),
      act: async (step, observed) => {
        switch (step) {
          case "write-instance-info": {
            const answer = await client.nodes.update(nodeUuid, [
              {
                op: "add",
                path: "/instance_info",
                value: { ...observed.wantedInstanceInfo, [REBUILD_BASE_KEY]: observed.node?.provision_updated_at ?? null },
              },
            ]);
            return { next: "answer", observed: await observe(answer) };
          }
          case "rebuild":
            await client.nodes.setProvisionState(nodeUuid, { target: "rebuild", configdrive: await configDriveFor(client, nodeUuid, spec) });
            return { next: "watch" };
        }
      },
    },
    { timeoutMs: options.timeoutMs, pollIntervalMs: options.pollIntervalMs, onProgress: options.onProgress, log, watch: options.watch },
  );
}
