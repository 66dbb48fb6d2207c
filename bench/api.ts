// Targets (issue 14 #4): GET /v2.1/servers/detail with 1,000 servers p99 < 25 ms,
// POST /v2.1/servers accepted p99 < 20 ms, on loopback, measured with autocannon.
//
// The real service (`startService`, SQLite in a temp dir, HTTP Basic) runs in
// this process over a fresh real Ironic with no nodes: the 1,000 servers are
// written to the store directly (ACTIVE, no node), so the list measures the API
// and the store, and each accepted POST ends NoValidHost in the background (its
// task runs, as in production, and competes for the CPU). The baseline in the
// same run is GET /healthz on the same server (routing, no auth, no store).
// Each round runs the baseline, the list and the create one after the other.
// The list is asked as the openstack CLI and openstacksdk ask (Accept-Encoding:
// gzip, deflate), then once more without Accept-Encoding; nothing changes the
// servers during the list, so it measures the kept answer (api/answer-cache.ts):
// `--listCacheMiB 0` turns that off, which measures every list built anew.
//
//   npm run bench:api -- [--rounds 3] [--seconds 5] [--connections 4] [--servers 1000] [--listCacheMiB 16] [--part all|create|list]
// (`--part create` skips the list, `--part list` the create: to measure one alone.)
import { SecretBox } from "../src/store/secret-box.js";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { bootstrapAdminCaller, ADMIN_PASSWORD } from "../harness/admin-caller.js";
import { startService } from "../src/cli/service-runtime.js";
import { computeConfigSchema } from "../src/compute/config.js";
import { fakeHardwareFlavor, publicQcow2Image } from "../src/dev/demo-catalog.js";
import { driverConfig } from "../src/driver/config.js";
import { ironicClientOptions } from "../src/ironic/config.js";
import { silentLogger } from "../src/log/logger.js";
import type { ServerRecord } from "../src/store/records.js";
import { benchOptions } from "./lib/args.js";
import { load, type Load } from "./lib/env.js";
import { withIronic } from "./lib/ironic.js";
import { fmt, note, printTable, startRecording } from "./lib/report.js";
import { summarize } from "./lib/stats.js";

const opts = benchOptions({ rounds: 3, seconds: 5, connections: 4, servers: 1_000, listCacheMiB: 16, part: ["all", "create", "list"] as const });

// autocannon ships no types: its result is validated like any other input.
const autocannonResult = z.object({
  latency: z.object({ p50: z.number(), p99: z.number(), max: z.number() }),
  requests: z.object({ average: z.number(), total: z.number() }),
  non2xx: z.number(),
  errors: z.number(),
});
type Shot = z.infer<typeof autocannonResult>;
/** A part not run (`--part`): NaN figures, so its target reads as missed, never as met. */
const skipped: Shot = { latency: { p50: Number.NaN, p99: Number.NaN, max: Number.NaN }, requests: { average: Number.NaN, total: 0 }, non2xx: 0, errors: 0 };
const autocannon = createRequire(import.meta.url)("autocannon") as (options: Record<string, unknown>) => Promise<unknown>;

/**
 * The load comes from a worker thread (autocannon's `workers`): on this
 * process's event loop, parsing 1,000-server answers (http-parser-js) took
 * about a fifth of the CPU the service was being timed with.
 */
async function shoot(options: Record<string, unknown>): Promise<Shot> {
  return autocannonResult.parse(await autocannon({ connections: opts.connections, duration: opts.seconds, workers: 1, ...options }));
}

function seeded(owner: { projectId: string; userId: string; flavorId: string; imageId: string }, index: number): ServerRecord {
  const now = new Date().toISOString();
  return {
    id: randomUUID(), name: `seed-${index}`, hostname: `seed-${index}`, ...owner, keyName: null, nodeUuid: null,
    vmState: "active", taskState: null, powerState: "running", progress: 100, networks: { kind: "none", vifs: [] },
    blockDevices: [], metadata: { index: String(index) }, userData: null, availabilityZone: "nova", fault: null,
    launchedAt: now, createdAt: now, updatedAt: now, deletedAt: null, description: null, locked: false, lockedBy: null,
    lockedReason: null, accessIPv4: null, accessIPv6: null, diskConfig: "MANUAL", reservationId: `r-${randomUUID()}`, launchIndex: 0,
  };
}

