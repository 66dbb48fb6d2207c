// Target: service memory with 10,000 nodes cached and 1,000 servers in the store, under 150 MiB RSS (issue 14 #4).
//
// The parent starts Ironic and enrols the 10,000-node fleet; each run is a fresh
// child `node --expose-gc --import tsx bench/memory-child.ts URL` that builds the
// compute service (SQLite in a temp dir), refreshes the cache and reports RSS
// and heap after a forced GC at each stage. The target is read at the last
// stage (cache full, inventories parsed), the service's steady state.
//
//   npm run bench:memory -- [--runs 3]

import { benchOptions } from "./lib/args.js";
import { load, type Load } from "./lib/env.js";
import { runMemoryChild, type MemoryAnswer } from "./lib/memory-answer.js";
import { FLEET, FLEET_SIZE } from "./lib/fleet.js";
import { enrol, withIronic } from "./lib/ironic.js";
import { fmt, note, printTable, startRecording } from "./lib/report.js";
import { MiB, summarize } from "./lib/stats.js";

const opts = benchOptions({ runs: 3 });
const TARGET_MIB = 150;

type ChildAnswer = MemoryAnswer;

const mib = (bytes: number): number => bytes / MiB;

async function main(): Promise<void> {
  const recording = startRecording("memory", { ...opts, nodes: FLEET_SIZE, node: process.version });
  await withIronic(async (ironic) => {
    await enrol(ironic, FLEET);
    const runs: Array<ChildAnswer & { run: number; load: Load }> = [];
    for (let run = 1; run <= opts.runs; run++) {
      const before = load();
      const answer = await runMemoryChild(ironic.url);
      if (answer.nodes !== FLEET_SIZE) throw new Error(`child cached ${answer.nodes} nodes, expected ${FLEET_SIZE}`);
      runs.push({ ...answer, run, load: before });
      note(`# run ${run}/${opts.runs}: final RSS ${fmt(mib(answer.stages.at(-1)?.rss ?? 0))} MiB`);
    }
    printTable(
      "per run and stage, after forced GC (MiB)",
      ["run", "load1", "stage", "rss", "heapUsed", "heapTotal", "external", "arrayBuffers"],
      runs.flatMap((r) =>
        r.stages.map((s) => [r.run, r.load.load1, s.stage, mib(s.rss), mib(s.heapUsed), mib(s.heapTotal), mib(s.external), mib(s.arrayBuffers)]),
      ),
    );
    const spaces = runs[0]?.spaces;
    if (spaces !== undefined) {
      printTable("V8 heap spaces at the last stage, run 1 (MiB)", ["space", "used"], Object.entries(spaces).map(([space, used]) => [space, mib(used)]));
    }
    const stageNames = runs[0]?.stages.map((s) => s.stage) ?? [];
    const byStage = stageNames.map((stage, index) => {
      const rss = summarize(runs.map((r) => mib(r.stages[index]?.rss ?? Number.NaN)));
      const heap = summarize(runs.map((r) => mib(r.stages[index]?.heapUsed ?? Number.NaN)));
      return { stage, rss, heap };
    });
    printTable(
      `summary over ${runs.length} runs (MiB, median [min–max])`,
      ["stage", "rss", "heapUsed"],
      byStage.map((s) => [s.stage, `${fmt(s.rss.median)} [${fmt(s.rss.min)}–${fmt(s.rss.max)}]`, `${fmt(s.heap.median)} [${fmt(s.heap.min)}–${fmt(s.heap.max)}]`]),
    );
    const final = byStage.at(-1);
    const cacheCost = (() => {
      const started = byStage.find((s) => s.stage.startsWith("service started"));
      return final === undefined || started === undefined ? null : { rss: final.rss.median - started.rss.median, heap: final.heap.median - started.heap.median };
    })();
    if (cacheCost !== null) {
      note(`# 10,000 cached nodes + inventories cost ${fmt(cacheCost.rss)} MiB RSS, ${fmt(cacheCost.heap)} MiB heap (medians, vs the started service)`);
    }
    const finalRss = final?.rss.median ?? Number.NaN;
    await recording.finish({ runs, byStage, cacheCostMiB: cacheCost }, [
      {
        target: `RSS < ${TARGET_MIB} MiB with ${FLEET_SIZE} nodes cached, 1,000 servers stored (median of runs, after GC)`,
        value: `${fmt(finalRss)} MiB (runs ${fmt(final?.rss.min ?? Number.NaN)}–${fmt(final?.rss.max ?? Number.NaN)})`,
        met: finalRss < TARGET_MIB,
      },
    ]);
  });
}

await main();
