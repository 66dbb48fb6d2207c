// Driver settings, validated by a schema (all waits bounded; S13).
import { z } from "zod";

const ms = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);
const HOUR = 3_600_000;

export const driverConfigSchema = z
  .object({
    /** How often a waiting operation looks at the node again. */
    pollIntervalMs: ms(50, 60_000, 2_000),
    /**
     * Waiting operations share one listing per interval (node-watch.ts) instead
     * of reading their nodes each; off: every waiter polls its own node.
     */
    sharedPolling: z.boolean().default(true),
    /** Bound on a deployment (real hardware: minutes to tens of minutes). */
    spawnTimeoutMs: ms(1_000, 24 * HOUR, HOUR),
    /** Bound on a tear-down including cleaning (can take hours on real disks). */
    destroyTimeoutMs: ms(1_000, 48 * HOUR, 4 * HOUR),
    /** Whether destroy waits for cleaning to end (else: done once unbound). */
    waitForCleaning: z.boolean().default(true),
    rebuildTimeoutMs: ms(1_000, 24 * HOUR, HOUR),
    rescueTimeoutMs: ms(1_000, 24 * HOUR, HOUR / 2),
    powerTimeoutMs: ms(1_000, HOUR, 300_000),
    /** Seconds a soft power off may take before a hard one (Nova: shutdown_timeout). */
    softPowerOffTimeoutSeconds: z.number().int().min(0).max(3_600).default(60),
    console: z
      .object({
        enableIfDisabled: z.boolean().default(true),
        timeoutMs: ms(100, 600_000, 10_000),
      })
      .strict()
      .default({ enableIfDisabled: true, timeoutMs: 10_000 }),
    cache: z
      .object({
        maxAgeMs: ms(0, HOUR, 60_000),
        conductorGroup: z.string().max(255).optional(),
        owner: z.string().max(255).optional(),
        lessee: z.string().max(255).optional(),
        shard: z.string().max(255).optional(),
      })
      .strict()
      .default({ maxAgeMs: 60_000 }),
  })
  .strict();

export type DriverConfig = z.output<typeof driverConfigSchema>;

export function driverConfig(input: z.input<typeof driverConfigSchema> = {}): DriverConfig {
  return driverConfigSchema.parse(input);
}
