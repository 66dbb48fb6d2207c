// Cost vs scale, the two figures scheduler.ts does not give (issue 14 #4): the
// reconcile pass and the service's RSS at `--nodes N` (1,000 / 5,000 / 10,000).
//
// One Ironic with the bench fleet scaled to N nodes (fleet.ts, as scheduler.ts
// scales it). A tenth of the nodes is claimed for servers of ours (instance_uuid
// plus our marker, one JSON-patch each), and the store (SQLite in a temp dir)
// holds one server per claimed node, SHUTOFF like its powered-off fake node: the
// steady state, where a pass lists, looks every claimed node's server up, and
// changes nothing (the pass's report is checked to say so).
//   reconcile — service.reconcile(): node cache refresh + the sweep;
//   baseline  — cache.refresh() alone, in the same round (rotating order), so
//               ratio = pass / refresh is what the sweep adds over the listing.
// RSS: bench/memory-child.ts (memory.ts's child, run unchanged) against the same
// Ironic, after a forced GC, with all N nodes cached, inventories parsed and
// 1,000 servers in its own store (the figure of the memory target at 10,000).
//
//   node --import tsx bench/scale.ts [--nodes 1000] [--rounds 3] [--rss 2]

import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createComputeService } from "../src/compute/service.js";
import { INSTANCE_KEY } from "../src/driver/instance-info.js";
import { IronicClient } from "../src/ironic/client.js";
import { ironicClientOptions } from "../src/ironic/config.js";
import { silentLogger } from "../src/log/logger.js";
import { openStore } from "../src/store/open.js";
import { benchOptions } from "./lib/args.js";
import { load, type Load } from "./lib/env.js";
import { scaledFleet } from "./lib/fleet.js";
import { enrol, withIronic } from "./lib/ironic.js";
import { runMemoryChild, type MemoryAnswer } from "./lib/memory-answer.js";
import { fmt, note, printTable, startRecording } from "./lib/report.js";
import { MiB, summarize } from "./lib/stats.js";

const opts = benchOptions({ nodes: 1_000, rounds: 3, rss: 2, claimed: 10 });
const FLEET = scaledFleet(opts.nodes);
const NODES = FLEET.reduce((sum, spec) => sum + spec.count, 0);
const CLAIM_CONCURRENCY = 4;

interface Round { round: number; load: Load; passMs: number; refreshMs: number }

