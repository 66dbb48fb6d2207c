// Where a deploy is, as the server's `progress` and as instance-action events:
// one pure table from what the driver reports (the spawn or rebuild step it is
// about to run, or why it waits) to a phase with its percentage. Each new
// phase becomes one finished event of the create (`spawn_…`) or rebuild
// (`rebuild_…`) action (`openstack server event show`), so "waiting for a
// node", "writing instance info" and "Ironic is deploying (deploy step
// deploy.write_image)" can be told apart.
import type { DriverProgress } from "../driver/driver.js";

/** The operations that deploy an image: a create's spawn, and a rebuild. */
export type DeployOperation = "spawn" | "rebuild";

export interface DeployPhase {
  /** The event name: `spawn_<phase>` or `rebuild_<phase>`. */
  event: string;
  percent: number;
  /** Public text for the event (provision states and step names only, never last_error). */
  detail: string;
}

type Phase = { phase: string; percent: number };

/** The driver's steps of each operation (spawn.ts, rebuild.ts). */
const STEP_PHASES: Readonly<Record<DeployOperation, Readonly<Record<string, Phase>>>> = {
  spawn: {
    claim: { phase: "claim", percent: 10 },
    "write-instance-info": { phase: "write_instance_info", percent: 20 },
    "create-volume-targets": { phase: "volume_targets", percent: 25 },
    "attach-vifs": { phase: "attach_vifs", percent: 30 },
    deploy: { phase: "deploy_requested", percent: 40 },
  },
  rebuild: {
    "write-instance-info": { phase: "write_instance_info", percent: 20 },
    rebuild: { phase: "deploy_requested", percent: 40 },
  },
};

/** Waits in the order a deploy goes through them; the first whose pattern matches wins. */
const WAIT_PHASES: ReadonlyArray<{ pattern: RegExp } & Phase> = [
  { pattern: /^Ironic is starting the deployment/, phase: "deploy_starting", percent: 45 },
  { pattern: /^node is wait call-back/, phase: "wait_callback", percent: 60 },
  { pattern: /^node is deploy hold/, phase: "deploy_hold", percent: 60 },
  { pattern: /^node is deploying/, phase: "deploying", percent: 50 },
  { pattern: /^node is finishing the deployment/, phase: "finishing", percent: 80 },
];

/** The phase a driver progress report of `operation` stands for; undefined for reports that name no phase. */
export function deployPhase(progress: Pick<DriverProgress, "step" | "detail">, operation: DeployOperation = "spawn"): DeployPhase | undefined {
  const step = progress.step === "wait" ? WAIT_PHASES.find((candidate) => candidate.pattern.test(progress.detail)) : STEP_PHASES[operation][progress.step];
  if (step === undefined) return undefined;
  return { event: `${operation}_${step.phase}`, percent: step.percent, detail: progress.step === "wait" ? progress.detail : progress.step };
}

/** Progress once the deploy is done and the node is being powered on. */
export const POWERING_ON_PERCENT = 90;
