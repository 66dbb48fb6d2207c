// Issue 8 (#6, #7, #8): how much one client can stall the service's single
// event loop. The real service runs in this process (store, compute, API on
// 127.0.0.1:0, wired by cli/service-runtime.ts, a fresh SQLite store per attack)
// on a real Ironic ($IRONIC_COMPUTE_TEST_IRONIC_URL, else one started here; no
// attack reaches it). Each attack runs for --seconds with --concurrency request
// loops on loopback while:
//   - perf_hooks.monitorEventLoopDelay (1 ms resolution: the idle floor is ~1 ms)
//     samples the loop's delay (p50/p99/max);
//   - a probe asks GET /healthz (public, no work) every 50 ms: what an innocent
//     client waits meanwhile.
// Attacks:
//   idle            — nothing but the probe (the floor);
//   user-data       — POST /v2.1/servers, user_data = 90,000 "\n" + "!" (admin, cached login);
//   basic-unknown   — GET /v2.1/servers, Basic with a random password for an unknown user;
//   basic-known     — the same for the existing admin user;
//   basic-unlimited — basic-unknown with the failure limits set out of reach
//                     (what the bounded password workers alone give; the pre-fix
//                     code ignores the setting, so there it equals basic-unknown);
//   keypair         — POST /v2.1/os-keypairs without public_key (the service
//                     generates RSA-3072), each then deleted (stays under the quota).
// The same file runs against older checkouts (it uses only startService), so a
// before/after comparison is: this file copied into a checkout of the old commit.
//
//   npm run bench:event-loop -- [--seconds 5] [--concurrency 8] [--attacks all|idle|user-data|basic-unknown|basic-known|basic-unlimited|keypair]

import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Pool } from "undici";
import { startService, type RunningService } from "../src/cli/service-runtime.js";
import { computeConfigSchema } from "../src/compute/config.js";
import { driverConfig } from "../src/driver/config.js";
import { ironicClientOptions } from "../src/ironic/config.js";
import { silentLogger } from "../src/log/logger.js";
import { benchOptions } from "./lib/args.js";
import { SecretBox } from "../src/store/secret-box.js";
import { withIronic } from "./lib/ironic.js";
import { fmt, note, printTable, startRecording } from "./lib/report.js";
import { latency } from "./lib/stats.js";

const ATTACKS = ["idle", "user-data", "basic-unknown", "basic-known", "basic-unlimited", "keypair"] as const;
type Attack = (typeof ATTACKS)[number];

const opts = benchOptions({ seconds: 5, concurrency: 8, attacks: ["all", ...ATTACKS] as const });
/** A hard cap on requests per attack, whatever the speed (bounded load). */
const MAX_REQUESTS = 200_000;
const PROBE_INTERVAL_MS = 50;
const ADMIN_PASSWORD = `bench-${randomUUID()}`;
const USER_DATA_BODY = JSON.stringify({ server: { name: "redos", imageRef: randomUUID(), flavorRef: "1", user_data: `${"\n".repeat(90_000)}!` } });

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const ADMIN = basic("admin", ADMIN_PASSWORD);

interface AttackResult {
  attack: Attack;
  requests: number;
  perSecond: number;
  statuses: Record<string, number>;
  loopDelayMs: { p50: number; p99: number; max: number };
  probeMs: ReturnType<typeof latency>;
}

/** One request of an attack; resolves to its status code. */
type Shot = (pool: Pool) => Promise<number>;

async function send(pool: Pool, method: "GET" | "POST" | "DELETE", path: string, headers: Record<string, string>, body?: string): Promise<number> {
  const response = await pool.request({ method, path, headers: body === undefined ? headers : { ...headers, "content-type": "application/json" }, ...(body === undefined ? {} : { body }) });
  await response.body.dump();
  return response.statusCode;
}

function shotFor(attack: Attack): Shot | undefined {
  switch (attack) {
    case "idle":
      return undefined;
    case "user-data":
      return (pool) => send(pool, "POST", "/v2.1/servers", { authorization: ADMIN }, USER_DATA_BODY);
    case "basic-unknown":
    case "basic-unlimited":
      return (pool) => send(pool, "GET", "/v2.1/servers", { authorization: basic("no-such-user", randomBytes(9).toString("base64url")) });
    case "basic-known":
      return (pool) => send(pool, "GET", "/v2.1/servers", { authorization: basic("admin", randomBytes(9).toString("base64url")) });
    case "keypair":
      return async (pool) => {
        const name = `bench-${randomUUID()}`;
        const status = await send(pool, "POST", "/v2.1/os-keypairs", { authorization: ADMIN }, JSON.stringify({ keypair: { name } }));
        if (status === 200) await send(pool, "DELETE", `/v2.1/os-keypairs/${name}`, { authorization: ADMIN });
        return status;
      };
  }
}

