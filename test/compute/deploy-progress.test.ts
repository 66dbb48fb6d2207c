// The deploy-phase table (issue 11 #7), pure: what each driver progress report
// shows as the server's progress and as an instance-action event.
import { describe, expect, it } from "vitest";
import { deployPhase, POWERING_ON_PERCENT } from "../../src/compute/deploy-progress.js";

const ROWS: Array<[string, { step: string; detail: string }, { event: string; percent: number; detail: string } | undefined]> = [
  ["claim", { step: "claim", detail: "claim" }, { event: "spawn_claim", percent: 10, detail: "claim" }],
  ["instance info", { step: "write-instance-info", detail: "write-instance-info" }, { event: "spawn_write_instance_info", percent: 20, detail: "write-instance-info" }],
  ["volume targets", { step: "create-volume-targets", detail: "create-volume-targets" }, { event: "spawn_volume_targets", percent: 25, detail: "create-volume-targets" }],
  ["VIFs", { step: "attach-vifs", detail: "attach-vifs" }, { event: "spawn_attach_vifs", percent: 30, detail: "attach-vifs" }],
  ["deploy requested", { step: "deploy", detail: "deploy" }, { event: "spawn_deploy_requested", percent: 40, detail: "deploy" }],
  ["Ironic starting", { step: "wait", detail: "Ironic is starting the deployment" }, { event: "spawn_deploy_starting", percent: 45, detail: "Ironic is starting the deployment" }],
  [
    "deploying with its deploy step",
    { step: "wait", detail: "node is deploying (deploy step deploy.write_image)" },
    { event: "spawn_deploying", percent: 50, detail: "node is deploying (deploy step deploy.write_image)" },
  ],
  ["wait call-back", { step: "wait", detail: "node is wait call-back" }, { event: "spawn_wait_callback", percent: 60, detail: "node is wait call-back" }],
  ["deploy hold", { step: "wait", detail: "node is deploy hold" }, { event: "spawn_deploy_hold", percent: 60, detail: "node is deploy hold" }],
  ["finishing", { step: "wait", detail: "node is finishing the deployment" }, { event: "spawn_finishing", percent: 80, detail: "node is finishing the deployment" }],
  ["a wait that names no phase", { step: "wait", detail: "something else" }, undefined],
  ["a step of another operation", { step: "unprovision", detail: "unprovision" }, undefined],
];

const REBUILD_ROWS: Array<[string, { step: string; detail: string }, { event: string; percent: number; detail: string } | undefined]> = [
  ["instance info", { step: "write-instance-info", detail: "write-instance-info" }, { event: "rebuild_write_instance_info", percent: 20, detail: "write-instance-info" }],
  ["rebuild requested", { step: "rebuild", detail: "rebuild" }, { event: "rebuild_deploy_requested", percent: 40, detail: "rebuild" }],
  [
    "deploying with its deploy step",
    { step: "wait", detail: "node is deploying (deploy step deploy.write_image)" },
    { event: "rebuild_deploying", percent: 50, detail: "node is deploying (deploy step deploy.write_image)" },
  ],
  ["wait call-back", { step: "wait", detail: "node is wait call-back" }, { event: "rebuild_wait_callback", percent: 60, detail: "node is wait call-back" }],
  ["a spawn-only step", { step: "claim", detail: "claim" }, undefined],
  ["busy, no phase", { step: "wait", detail: "node is busy" }, undefined],
];

describe("deployPhase", () => {
  it.each(REBUILD_ROWS)("rebuild: %s", (_label, progress, expected) => {
    expect(deployPhase(progress as Parameters<typeof deployPhase>[0], "rebuild")).toEqual(expected);
  });

  it.each(ROWS)("%s", (_label, progress, expected) => {
    expect(deployPhase(progress as Parameters<typeof deployPhase>[0])).toEqual(expected);
  });

  it("percentages only grow along a deploy, and powering on comes after all of them", () => {
    const percents = ROWS.map(([, , phase]) => phase?.percent).filter((percent): percent is number => percent !== undefined);
    const inOrder = [10, 20, 25, 30, 40, 45, 50, 60, 80];
    expect([...new Set(percents)].sort((a, b) => a - b)).toEqual(inOrder);
    expect(POWERING_ON_PERCENT).toBeGreaterThan(Math.max(...percents));
  });
});
