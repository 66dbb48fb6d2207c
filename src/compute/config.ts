// Settings of the compute service (tasks, workers, reconciler), validated.
import { z } from "zod";

/** A whole-number setting within [min, max], `fallback` when left out. */
export const intSetting = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);

export const computeConfigSchema = z
  .object({
    /** This worker's name in the hash ring; default: the host name + pid. */
    workerId: z.string().min(1).max(255).optional(),
    /** How long a leased task stays with a worker without renewal. */
    taskLeaseMs: intSetting(1_000, 3_600_000, 30_000),
    /** How often a worker renews leases and its heartbeat. */
    heartbeatIntervalMs: intSetting(100, 600_000, 5_000),
    /** A worker silent for this long is dead; its nodes and tasks move on. */
    workerTimeoutMs: intSetting(500, 3_600_000, 20_000),
    /** How often idle workers look for tasks. */
    taskPollIntervalMs: intSetting(20, 60_000, 500),
    /** Reconciler period: orphans, power sync, vanished nodes. */
    reconcileIntervalMs: intSetting(100, 3_600_000, 30_000),
    /** Tasks run concurrently by one worker. */
    concurrency: intSetting(1, 1_000, 64),
    /** Claims tried per create before "No valid host". */
    schedulerAttempts: intSetting(1, 100, 10),
    /** Times a task may be leased (crash-resume) before it fails for good. */
    taskMaxAttempts: intSetting(1, 100, 5),
    /** Servers per project (0 = unlimited). */
    maxServersPerProject: intSetting(0, 1_000_000, 0),
    /** bcrypt checks run at once, each in its own worker thread (~60 ms of CPU per check). */
    passwordWorkers: intSetting(1, 64, 2),
    /** Password checks waiting beyond those; more get 503 with Retry-After. */
    passwordQueue: intSetting(0, 100_000, 64),
    /** How long an identity token lives (Keystone's default: 1 h). */
    tokenTtlSeconds: intSetting(60, 7 * 86_400, 3_600),
    /** Live tokens per user; more are refused until some expire or are revoked. */
    maxLiveTokensPerUser: intSetting(1, 10_000_000, 10_000),
    /** Application credentials per user. */
    maxApplicationCredentialsPerUser: intSetting(1, 100_000, 100),
    /** Key pairs per user (Nova's default quota: 100). */
    maxKeypairsPerUser: intSetting(1, 100_000, 100),
    /** Key pairs generated at once (RSA-3072, ~650 ms of a thread-pool thread each). */
    keypairGenerationConcurrency: intSetting(1, 64, 2),
    /** Key pair generations waiting beyond those; more get 503 with Retry-After. */
    keypairGenerationQueue: intSetting(0, 10_000, 16),
  })
  .strict();

export type ComputeConfig = z.output<typeof computeConfigSchema>;
