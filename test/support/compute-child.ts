// A compute service in its own process, for kill -9 tests. Configured by the
// IRONIC_COMPUTE_TEST_CHILD environment variable (JSON); runs tasks, heartbeats
// and reconciles until killed. Exits on its own if its parent test process dies.
import { z } from "zod";
import { createComputeService } from "../../src/compute/service.js";
import { IronicClient } from "../../src/ironic/client.js";
import { ironicClientOptions } from "../../src/ironic/config.js";
import { writeSync } from "node:fs";
import { createLogger } from "../../src/log/logger.js";
import { noopObserver, type ServiceObserver } from "../../src/log/telemetry.js";
import { openStore } from "../../src/store/open.js";
import { testSecrets } from "./secrets.js";

const config = z
  .object({
    ironicUrl: z.string(),
    store: z.union([z.object({ kind: z.literal("sqlite"), path: z.string() }), z.object({ kind: z.literal("postgres"), url: z.string() })]),
    workerId: z.string(),
    shard: z.string(),
    reconcileIntervalMs: z.number().int(),
    crashAt: z.object({ operation: z.string(), step: z.string(), nth: z.number().int().positive() }).optional(),
  })
  .parse(JSON.parse(process.env["IRONIC_COMPUTE_TEST_CHILD"] ?? "{}"));

/**
 * The crash soak's trigger (children.ts ChildConfig.crashAt): the process kills
 * itself, with no chance to clean up, just before the chosen step's call.
 */
function crashObserver(crashAt: NonNullable<typeof config.crashAt>): ServiceObserver {
  let seen = 0;
  return {
    ...noopObserver,
    driverStep: ({ operation, step }) => {
      if (operation !== crashAt.operation || step !== crashAt.step) return;
      seen += 1;
      if (seen < crashAt.nth) return;
      writeSync(2, `crash trigger: SIGKILL at ${operation}:${step}:${seen}\n`);
      process.kill(process.pid, "SIGKILL");
    },
  };
}

const log = createLogger({ level: "info", name: config.workerId });
const store = await openStore(config.store, testSecrets());
const ironic = new IronicClient(ironicClientOptions({ url: config.ironicUrl, retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 } }), log);
const service = await createComputeService({
  store,
  ironic,
  driver: { pollIntervalMs: 100, spawnTimeoutMs: 60_000, destroyTimeoutMs: 60_000, powerTimeoutMs: 30_000, cache: { maxAgeMs: 0, shard: config.shard } },
  compute: {
    workerId: config.workerId,
    taskLeaseMs: 3_000,
    heartbeatIntervalMs: 500,
    workerTimeoutMs: 2_000,
    taskPollIntervalMs: 50,
    reconcileIntervalMs: config.reconcileIntervalMs,
  },
  log,
  ...(config.crashAt === undefined ? {} : { observer: crashObserver(config.crashAt) }),
});
await service.start();
process.stdout.write("ready\n");

const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1); // the test process is gone
}, 500);
process.once("SIGTERM", () => {
  void service.stop().finally(() => process.exit(0));
});
