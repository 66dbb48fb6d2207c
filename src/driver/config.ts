// Driver settings, validated by a schema (all waits bounded; S13).
import { z } from "zod";

const ms = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);
const HOUR = 3_600_000;

export const driverConfigSchema = z
  .object({
    pollIntervalMs: ms(50, 60_000, 2_000).describe("How often a waiting operation looks at the node again."),
    sharedPolling: z
      .boolean()
      .default(true)
      .describe("Waiting operations share one listing of the partition's associated nodes per interval instead of each reading its node (off: every waiter polls its own node)."),
    sharedPollingByState: z
      .object({
        fromNodes: z.number().int().min(0).max(10_000_000).default(500).describe("The shared poll lists the nodes in a transition by provision state (plus a read of each waiting node at rest) instead of every associated node once the partition holds this many associated nodes…"),
        perWaiter: z.number().int().min(0).max(10_000).default(4).describe("…and at least this many associated nodes per waiting operation (a listing costs Ironic ~0.5 ms of CPU per node)."),
      })
      .strict()
      .default({ fromNodes: 500, perWaiter: 4 }),
    spawnTimeoutMs: ms(1_000, 24 * HOUR, HOUR).describe("Bound on a deployment (real hardware: minutes to tens of minutes)."),
    destroyTimeoutMs: ms(1_000, 48 * HOUR, 4 * HOUR).describe("Bound on a tear-down including cleaning (can take hours on real disks)."),
    waitForCleaning: z.boolean().default(true).describe("Whether destroy waits for cleaning to end (else: done once unbound)."),
    rebuildTimeoutMs: ms(1_000, 24 * HOUR, HOUR).describe("Bound on a rebuild (redeploy of the same node)."),
    rescueTimeoutMs: ms(1_000, 24 * HOUR, HOUR / 2).describe("Bound on entering or leaving rescue."),
    powerTimeoutMs: ms(1_000, HOUR, 300_000).describe("Bound on a power change reaching its target state."),
    softPowerOffTimeoutSeconds: z.number().int().min(0).max(3_600).default(60).describe("Seconds a soft power off may take before a hard one (Nova: shutdown_timeout)."),
    console: z
      .object({
        enableIfDisabled: z.boolean().default(true).describe("Whether asking for a console enables the node's console when it is off."),
        timeoutMs: ms(100, 600_000, 10_000).describe("Bound on the console becoming enabled."),
      })
      .strict()
      .default({ enableIfDisabled: true, timeoutMs: 10_000 }),
    cache: z
      .object({
        maxAgeMs: ms(0, HOUR, 60_000).describe("How old the node cache may get before a full relisting (changes are also seen sooner)."),
        conductorGroup: z.string().max(255).optional().describe("Only Ironic nodes of this conductor group are used."),
        owner: z.string().max(255).optional().describe("Only Ironic nodes with this owner are used."),
        lessee: z.string().max(255).optional().describe("Only Ironic nodes with this lessee are used."),
        shard: z.string().max(255).optional().describe("Only Ironic nodes of this shard (Ironic 1.82) are used: several deployments share one Ironic."),
      })
      .strict()
      .default({ maxAgeMs: 60_000 }),
  })
  .strict();

export type DriverConfig = z.output<typeof driverConfigSchema>;

export function driverConfig(input: z.input<typeof driverConfigSchema> = {}): DriverConfig {
  return driverConfigSchema.parse(input);
}
