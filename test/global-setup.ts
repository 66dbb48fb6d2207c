// Starts the run's shared Ironic (noauth, fake hardware) and hands its URL to the
// test files. IRONIC_COMPUTE_TEST_IRONIC_URL points the run at an Ironic that is
// already running instead (handy while developing; CI never sets it), with
// IRONIC_COMPUTE_TEST_IRONIC_LOG naming its log file for the tests that read it.
import type { TestProject } from "vitest/node";
import { startIronic, type RunningIronic } from "../src/dev/ironic-process.js";

declare module "vitest" {
  export interface ProvidedContext {
    ironicUrl: string;
    /** The shared Ironic's log file ("" when an existing Ironic's is not named). */
    ironicLogFile: string;
  }
}

let ironic: RunningIronic | undefined;

export async function setup(project: TestProject): Promise<void> {
  const existing = process.env["IRONIC_COMPUTE_TEST_IRONIC_URL"];
  if (existing !== undefined && existing !== "") {
    project.provide("ironicUrl", existing);
    project.provide("ironicLogFile", process.env["IRONIC_COMPUTE_TEST_IRONIC_LOG"] ?? "");
    return;
  }
  ironic = await startIronic();
  project.provide("ironicUrl", ironic.url);
  project.provide("ironicLogFile", ironic.logFile);
}

export async function teardown(): Promise<void> {
  await ironic?.stop();
}