interface Round { round: number; load: Load; baseline: Shot; list: Shot; listPlain: Shot; create: Shot; createCpuMs: number; createAlone: Shot }

/** `shot`, and the CPU time (user + system) this process spent per request meanwhile: less noisy than latency on a shared machine. */
async function withCpu(shot: () => Promise<Shot>): Promise<{ shot: Shot; cpuMsPerRequest: number }> {
  const before = process.cpuUsage();
  // The shot's window on the monotonic clock `--cpu-prof` stamps its samples
  // with, for bench/profile-summary.ts --from/--to.
  const from = process.hrtime.bigint() / 1000n;
  const result = await shot();
  const used = process.cpuUsage(before);
  note(`# cpu-prof window of this shot: --from ${from} --to ${process.hrtime.bigint() / 1000n}`);
  return { shot: result, cpuMsPerRequest: (used.user + used.system) / 1000 / Math.max(result.requests.total, 1) };
}

async function main(): Promise<void> {
  const recording = startRecording("api", opts);
  const dir = await mkdtemp(join(tmpdir(), "ironic-compute-bench-api-"));
  const rounds: Round[] = [];
  try {
    await withIronic(async (ironic) => {
      const service = await startService({
        database: { kind: "sqlite", path: join(dir, "compute.sqlite") },
        secrets: SecretBox.ephemeral(),
        ironic: ironicClientOptions({ url: ironic.url }),
        driver: driverConfig({ cache: { shard: `bench-api-${randomUUID().slice(0, 8)}` } }),
        compute: computeConfigSchema.parse({ workerId: "bench-api", reconcileIntervalMs: 3_600_000 }),
        api: { host: "127.0.0.1", port: 0, auth: "basic", listCacheMiB: opts.listCacheMiB },
        log: silentLogger,
      });
      try {
        const admin = await bootstrapAdminCaller(service.compute, service.store);
        await service.compute.quotas.update(admin, admin.projectId, { instances: -1 });
        const flavor = await service.compute.flavors.create(admin, fakeHardwareFlavor({ name: "bm", resourceClass: "baremetal", diskGb: 10 }));
        const image = await service.compute.images.create(admin, publicQcow2Image({ name: "demo", url: "http://127.0.0.1:1/demo.qcow2" }));
        const owner = { projectId: admin.projectId, userId: admin.userId, flavorId: flavor.id, imageId: image.id };
        for (let i = 0; i < opts.servers; i++) await service.store.servers.create(seeded(owner, i));
        const headers = { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString("base64")}`, "content-type": "application/json" };
        const base = service.api.url;
        const body = JSON.stringify({ server: { name: "bench", flavorRef: flavor.id, imageRef: image.id, networks: "none" } });
        // Warm-up (JIT, login cache), not recorded.
        if (opts.part !== "create") await shoot({ url: `${base}/v2.1/servers/detail`, headers, duration: 1 });
        if (opts.part !== "list") await shoot({ url: `${base}/v2.1/servers`, method: "POST", headers, body, duration: 1 });
        for (let round = 1; round <= opts.rounds; round++) {
          const before = load();
          const baseline = await shoot({ url: `${base}/healthz` });
          // As the openstack CLI and openstacksdk ask (python-requests' default header); then without it.
          const list = opts.part === "create" ? skipped : await shoot({ url: `${base}/v2.1/servers/detail`, headers: { ...headers, "accept-encoding": "gzip, deflate" } });
          const listPlain = opts.part === "create" ? skipped : await shoot({ url: `${base}/v2.1/servers/detail`, headers });
          const { shot: create, cpuMsPerRequest: createCpuMs } =
            opts.part === "list" ? { shot: skipped, cpuMsPerRequest: Number.NaN } : await withCpu(() => shoot({ url: `${base}/v2.1/servers`, method: "POST", headers, body }));
          // One client alone: the accept's own latency, without waiting behind the
          // other connections' requests and background tasks (information).
          const createAlone = opts.part === "list" ? skipped : await shoot({ url: `${base}/v2.1/servers`, method: "POST", headers, body, connections: 1 });
          rounds.push({ round, load: before, baseline, list, listPlain, create, createCpuMs, createAlone });
          note(`# round ${round}: list p99 ${list.latency.p99} ms, create p99 ${create.latency.p99} ms (${fmt(createCpuMs)} ms CPU per create), load1 ${before.load1}`);
        }
      } finally {
        await service.stop();
      }
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  printTable(
    `per round (${opts.connections} connections, ${opts.seconds} s each; ms, req/s)`,
    ["round", "load1", "healthz p50", "healthz p99", "healthz req/s", "list p50", "list p99", "list req/s", "list non-2xx", "plain list p50", "plain list p99", "create p50", "create p99", "create req/s", "create cpu ms/req", "create non-2xx", "alone p50", "alone p99"],
    rounds.map((r) => [r.round, r.load.load1, r.baseline.latency.p50, r.baseline.latency.p99, r.baseline.requests.average, r.list.latency.p50, r.list.latency.p99, r.list.requests.average, r.list.non2xx, r.listPlain.latency.p50, r.listPlain.latency.p99, r.create.latency.p50, r.create.latency.p99, r.create.requests.average, r.createCpuMs, r.create.non2xx, r.createAlone.latency.p50, r.createAlone.latency.p99]),
  );
  const s = {
    listP50: summarize(rounds.map((r) => r.list.latency.p50)),
    listP99: summarize(rounds.map((r) => r.list.latency.p99)),
    listRps: summarize(rounds.map((r) => r.list.requests.average)),
    listRatio: summarize(rounds.map((r) => r.list.latency.p99 / Math.max(r.baseline.latency.p99, 1))),
    listPlainP50: summarize(rounds.map((r) => r.listPlain.latency.p50)),
    listPlainP99: summarize(rounds.map((r) => r.listPlain.latency.p99)),
    createP50: summarize(rounds.map((r) => r.create.latency.p50)),
    createP99: summarize(rounds.map((r) => r.create.latency.p99)),
    createRps: summarize(rounds.map((r) => r.create.requests.average)),
    createCpuMs: summarize(rounds.map((r) => r.createCpuMs)),
    createRatio: summarize(rounds.map((r) => r.create.latency.p99 / Math.max(r.baseline.latency.p99, 1))),
    createAloneP50: summarize(rounds.map((r) => r.createAlone.latency.p50)),
    createAloneP99: summarize(rounds.map((r) => r.createAlone.latency.p99)),
    createAloneRps: summarize(rounds.map((r) => r.createAlone.requests.average)),
  };
  const range = (x: { median: number; min: number; max: number }) => `${fmt(x.median)} (${fmt(x.min)}–${fmt(x.max)})`;
  printTable("summary over rounds (median (min–max))", ["figure", "value"], Object.entries(s).map(([k, v]) => [k, range(v)]));
  const failures = rounds.reduce((sum, r) => sum + r.list.non2xx + r.listPlain.non2xx + r.create.non2xx + r.list.errors + r.listPlain.errors + r.create.errors + r.createAlone.non2xx + r.createAlone.errors, 0);
  await recording.finish({ rounds, summary: s }, [
    { target: `GET /servers/detail (${opts.servers} servers) p99 < 25 ms`, value: `${range(s.listP99)} ms; p50 ${fmt(s.listP50.median)} ms; ${fmt(s.listRps.median)} req/s; ${fmt(s.listRatio.median)}× healthz p99`, met: s.listP99.median < 25 },
    { target: `(info) the same list without Accept-Encoding (sent plain)`, value: `p99 ${range(s.listPlainP99)} ms; p50 ${fmt(s.listPlainP50.median)} ms`, met: null },
    { target: "POST /servers accepted p99 < 20 ms", value: `${range(s.createP99)} ms; p50 ${fmt(s.createP50.median)} ms; ${fmt(s.createRps.median)} req/s; ${fmt(s.createRatio.median)}× healthz p99`, met: s.createP99.median < 20 },
    { target: "(info) POST /servers accepted, one connection alone", value: `p99 ${range(s.createAloneP99)} ms; p50 ${fmt(s.createAloneP50.median)} ms; ${fmt(s.createAloneRps.median)} req/s`, met: null },
    { target: "(info) non-2xx answers and errors", value: String(failures), met: null },
  ]);
}

await main();
