// Starts the run's shared Ironic (noauth, fake hardware) and hands its URL to the
// test files. IRONIC_COMPUTE_TEST_IRONIC_URL points the run at an Ironic that is
// already running instead (handy while developing; CI never sets it).
import type { TestProject } from "vitest/node";
import { startIronic, type RunningIronic } from "../src/dev/ironic-process.js";

declare module "vitest" {
  export interface ProvidedContext {
    ironicUrl: string;
  }
}

let ironic: RunningIronic | undefined;

export async function setup(project: TestProject): Promise<void> {
  const existing = process.env["IRONIC_COMPUTE_TEST_IRONIC_URL"];
  if (existing !== undefined && existing !== "") {
    project.provide("ironicUrl", existing);
    return;
  }
  ironic = await startIronic();
  project.provide("ironicUrl", ironic.url);
}

export async function teardown(): Promise<void> {
  await ironic?.stop();
}
