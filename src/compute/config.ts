// Settings of the compute service (tasks, workers, reconciler), validated.
import { z } from "zod";
import { failureDomainSetting } from "./server-group-policy.js";

/** A whole-number setting within [min, max], `fallback` when left out. */
export const intSetting = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);

/** A quota limit as Nova takes one: -1 is unlimited; at most Nova's MAX_INT. */
export const quotaLimit = z.number().int().min(-1).max(0x7fffffff);

/** Resource classes as Ironic and Placement spell them (flavor.resourceClass). */
export const resourceClassName = z.string().regex(/^[A-Za-z0-9_.-]{1,255}$/, "a resource class: letters, digits and _.-");

/**
 * Per-project quotas that apply until an admin sets a project's own
 * (PUT /v2.1/os-quota-sets/{project}). Default: unlimited instances, as
 * ironic-compute was before quotas (an upgrade never starts refusing creates);
 * Nova's VM default of 10 instances is one line away (`instances: 10`). The
 * hardware pool limits bare metal anyway; quotas share it between projects.
 */
const quotasSchema = z
  .object({
    /** Servers per project (-1 = unlimited). Left out: the deprecated maxServersPerProject, else -1. */
    instances: quotaLimit.optional(),
    /** Servers per project of each resource class (by flavor.resourceClass); a class not named is unlimited. */
    resourceClasses: z.record(resourceClassName, quotaLimit).default({}),
  })
  .strict();

/** Nova's server groups (os-server-groups), on bare metal. */
const serverGroupsSchema = z
  .object({
    /**
     * What anti-affinity spreads over and affinity keeps together: `node` (each
     * node its own domain), `conductor_group`, `property:<key>` (a node
     * properties key such as a rack) or `trait:<PREFIX>` (the node's one trait
     * starting with it). Nodes that do not say take no group member.
     */
    failureDomain: failureDomainSetting.default("node"),
    /** Server groups per project (Nova's quota default: 10; -1 = unlimited). */
    maxPerProject: quotaLimit.default(10),
    /** Servers per group (Nova's quota default: 10; -1 = unlimited). */
    maxMembers: quotaLimit.default(10),
  })
  .strict();

const settingsSchema = z
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
    /**
     * Deploys (create and rebuild tasks) running at once across all workers,
     * 0 = no cap (metal3's default is 20). Waiting ones stay scheduling/rebuilding.
     */
    maxConcurrentDeploys: intSetting(0, 100_000, 20),
    /**
     * Nova's [api]enable_instance_password: the create, rebuild and rescue
     * answers carry the server's admin password (the client's or a generated one).
     */
    enableInstancePassword: z.boolean().default(true),
    /**
     * Servers one create request may make (max_count; Nova bounds it by quota
     * only, and the quotas here default to unlimited): a larger max_count is
     * lowered to it, a larger min_count refused.
     */
    maxServersPerRequest: intSetting(1, 10_000, 100),
    /** Claims tried per create before "No valid host". */
    schedulerAttempts: intSetting(1, 100, 10),
    /** Times a task may be leased (crash-resume) before it fails for good. */
    taskMaxAttempts: intSetting(1, 100, 5),
    /** Deprecated alias of quotas.instances (0 = unlimited); refused together with it. */
    maxServersPerProject: z.number().int().min(0).max(1_000_000).optional(),
    quotas: quotasSchema.prefault({}),
    serverGroups: serverGroupsSchema.prefault({}),
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

export const computeConfigSchema = settingsSchema
  .refine((c) => c.maxServersPerProject === undefined || c.quotas.instances === undefined, {
    message: "compute.maxServersPerProject is a deprecated alias of compute.quotas.instances: set only quotas.instances",
    path: ["maxServersPerProject"],
  })
  .transform(({ maxServersPerProject, quotas, ...settings }) => ({
    ...settings,
    quotas: {
      instances: quotas.instances ?? (maxServersPerProject === undefined || maxServersPerProject === 0 ? -1 : maxServersPerProject),
      resourceClasses: quotas.resourceClasses,
    },
  }));

export type QuotaDefaults = ComputeConfig["quotas"];

export type ComputeConfig = z.output<typeof computeConfigSchema>;
