// The engine behind every long driver operation (spawn, destroy, rebuild,
// rescue, unrescue): observe the node in Ironic, decide the next step from what
// was observed, run at most one mutating call, repeat — the way metal3's
// baremetal-operator reconciles. Because each decision depends only on the
// observed state (plus the steps already run in this process, for effects Ironic
// cannot show), a process that died half-way simply runs the operation again and
// it continues — or cleans up — from where Ironic is.
//
// Every loop is bounded twice: by a deadline, and by a cap on how often the same
// step may repeat, so a step whose effect never shows cannot spin forever.
//
// A step whose outcome is unknown (OutcomeUnknownError: the connection broke
// after Ironic may have acted) is the case this design exists for: it is not
// resent and not counted as executed; the node is observed again and the
// decision made from what it shows (deploying → wait; still available → deploy
// again). It still counts against the per-step cap.

import { OutcomeUnknownError } from "../ironic/errors.js";
import type { Logger } from "../log/logger.js";
import { DriverError, OperationFailedError, OperationTimeoutError } from "./errors.js";
import { watchStateOf, type ChangeWatch } from "./node-watch.js";
import { realSleep, type WaitClock } from "./wait.js";

export type Decision<Step extends string> =
  /** Run `step` (one mutating call), then observe again. */
  | { kind: "act"; step: Step }
  /** Ironic is working on it; observe again after the poll interval. */
  | { kind: "wait"; reason: string }
  | { kind: "done" }
  | { kind: "fail"; error: DriverError };

export interface Progress<Step extends string> {
  operation: string;
  /** The step about to run, or "wait". */
  step: Step | "wait";
  detail: string;
  elapsedMs: number;
}

export interface OperationSpec<Observed, Step extends string> {
  /** e.g. "spawn"; used in logs and errors. */
  name: string;
  ids: { node?: string; instance?: string };
  observe(): Promise<Observed>;
  /** Pure: the next move from what Ironic shows and what this run already did. */
  decide(observed: Observed, executed: ReadonlySet<Step>): Decision<Step>;
  act(step: Step, observed: Observed): Promise<void>;
  /** The node in `observed` (null: none), for the shared watch's comparison. */
  watched?(observed: Observed): object | null;
}

/**
 * How long a wait on the shared watch may last before the operation reads its
 * node itself anyway, in poll intervals: the safety net under the watch.
 */
export const WATCH_SAFETY_INTERVALS = 10;

/** `now` and `sleep` (WaitClock) are injected in tests. */
export interface RunOptions<Step extends string> extends WaitClock {
  timeoutMs: number;
  pollIntervalMs: number;
  /** How often one step may run in one call before the operation gives up. */
  maxRepeatsPerStep?: number;
  onProgress?: (progress: Progress<Step>) => void;
  log: Logger;
  /** The driver's shared poller; without it a wait sleeps one poll interval. */
  watch?: ChangeWatch;
}

export async function runOperation<Observed, Step extends string>(
  spec: OperationSpec<Observed, Step>,
  options: RunOptions<Step>,
): Promise<void> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const started = now();
  const deadline = started + options.timeoutMs;
  const maxRepeats = options.maxRepeatsPerStep ?? 3;
  const executed = new Set<Step>();
  const runs = new Map<Step, number>();
  let lastWait = "";
  const log = options.log.child({ operation: spec.name, ...spec.ids });

  for (;;) {
    const observed = await spec.observe();
    const decision = spec.decide(observed, executed);
    const elapsedMs = now() - started;
    switch (decision.kind) {
      case "done":
        log.info({ elapsedMs }, `${spec.name} finished`);
        return;
      case "fail":
        throw decision.error;
      case "act": {
        const count = (runs.get(decision.step) ?? 0) + 1;
        if (count > maxRepeats) {
          throw new OperationFailedError(
            `${spec.name}: step '${decision.step}' ran ${maxRepeats} times without the node reaching the expected state`,
            spec.ids,
          );
        }
        runs.set(decision.step, count);
        options.onProgress?.({ operation: spec.name, step: decision.step, detail: decision.step, elapsedMs });
        log.info({ step: decision.step, attempt: count }, `${spec.name}: ${decision.step}`);
        lastWait = "";
        try {
          await spec.act(decision.step, observed);
        } catch (error) {
          if (!(error instanceof OutcomeUnknownError)) throw error;
          log.warn({ step: decision.step, reason: error.message }, `${spec.name}: outcome of '${decision.step}' unknown; observing the node again`);
          break;
        }
        executed.add(decision.step);
        break;
      }
      case "wait": {
        if (now() >= deadline) {
          throw new OperationTimeoutError(
            `${spec.name} did not finish within ${Math.round(options.timeoutMs / 1000)} s (${decision.reason})`,
            spec.ids,
          );
        }
        if (decision.reason !== lastWait) {
          options.onProgress?.({ operation: spec.name, step: "wait", detail: decision.reason, elapsedMs });
          log.debug({ reason: decision.reason }, `${spec.name}: waiting`);
          lastWait = decision.reason;
        }
        const left = Math.max(0, deadline - now());
        const node = spec.watched?.(observed) ?? null;
        if (options.watch !== undefined && spec.ids.node !== undefined && node !== null) {
          await options.watch.changed(spec.ids.node, watchStateOf(node), Math.min(options.pollIntervalMs * WATCH_SAFETY_INTERVALS, left));
        } else {
          await sleep(Math.min(options.pollIntervalMs, left));
        }
        break;
      }
    }
  }
}
