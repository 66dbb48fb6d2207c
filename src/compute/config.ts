// Settings of the compute service (tasks, workers, reconciler), validated.
import { z } from "zod";
import { failureDomainSetting } from "./server-group-policy.js";

/** A whole-number setting within [min, max], `fallback` when left out. */
export const intSetting = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);

/** A quota limit as Nova takes one: -1 is unlimited; at most Nova's MAX_INT. */
export const quotaLimit = z.number().int().min(-1).max(0x7fffffff);

/** Resource classes as Ironic and Placement spell them (quotas normalise them to Placement's CUSTOM_ name). */
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
    instances: quotaLimit.optional().describe("Servers per project (-1 = unlimited). Left out: the deprecated maxServersPerProject, else -1."),
    resourceClasses: z.record(resourceClassName, quotaLimit).default({}).describe("Servers per project of each resource class, by the Placement name its flavors ask for (`resources:CUSTOM_GPU=1` → `CUSTOM_GPU`; a node's spelling such as `gpu` means the same); a class not named is unlimited."),
  })
  .strict();

/** Nova's server groups (os-server-groups), on bare metal. */
const serverGroupsSchema = z
  .object({
    failureDomain: failureDomainSetting.default("node").describe("What anti-affinity spreads over and affinity keeps together: `node` (each node its own domain), `conductor_group`, `property:<key>` (a node properties key such as a rack) or `trait:<PREFIX>` (the node's one trait starting with it). Nodes that do not say take no group member."),
    maxPerProject: quotaLimit.default(10).describe("Server groups per project (Nova's quota default: 10; -1 = unlimited)."),
    maxMembers: quotaLimit.default(10).describe("Servers per group (Nova's quota default: 10; -1 = unlimited)."),
  })
  .strict();

/** The serial console in the browser (os-remote-consoles' websocket URL, src/web/console-proxy.ts). */
const serialConsoleSchema = z
  .object({
    tokenTtlSeconds: intSetting(5, 3_600, 600).describe("How long a console URL's one-time token may wait to be used (Nova's console_token_ttl: 600 s)."),
    idleTimeoutSeconds: intSetting(5, 86_400, 900).describe("A console session with no byte either way for this long is closed."),
    maxSessionSeconds: intSetting(5, 7 * 86_400, 14_400).describe("A console session is closed this long after it opened, busy or not."),
  })
  .strict();

const settingsSchema = z
  .object({
    workerId: z.string().min(1).max(255).optional().describe("This worker's name in the hash ring; default: the host name + pid."),
    taskLeaseMs: intSetting(1_000, 3_600_000, 30_000).describe("How long a leased task stays with a worker without renewal."),
    heartbeatIntervalMs: intSetting(100, 600_000, 5_000).describe("How often a worker renews leases and its heartbeat."),
    workerTimeoutMs: intSetting(500, 3_600_000, 20_000).describe("A worker silent for this long is dead; its nodes and tasks move on."),
    taskPollIntervalMs: intSetting(20, 60_000, 500).describe("How often idle workers look for tasks."),
    reconcileIntervalMs: intSetting(100, 3_600_000, 30_000).describe("Reconciler period: orphans, power sync, vanished nodes."),
    concurrency: intSetting(1, 1_000, 64).describe("Tasks run concurrently by one worker."),
    maxConcurrentDeploys: intSetting(0, 100_000, 20).describe("Deploys (create and rebuild tasks) running at once across all workers, 0 = no cap (metal3's default is 20). Waiting ones stay scheduling/rebuilding."),
    enableInstancePassword: z
      .boolean()
      .default(true)
      .describe("Nova's [api]enable_instance_password: the create, rebuild and rescue answers carry the server's admin password (the client's or a generated one)."),
    maxServersPerRequest: intSetting(1, 10_000, 100).describe("Servers one create request may make (max_count): a larger max_count is lowered to it, a larger min_count refused."),
    schedulerAttempts: intSetting(1, 100, 10).describe("Claims tried per create before \"No valid host\"."),
    taskMaxAttempts: intSetting(1, 100, 5).describe("Times a task may be leased (crash-resume) before it fails for good."),
    maxServersPerProject: z.number().int().min(0).max(1_000_000).optional().describe("Deprecated alias of quotas.instances (0 = unlimited); refused together with it."),
    quotas: quotasSchema.prefault({}),
    serverGroups: serverGroupsSchema.prefault({}),
    serialConsole: serialConsoleSchema.prefault({}),
    passwordWorkers: intSetting(1, 64, 2).describe("bcrypt checks run at once, each in its own worker thread (~60 ms of CPU per check)."),
    passwordQueue: intSetting(0, 100_000, 64).describe("Password checks waiting beyond those; more get 503 with Retry-After."),
    tokenTtlSeconds: intSetting(60, 7 * 86_400, 3_600).describe("How long an identity token lives (Keystone's default: 1 h)."),
    maxLiveTokensPerUser: intSetting(1, 10_000_000, 10_000).describe("Live tokens per user; more are refused until some expire or are revoked."),
    maxApplicationCredentialsPerUser: intSetting(1, 100_000, 100).describe("Application credentials per user."),
    maxKeypairsPerUser: intSetting(1, 100_000, 100).describe("Key pairs per user (Nova's default quota: 100)."),
    keypairGenerationConcurrency: intSetting(1, 64, 2).describe("Key pairs generated at once (RSA-3072, ~650 ms of a thread-pool thread each)."),
    keypairGenerationQueue: intSetting(0, 10_000, 16).describe("Key pair generations waiting beyond those; more get 503 with Retry-After."),
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
