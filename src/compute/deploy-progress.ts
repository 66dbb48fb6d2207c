// Where a deploy is, as the server's `progress` and as instance-action events:
// one pure table from what the driver reports (the spawn step it is about to
// run, or why it waits) to a phase with its percentage. Each new phase becomes
// one finished event of the create action (`openstack server event show`), so
// "waiting for a node", "writing instance info" and "Ironic is deploying
// (deploy step deploy.write_image)" can be told apart.
import type { DriverProgress } from "../driver/driver.js";

export interface DeployPhase {
  /** The event name: `spawn_<phase>`. */
  event: string;
  percent: number;
  /** Public text for the event (provision states and step names only, never last_error). */
  detail: string;
}

const STEP_PHASES: Readonly<Record<string, Omit<DeployPhase, "detail">>> = {
  claim: { event: "spawn_claim", percent: 10 },
  "write-instance-info": { event: "spawn_write_instance_info", percent: 20 },
  "create-volume-targets": { event: "spawn_volume_targets", percent: 25 },
  "attach-vifs": { event: "spawn_attach_vifs", percent: 30 },
  deploy: { event: "spawn_deploy_requested", percent: 40 },
};

/** Waits in the order a deploy goes through them; the first whose pattern matches wins. */
const WAIT_PHASES: ReadonlyArray<{ pattern: RegExp } & Omit<DeployPhase, "detail">> = [
  { pattern: /^Ironic is starting the deployment/, event: "spawn_deploy_starting", percent: 45 },
  { pattern: /^node is wait call-back/, event: "spawn_wait_callback", percent: 60 },
  { pattern: /^node is deploy hold/, event: "spawn_deploy_hold", percent: 60 },
  { pattern: /^node is deploying/, event: "spawn_deploying", percent: 50 },
  { pattern: /^node is finishing the deployment/, event: "spawn_finishing", percent: 80 },
];

/** The phase a driver progress report stands for; undefined for reports that name no phase. */
export function deployPhase(progress: Pick<DriverProgress, "step" | "detail">): DeployPhase | undefined {
  if (progress.step !== "wait") {
    const phase = STEP_PHASES[progress.step];
    return phase === undefined ? undefined : { ...phase, detail: progress.step };
  }
  const phase = WAIT_PHASES.find((candidate) => candidate.pattern.test(progress.detail));
  return phase === undefined ? undefined : { event: phase.event, percent: phase.percent, detail: progress.detail };
}

/** Progress once the deploy is done and the node is being powered on. */
export const POWERING_ON_PERCENT = 90;
