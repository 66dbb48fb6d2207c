// Settings of the compute service (tasks, workers, reconciler), validated.
import { z } from "zod";

const ms = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);

export const computeConfigSchema = z
  .object({
    /** This worker's name in the hash ring; default: the host name + pid. */
    workerId: z.string().min(1).max(255).optional(),
    /** How long a leased task stays with a worker without renewal. */
    taskLeaseMs: ms(1_000, 3_600_000, 30_000),
    /** How often a worker renews leases and its heartbeat. */
    heartbeatIntervalMs: ms(100, 600_000, 5_000),
    /** A worker silent for this long is dead; its nodes and tasks move on. */
    workerTimeoutMs: ms(500, 3_600_000, 20_000),
    /** How often idle workers look for tasks. */
    taskPollIntervalMs: ms(20, 60_000, 500),
    /** Reconciler period: orphans, power sync, vanished nodes. */
    reconcileIntervalMs: ms(100, 3_600_000, 30_000),
    /** Tasks run concurrently by one worker. */
    concurrency: z.number().int().min(1).max(1_000).default(64),
    /** Claims tried per create before "No valid host". */
    schedulerAttempts: z.number().int().min(1).max(100).default(10),
    /** Times a task may be leased (crash-resume) before it fails for good. */
    taskMaxAttempts: z.number().int().min(1).max(100).default(5),
    /** Servers per project (0 = unlimited). */
    maxServersPerProject: z.number().int().min(0).max(1_000_000).default(0),
    /** bcrypt checks run at once, each in its own worker thread (~60 ms of CPU per check). */
    passwordWorkers: z.number().int().min(1).max(64).default(2),
    /** Password checks waiting beyond those; more get 503 with Retry-After. */
    passwordQueue: z.number().int().min(0).max(100_000).default(64),
    /** Key pairs per user (Nova's default quota: 100). */
    maxKeypairsPerUser: z.number().int().min(1).max(100_000).default(100),
    /** Key pairs generated at once (RSA-3072, ~650 ms of a thread-pool thread each). */
    keypairGenerationConcurrency: z.number().int().min(1).max(64).default(2),
    /** Key pair generations waiting beyond those; more get 503 with Retry-After. */
    keypairGenerationQueue: z.number().int().min(0).max(10_000).default(16),
  })
  .strict();

export type ComputeConfig = z.output<typeof computeConfigSchema>;
