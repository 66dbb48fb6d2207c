// Target: scheduler decision over 10,000 cached nodes, p99 under 1 ms, and the
// first decision after a refresh under 5 ms (issue 14 #3). A decision goes
// through the cache's per-resource-class index (schedule-index.ts), as
// Scheduler.place does; the baseline in the same run is the linear filter over
// every cached node (`cache.all()` + `candidates()`, the code before the index).
// Without a server group, place draws the fitting nodes lazily in random order
// and claims the first (randomFitting): that is the timed decision; the
// "shuffle" series filters the class's whole pool and shuffles it (the path of
// a server group, whose policy arranges the pool).
// `--nodes N` scales the fleet (1,000 / 5,000 / 10,000 for the cost-vs-scale chart).
//
// One Ironic with 10,000 nodes in several resource classes, with traits,
// capabilities, owners and lessees, 500 of them not schedulable (manageable).
// One NodeCache is filled per run (plus one for warm-up) while Ironic runs;
// Ironic is then stopped so that its periodic power sync over 10,000 nodes does
// not compete for the CPU while decisions are timed. A decision is what
// Scheduler.place does before its claim: `cache.all()` + `candidates(...)` + a
// random pick. Flavors and projects rotate. The first decision after each refresh pays the inventory
// parsing (a WeakMap keyed by node object) and is reported on its own; the
// 2,000 timed decisions that follow are warm. A second series also shuffles the
// whole candidate list, as Scheduler.place does.
//
//   npm run bench:scheduler -- [--runs 5] [--decisions 2000]

import { NodeCache } from "../src/driver/node-cache.js";
import type { CachedNode } from "../src/driver/availability.js";
import { candidates, indexedCandidates, randomFitting } from "../src/compute/scheduler.js";
import { normalizeResourceClass } from "../src/driver/inventory.js";
import { IronicClient } from "../src/ironic/client.js";
import { ironicClientOptions } from "../src/ironic/config.js";
import { silentLogger } from "../src/log/logger.js";
import { benchOptions } from "./lib/args.js";
import { load, type Load } from "./lib/env.js";
import { FLAVORS, FLEET, FLEET_SIZE, PROJECTS } from "./lib/fleet.js";
import { enrol, withIronic } from "./lib/ironic.js";
import { fmt, note, printTable, startRecording } from "./lib/report.js";
import { latency, summarize, type Latency } from "./lib/stats.js";

const opts = benchOptions({ runs: 5, decisions: 2_000, nodes: FLEET_SIZE });
const SCALE = opts.nodes / FLEET_SIZE;
const SCALED = FLEET.map((spec) => ({ ...spec, count: Math.round(spec.count * SCALE) }));
const NODES = SCALED.reduce((sum, spec) => sum + spec.count, 0);
const log = silentLogger;

const PAIRS = Object.entries(FLAVORS).flatMap(([name, f]) => PROJECTS.map((project) => ({ name, flavor: f, project })));

function pairAt(index: number): (typeof PAIRS)[number] {
  const pair = PAIRS[index % PAIRS.length];
  if (pair === undefined) throw new Error("no flavor/project pairs");
  return pair;
}

interface Decision {
  ms: number;
  allMs: number;
  candidatesMs: number;
  candidates: number;
}

/** One decision as Scheduler.place makes it, minus the claim; `linear`: the baseline without the index. */
async function decide(cache: NodeCache, pair: (typeof PAIRS)[number], shuffleAll: boolean, linear = false): Promise<Decision> {
  const t0 = performance.now();
  const nodes = linear ? await cache.all() : await cache.schedulable(normalizeResourceClass(pair.flavor.resourceClass));
  const t1 = performance.now();
  if (!linear && !shuffleAll) {
    // What Scheduler.place does without a server group: draw lazily, claim the first.
    const drawn = randomFitting(nodes as Parameters<typeof randomFitting>[0], pair.flavor, pair.project);
    const first = drawn.nodes[Symbol.iterator]().next();
    const t2 = performance.now();
    if (first.done !== true && first.value.uuid === "") throw new Error("a node without uuid");
    return { ms: t2 - t0, allMs: t1 - t0, candidatesMs: t2 - t1, candidates: first.done === true ? 0 : 1 };
  }
  const pool = linear ? candidates(nodes as CachedNode[], pair.flavor, pair.project, log) : indexedCandidates(nodes as Parameters<typeof indexedCandidates>[0], pair.flavor, pair.project);
  const t2 = performance.now();
  let picked: CachedNode | undefined;
  if (shuffleAll) {
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [pool[i], pool[j]] = [pool[j] as CachedNode, pool[i] as CachedNode];
    }
    picked = pool[0];
  } else {
    picked = pool[Math.floor(Math.random() * pool.length)];
  }
  const t3 = performance.now();
  if (pool.length > 0 && picked === undefined) throw new Error("no pick from a non-empty pool");
  return { ms: t3 - t0, allMs: t1 - t0, candidatesMs: t2 - t1, candidates: pool.length };
}