async function startBenchService(ironicUrl: string, dir: string, attack: Attack): Promise<RunningService> {
  return startService({
    database: { kind: "sqlite", path: join(dir, `${attack}.sqlite`) },
    secrets: SecretBox.ephemeral(),
    ironic: ironicClientOptions({ url: ironicUrl }),
    driver: driverConfig({ cache: { shard: `bench-event-loop-${randomUUID().slice(0, 8)}` } }),
    compute: computeConfigSchema.parse({ workerId: `bench-${attack}`, reconcileIntervalMs: 3_600_000 }),
    // `login` is unknown to the pre-fix code, which ignores it.
    api: {
      host: "127.0.0.1",
      port: 0,
      auth: "basic",
      ...(attack === "basic-unlimited"
        ? { login: { maxFailuresPerClient: 1_000_000, maxFailuresPerUser: 1_000_000, failureWindowMs: 1_000, negativeCacheMs: 0, maxTrackedKeys: 10_000 } }
        : {}),
    },
    bootstrapAdmin: { project: "admin", user: "admin", password: ADMIN_PASSWORD },
    log: silentLogger,
  });
}

async function runAttack(ironicUrl: string, dir: string, attack: Attack): Promise<AttackResult> {
  const service = await startBenchService(ironicUrl, dir, attack);
  const pool = new Pool(service.api.url, { connections: opts.concurrency + 1, pipelining: 1 });
  try {
    // Warm the admin's login cache, so attacks that use it measure the attack only.
    await send(pool, "GET", "/v2.1/flavors", { authorization: ADMIN });
    const shot = shotFor(attack);
    const statuses: Record<string, number> = {};
    const probes: number[] = [];
    let requests = 0;
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    const started = performance.now();
    const until = started + opts.seconds * 1_000;
    histogram.enable();
    const probe = (async () => {
      while (performance.now() < until) {
        const sent = performance.now();
        await send(pool, "GET", "/healthz", {});
        probes.push(performance.now() - sent);
        await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
      }
    })();
    const loops = shot === undefined
      ? []
      : Array.from({ length: opts.concurrency }, async () => {
          while (performance.now() < until && requests < MAX_REQUESTS) {
            requests += 1;
            let key: string;
            try {
              key = String(await shot(pool));
            } catch (error) {
              key = error instanceof Error ? error.name : "error";
            }
            statuses[key] = (statuses[key] ?? 0) + 1;
          }
        });
    await Promise.all([probe, ...loops]);
    histogram.disable();
    const elapsedS = (performance.now() - started) / 1_000;
    const ms = (ns: number) => ns / 1e6;
    return {
      attack,
      requests,
      perSecond: requests / elapsedS,
      statuses,
      loopDelayMs: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) },
      probeMs: latency(probes),
    };
  } finally {
    await pool.close();
    await service.stop();
  }
}

async function main(): Promise<void> {
  const attacks: readonly Attack[] = opts.attacks === "all" ? ATTACKS : [opts.attacks];
  const recording = startRecording("event-loop", { ...opts, attacks });
  const existing = process.env["IRONIC_COMPUTE_TEST_IRONIC_URL"];
  const dir = await mkdtemp(join(tmpdir(), "ironic-compute-bench-loop-"));
  const run = async (ironicUrl: string): Promise<AttackResult[]> => {
    const results: AttackResult[] = [];
    for (const attack of attacks) {
      note(`# ${attack}: ${opts.seconds} s, ${opts.concurrency} loops`);
      results.push(await runAttack(ironicUrl, dir, attack));
    }
    return results;
  };
  try {
    const results = existing !== undefined && existing !== "" ? await run(existing) : await withIronic((ironic) => run(ironic.url));
    printTable(
      `event loop under attack (${opts.seconds} s each, ${opts.concurrency} loops, loopback)`,
      ["attack", "requests", "req/s", "statuses", "loop p50 ms", "loop p99 ms", "loop max ms", "probe p50 ms", "probe p99 ms", "probe max ms"],
      results.map((result) => [
        result.attack,
        result.requests,
        Number(fmt(result.perSecond, 1)),
        Object.entries(result.statuses).map(([status, count]) => `${status}×${count}`).join(" "),
        Number(fmt(result.loopDelayMs.p50, 1)),
        Number(fmt(result.loopDelayMs.p99, 1)),
        Number(fmt(result.loopDelayMs.max, 1)),
        Number(fmt(result.probeMs.p50, 1)),
        Number(fmt(result.probeMs.p99, 1)),
        Number(fmt(result.probeMs.max, 1)),
      ]),
    );
    await recording.finish({ attacks: results }, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