/** Claims every `every`-th node for a fresh instance, as a create leaves it; returns node → instance. */
async function claimSome(client: IronicClient, uuids: readonly string[], every: number): Promise<Map<string, string>> {
  const claims = new Map<string, string>();
  for (let i = 0; i < uuids.length; i += every) {
    const node = uuids[i];
    if (node !== undefined) claims.set(node, randomUUID());
  }
  const queue = [...claims];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [node, instance] = next;
      await client.nodes.update(node, [
        { op: "add", path: "/instance_uuid", value: instance },
        { op: "add", path: `/instance_info/${INSTANCE_KEY}`, value: instance },
      ]);
    }
  };
  await Promise.all(Array.from({ length: CLAIM_CONCURRENCY }, worker));
  return claims;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const recording = startRecording("scale", { ...opts, nodes: NODES });
  await withIronic(async (ironic) => {
    const uuids = await enrol(ironic, FLEET);
    const client = new IronicClient(ironicClientOptions({ url: ironic.url }), silentLogger);
    await client.connect();
    const started = performance.now();
    const claims = await claimSome(client, uuids, Math.round(100 / opts.claimed));
    note(`# claimed ${claims.size} nodes in ${Math.round(performance.now() - started)} ms`);

    const dir = await mkdtemp(join(tmpdir(), "ironic-compute-bench-scale-"));
    const rounds: Round[] = [];
    try {
      const store = await openStore({ kind: "sqlite", path: join(dir, "compute.sqlite") });
      const service = await createComputeService({
        store,
        ironic: client,
        driver: { cache: { maxAgeMs: 3_600_000 } },
        // No periodic pass competes with the timed ones.
        compute: { workerId: "bench-scale", reconcileIntervalMs: 3_600_000 },
        log: silentLogger,
      });
      await service.bootstrapAdmin({ project: "admin", user: "admin", password: "admin-password-1" });
      const project = await store.projects.getByName("admin");
      const user = await store.users.getByName("admin");
      if (project === undefined || user === undefined) throw new Error("no admin after bootstrap");
      const now = new Date().toISOString();
      let i = 0;
      for (const [node, instance] of claims) {
        await store.servers.create({
          id: instance, name: `scale-${i}`, hostname: `scale-${i}`, projectId: project.id, userId: user.id, flavorId: "bench", imageId: null,
          keyName: null, nodeUuid: node, vmState: "stopped", taskState: null, powerState: "shutdown", progress: 100, networks: { kind: "none", vifs: [] },
          blockDevices: [], metadata: {}, userData: null, availabilityZone: "nova", fault: null, launchedAt: now, createdAt: now,
          updatedAt: now, deletedAt: null, description: null, locked: false, lockedBy: null, lockedReason: null, accessIPv4: null, accessIPv6: null,
          diskConfig: "MANUAL", reservationId: `r-${i}`, launchIndex: 0,
        });
        i++;
      }
      await service.start();
      // Warm-up: JIT, connections; also proves the steady state.
      const warm = await service.reconcile();
      const quiet = (r: typeof warm) => r.releasesQueued === 0 && r.powerSynced === 0 && r.vanished === 0 && r.leftAlone.unknown_instance === 0 && r.leftAlone.unmarked === 0 && r.sweepSkipped === null;
      if (!quiet(warm)) throw new Error(`the warm-up pass was not a steady state: ${JSON.stringify(warm)}`);
      await service.driver.cache.refresh();
      for (let round = 1; round <= opts.rounds; round++) {
        const before = load();
        let passMs = Number.NaN;
        let refreshMs = Number.NaN;
        const pass = async () => {
          let report: typeof warm | undefined;
          passMs = await timed(async () => (report = await service.reconcile()));
          if (report === undefined || !quiet(report)) throw new Error(`round ${round}: the pass changed something: ${JSON.stringify(report)}`);
        };
        const refresh = async () => { refreshMs = await timed(() => service.driver.cache.refresh()); };
        if (round % 2 === 1) { await pass(); await refresh(); } else { await refresh(); await pass(); }
        if (service.driver.cache.size !== NODES) throw new Error(`cache holds ${service.driver.cache.size} nodes, expected ${NODES}`);
        rounds.push({ round, load: before, passMs, refreshMs });
        note(`# round ${round}/${opts.rounds}: pass ${fmt(passMs)} ms, refresh ${fmt(refreshMs)} ms, load1 ${before.load1}`);
      }
      await service.stop();
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await client.close();

    const rss: Array<{ run: number; load: Load; cachedMiB: number; finalMiB: number; stages: MemoryAnswer["stages"] }> = [];
    for (let run = 1; run <= opts.rss; run++) {
      const before = load();
      const answer = await runMemoryChild(ironic.url);
      if (answer.nodes !== NODES) throw new Error(`memory child cached ${answer.nodes} nodes, expected ${NODES}`);
      const cached = answer.stages.find((s) => s.stage.startsWith("cache refreshed"));
      rss.push({ run, load: before, cachedMiB: (cached?.rss ?? Number.NaN) / MiB, finalMiB: (answer.stages.at(-1)?.rss ?? Number.NaN) / MiB, stages: answer.stages });
      note(`# rss run ${run}/${opts.rss}: ${fmt(rss.at(-1)?.finalMiB ?? Number.NaN)} MiB`);
    }

    printTable(
      `reconcile pass at ${NODES} nodes, ${claims.size} claimed with a server each (ms)`,
      ["round", "load1", "pass", "refresh alone", "pass / refresh"],
      rounds.map((r) => [r.round, r.load.load1, r.passMs, r.refreshMs, fmt(r.passMs / r.refreshMs, 3)]),
    );
    const s = {
      pass: summarize(rounds.map((r) => r.passMs)),
      refresh: summarize(rounds.map((r) => r.refreshMs)),
      ratio: summarize(rounds.map((r) => r.passMs / r.refreshMs)),
      rssCached: summarize(rss.map((r) => r.cachedMiB)),
      rss: summarize(rss.map((r) => r.finalMiB)),
    };
    printTable("summary", ["figure", "median", "min", "max"], [
      ["reconcile pass (ms)", s.pass.median, s.pass.min, s.pass.max],
      ["cache refresh alone (ms)", s.refresh.median, s.refresh.min, s.refresh.max],
      ["ratio pass / refresh", fmt(s.ratio.median, 3), fmt(s.ratio.min, 3), fmt(s.ratio.max, 3)],
      ["RSS, cache refreshed (MiB)", s.rssCached.median, s.rssCached.min, s.rssCached.max],
      ["RSS, + inventories + 1,000 servers (MiB)", s.rss.median, s.rss.min, s.rss.max],
    ]);
    await recording.finish({ nodes: NODES, claimed: claims.size, rounds, rss, summary: s }, [
      {
        target: `(info) reconcile pass at ${NODES} nodes, ${claims.size} claimed`,
        value: `${fmt(s.pass.median)} ms (${fmt(s.pass.min)}–${fmt(s.pass.max)}); ${fmt(s.ratio.median, 3)}× the refresh alone`,
        met: null,
      },
      {
        target: `(info) RSS at ${NODES} nodes cached, 1,000 servers stored (after GC)`,
        value: `${fmt(s.rss.median)} MiB (${fmt(s.rss.min)}–${fmt(s.rss.max)})`,
        met: null,
      },
    ]);
  });
}

await main();
