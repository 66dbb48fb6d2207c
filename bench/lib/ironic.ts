// A real Ironic for one bench: started, optionally filled with nodes through the
// bulk path, always stopped (the harness also kills it if we die).

import { bulkEnrolNodes } from "../../harness/bulk-enrol.js";
import type { EnrolSpec } from "../../src/dev/enrol.js";
import { startIronic, type RunningIronic } from "../../src/dev/ironic-process.js";
import { note } from "./report.js";

export async function withIronic<T>(work: (ironic: RunningIronic) => Promise<T>): Promise<T> {
  const started = performance.now();
  const ironic = await startIronic();
  note(`# Ironic up at ${ironic.url} in ${Math.round(performance.now() - started)} ms (pid ${ironic.pid})`);
  try {
    return await work(ironic);
  } finally {
    await ironic.stop();
  }
}

/** Enrols every spec in turn through the bulk path; returns all UUIDs. */
export async function enrol(ironic: RunningIronic, specs: readonly EnrolSpec[]): Promise<string[]> {
  const started = performance.now();
  const uuids: string[] = [];
  for (const spec of specs) uuids.push(...(await bulkEnrolNodes(ironic, spec)));
  note(`# enrolled ${uuids.length} nodes in ${Math.round(performance.now() - started)} ms`);
  return uuids;
}