interface Run {
  run: number;
  load: Load;
  refreshMs: number;
  firstDecisionMs: number;
  secondDecisionMs: number;
  pick: Latency;
  pickAllMs: Latency;
  pickCandidatesMs: Latency;
  shuffle: Latency;
  /** The baseline: the linear filter over every node, same decisions. */
  linear: Latency;
}

async function main(): Promise<void> {
  const recording = startRecording("scheduler", { ...opts, nodes: NODES, flavors: FLAVORS, projects: PROJECTS });
  // Every cache is filled while Ironic runs; Ironic is stopped before any decision
  // is timed, so its periodic power sync over 10,000 nodes does not compete for
  // the CPU (decisions never call Ironic: the caches stay fresh for an hour).
  const filled = await withIronic(async (ironic) => {
    await enrol(ironic, SCALED);
    const client = new IronicClient(ironicClientOptions({ url: ironic.url }), log);
    await client.connect();
    const caches: Array<{ cache: NodeCache; refreshMs: number } | undefined> = [];
    for (let run = 0; run <= opts.runs; run++) {
      const cache = new NodeCache(client, { filters: {}, maxAgeMs: 3_600_000 }, log);
      const started = performance.now();
      await cache.refresh();
      caches.push({ cache, refreshMs: performance.now() - started });
      note(`# cache ${run} filled in ${Math.round(performance.now() - started)} ms`);
      if (cache.size !== NODES) throw new Error(`cache holds ${cache.size} nodes, expected ${NODES}`);
    }
    await client.close();
    return caches;
  });

  // Cache 0: warm-up (JIT) and pool sizes, not timed.
  const warm = filled[0]?.cache;
  if (warm === undefined) throw new Error("no cache filled");
  for (let i = 0; i < 200; i++) await decide(warm, pairAt(i), i % 2 === 0);
  const poolSizes: Record<string, number> = {};
  for (const pair of PAIRS) poolSizes[`${pair.name}@${pair.project}`] = (await decide(warm, pair, false, true)).candidates;

  const runs: Run[] = [];
  for (let run = 1; run <= opts.runs; run++) {
    const entry = filled[run];
    if (entry === undefined) throw new Error(`no cache for run ${run}`);
    const { cache, refreshMs } = entry;
    const before = load();
    // Fresh node objects: the first decision parses every node's inventory.
    const first = await decide(cache, pairAt(run), false);
    const second = await decide(cache, pairAt(run + 1), false);
    const picks: Decision[] = [];
    for (let i = 0; i < opts.decisions; i++) picks.push(await decide(cache, pairAt(i), false));
    const shuffles: Decision[] = [];
    for (let i = 0; i < opts.decisions; i++) shuffles.push(await decide(cache, pairAt(i), true));
    const linear: Decision[] = [];
    for (let i = 0; i < opts.decisions; i++) linear.push(await decide(cache, pairAt(i), false, true));
    runs.push({
      run,
      load: before,
      refreshMs,
      firstDecisionMs: first.ms,
      secondDecisionMs: second.ms,
      pick: latency(picks.map((d) => d.ms)),
      pickAllMs: latency(picks.map((d) => d.allMs)),
      pickCandidatesMs: latency(picks.map((d) => d.candidatesMs)),
      shuffle: latency(shuffles.map((d) => d.ms)),
      linear: latency(linear.map((d) => d.ms)),
    });
    note(`# run ${run}/${opts.runs}: p99 ${fmt(runs.at(-1)?.pick.p99 ?? Number.NaN)} ms, first ${fmt(first.ms)} ms, load1 ${before.load1}`);
    filled[run - 1] = undefined; // let the previous run's nodes go
  }
  printTable("candidate pool per flavor@project (warm cache)", ["flavor@project", "candidates"], Object.entries(poolSizes));
  printTable(
    `per run: ${opts.decisions} decisions each (ms)`,
    ["run", "load1", "refresh", "1st after refresh", "2nd", "p50", "p90", "p99", "max", "p99 all()", "p99 candidates()", "shuffle p50", "shuffle p99"],
    runs.map((r) => [
      r.run,
      r.load.load1,
      r.refreshMs,
      r.firstDecisionMs,
      r.secondDecisionMs,
      r.pick.p50,
      r.pick.p90,
      r.pick.p99,
      r.pick.max,
      r.pickAllMs.p99,
      r.pickCandidatesMs.p99,
      r.shuffle.p50,
      r.shuffle.p99,
    ]),
  );
  const s = {
    p50: summarize(runs.map((r) => r.pick.p50)),
    p99: summarize(runs.map((r) => r.pick.p99)),
    max: summarize(runs.map((r) => r.pick.max)),
    first: summarize(runs.map((r) => r.firstDecisionMs)),
    refresh: summarize(runs.map((r) => r.refreshMs)),
    shuffleP50: summarize(runs.map((r) => r.shuffle.p50)),
    shuffleP99: summarize(runs.map((r) => r.shuffle.p99)),
    linearP99: summarize(runs.map((r) => r.linear.p99)),
    ratioP99: summarize(runs.map((r) => r.pick.p99 / r.linear.p99)),
  };
  printTable(
    "summary over runs (ms)",
    ["figure", "median", "min", "max", "spread"],
    [
      ["decision p50", s.p50.median, s.p50.min, s.p50.max, `${fmt(s.p50.spread * 100, 0)}%`],
      ["decision p99", s.p99.median, s.p99.min, s.p99.max, `${fmt(s.p99.spread * 100, 0)}%`],
      ["decision max", s.max.median, s.max.min, s.max.max, `${fmt(s.max.spread * 100, 0)}%`],
      ["first decision after refresh", s.first.median, s.first.min, s.first.max, `${fmt(s.first.spread * 100, 0)}%`],
      ["with full shuffle (place) p50", s.shuffleP50.median, s.shuffleP50.min, s.shuffleP50.max, `${fmt(s.shuffleP50.spread * 100, 0)}%`],
      ["with full shuffle (place) p99", s.shuffleP99.median, s.shuffleP99.min, s.shuffleP99.max, `${fmt(s.shuffleP99.spread * 100, 0)}%`],
      [`cache refresh (${NODES} nodes, index included)`, s.refresh.median, s.refresh.min, s.refresh.max, `${fmt(s.refresh.spread * 100, 0)}%`],
      ["baseline (linear filter) p99", s.linearP99.median, s.linearP99.min, s.linearP99.max, `${fmt(s.linearP99.spread * 100, 0)}%`],
      ["ratio p99 index / linear", s.ratioP99.median, s.ratioP99.min, s.ratioP99.max, `${fmt(s.ratioP99.spread * 100, 0)}%`],
    ],
  );
  await recording.finish({ nodes: NODES, poolSizes, runs, summary: s }, [
    { target: `decision p99 < 1 ms at ${NODES} nodes (median over runs)`, value: `${fmt(s.p99.median)} ms (runs ${fmt(s.p99.min)}–${fmt(s.p99.max)}); ${fmt(s.ratioP99.median)}× the linear baseline`, met: s.p99.median < 1 },
    { target: `first decision after a refresh < 5 ms at ${NODES} nodes`, value: `${fmt(s.first.median)} ms (runs ${fmt(s.first.min)}–${fmt(s.first.max)})`, met: s.first.median < 5 },
    { target: `(info) cache refresh at ${NODES} nodes`, value: `${fmt(s.refresh.median)} ms (runs ${fmt(s.refresh.min)}–${fmt(s.refresh.max)})`, met: null },
  ]);
}

await main();
