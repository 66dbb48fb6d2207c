// Readiness (GET /readyz, `ironic-compute status`): whether this process can do
// its work now. Each check is bounded (READINESS_TIMEOUT_MS), so a slow
// database or Ironic makes the answer "not ready", never a hung probe; the
// checks run side by side, at most one run at a time (answers are reused for 1 s).
//
//  database    a query answers
//  migrations  the schema is this binary's (nothing pending, nothing unknown)
//  ironic      Ironic answers its root document and its microversion range meets ours
//  lease_loop  this worker's task lease loop went round, and its heartbeat
//              reached the store, within compute.workerTimeoutMs (past that the
//              other workers count it dead and take its nodes and tasks)
//
// The public answer names the checks and says ok or failing; why a check fails
// (which may name hosts or versions) goes only to admins and the log.
import type { IronicClient } from "../driver/ironic-exports.js";
import type { Logger } from "../log/logger.js";
import type { Store } from "../store/store.js";

export const READINESS_CHECKS = ["database", "migrations", "ironic", "lease_loop"] as const;
export type ReadinessCheckName = (typeof READINESS_CHECKS)[number];

/** How long one check may take before it counts as failing. */
export const READINESS_TIMEOUT_MS = 3_000;

export interface ReadinessCheck {
  name: ReadinessCheckName;
  ok: boolean;
  /** Why it fails (admins and the log only). */
  detail: string | null;
}

export interface ReadinessReport {
  ready: boolean;
  checks: ReadinessCheck[];
}

export interface ReadinessSources {
  store: Store;
  ironic: IronicClient;
  workerTimeoutMs: number;
  /** When the lease loop last went round / the heartbeat last landed; undefined: never (not started). */
  lastLeaseLoopAt: () => number | undefined;
  lastHeartbeatAt: () => number | undefined;
  log: Logger;
  timeoutMs?: number;
}

/** How long one answer is given again (see Readiness.check). */
const REUSE_MS = 1_000;

class CheckTimeout extends Error {}

/** `work`'s failure reason, or null when it succeeded within `ms`. */
async function bounded(ms: number, work: () => Promise<string | null>): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new CheckTimeout(`no answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work(), timeout]);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}

function freshWithin(at: number | undefined, ms: number, what: string): string | null {
  if (at === undefined) return `${what} has not run`;
  const age = Date.now() - at;
  return age <= ms ? null : `${what} last ran ${age} ms ago (limit ${ms} ms)`;
}

export class Readiness {
  /** The last failing set logged, so a probe every few seconds does not flood the log. */
  private lastLogged = "";

  private inflight: Promise<ReadinessReport> | undefined;
  private last: { at: number; report: ReadinessReport } | undefined;

  constructor(private readonly sources: ReadinessSources) {}

  /**
   * The checks' answer. /readyz needs no credentials, so probes arriving together
   * share one run, and an answer younger than REUSE_MS is given again: anonymous
   * callers cannot turn it into a flood of requests to Ironic or the database.
   */
  async check(): Promise<ReadinessReport> {
    if (this.last !== undefined && Date.now() - this.last.at < REUSE_MS) return this.last.report;
    this.inflight ??= this.run().finally(() => {
      this.inflight = undefined;
    });
    const report = await this.inflight;
    this.last = { at: Date.now(), report };
    return report;
  }

  private async run(): Promise<ReadinessReport> {
    const { store, ironic, workerTimeoutMs } = this.sources;
    const ms = this.sources.timeoutMs ?? READINESS_TIMEOUT_MS;
    const schema = store.schemaStatus();
    // Its rejection is read by both checks below; this keeps it from counting as unhandled meanwhile.
    schema.catch(() => undefined);
    const [database, migrations, ironicCheck, leaseLoop] = await Promise.all([
      bounded(ms, async () => {
        await schema;
        return null;
      }),
      bounded(ms, async () => {
        const status = await schema;
        if (status.unknown.length > 0) return `the database's schema ${status.databaseVersion} is newer than this binary's ${status.binaryVersion}`;
        if (status.pending.length > 0) return `migrations pending: ${status.pending.join(", ")}`;
        return null;
      }),
      bounded(ms, async () => {
        const result = await ironic.probe(ms);
        return result.ok ? null : result.reason;
      }),
      bounded(ms, () =>
        Promise.resolve(
          freshWithin(this.sources.lastLeaseLoopAt(), workerTimeoutMs, "the task lease loop") ??
            freshWithin(this.sources.lastHeartbeatAt(), workerTimeoutMs, "the worker heartbeat"),
        ),
      ),
    ]);
    const details: Record<ReadinessCheckName, string | null> = { database, migrations, ironic: ironicCheck, lease_loop: leaseLoop };
    const checks = READINESS_CHECKS.map((name) => ({ name, ok: details[name] === null, detail: details[name] }));
    const failing = checks.filter((check) => !check.ok);
    const key = failing.map((check) => check.name).join(",");
    if (key !== this.lastLogged) {
      this.lastLogged = key;
      if (failing.length === 0) this.sources.log.info("ready");
      else this.sources.log.warn({ failing: Object.fromEntries(failing.map((check) => [check.name, check.detail])) }, "not ready");
    }
    return { ready: failing.length === 0, checks };
  }
}
