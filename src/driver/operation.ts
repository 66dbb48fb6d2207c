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
import { watchStateOf, type ChangeWatch, type WatchedNode } from "./node-watch.js";
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

/**
 * What a step's call returned: nothing (observe again), the observation its
 * answer gives (a PATCH answers with the node), or "watch": wait for the node
 * to change on the shared watch before looking again (a 202 without a body).
 */
export type ActResult<Observed> = { next: "answer"; observed: Observed } | { next: "watch" };

/** The ActResult a step resolved with; undefined for anything else (a step's plain answer). */
function actResult<Observed>(value: unknown): ActResult<Observed> | undefined {
  if (typeof value !== "object" || value === null || !("next" in value)) return undefined;
  return value.next === "answer" || value.next === "watch" ? (value as ActResult<Observed>) : undefined;
}

export interface OperationSpec<Observed, Step extends string> {
  /** e.g. "spawn"; used in logs and errors. */
  name: string;
  ids: { node?: string; instance?: string };
  observe(): Promise<Observed>;
  /** Pure: the next move from what Ironic shows and what this run already did. */
  decide(observed: Observed, executed: ReadonlySet<Step>): Decision<Step>;
  /** Runs one step; resolves with an ActResult, or with nothing (observe again). */
  act(step: Step, observed: Observed): Promise<unknown>;
  /** The node in `observed` (null: none), for the shared watch's comparison. */
  watched?(observed: Observed): object | null;
  /**
   * The observation the watch's listed node gives, from the last one; undefined
   * when the decision needs more than the listing shows (the node is read).
   */
  fromListing?(listed: WatchedNode, last: Observed): Observed | undefined;
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

/** Runs the operation to its end; returns the observation that ended it. */
export async function runOperation<Observed, Step extends string>(
  spec: OperationSpec<Observed, Step>,
  options: RunOptions<Step>,
): Promise<Observed> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const started = now();
  const deadline = started + options.timeoutMs;
  const maxRepeats = options.maxRepeatsPerStep ?? 3;
  const executed = new Set<Step>();
  const runs = new Map<Step, number>();
  let lastWait = "";
  const log = options.log.child({ operation: spec.name, ...spec.ids });
  // The next observation when it is already known (an answer, a listing).
  let known: { observed: Observed; from: "answer" | "listing" } | undefined;

  /** Waits for the node to change; the listing's observation when it gives one. */
  const waitForChange = async (observed: Observed): Promise<typeof known> => {
    const left = Math.max(0, deadline - now());
    const node = spec.watched?.(observed) ?? null;
    if (options.watch !== undefined && spec.ids.node !== undefined && node !== null) {
      const listed = await options.watch.changed(spec.ids.node, watchStateOf(node), Math.min(options.pollIntervalMs * WATCH_SAFETY_INTERVALS, left));
      const next = listed === undefined ? undefined : spec.fromListing?.(listed, observed);
      return next === undefined ? undefined : { observed: next, from: "listing" };
    }
    await sleep(Math.min(options.pollIntervalMs, left));
    return undefined;
  };

  for (;;) {
    let observed = known?.observed ?? (await spec.observe());
    let decision = spec.decide(observed, executed);
    if (known?.from === "listing" && decision.kind === "act") {
      observed = await spec.observe();
      decision = spec.decide(observed, executed);
    }
    known = undefined;
    const elapsedMs = now() - started;
    switch (decision.kind) {
      case "done":
        log.info({ elapsedMs }, `${spec.name} finished`);
        return observed;
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
        let result: ActResult<Observed> | undefined;
        try {
          result = actResult<Observed>(await spec.act(decision.step, observed));
        } catch (error) {
          if (!(error instanceof OutcomeUnknownError)) throw error;
          log.warn({ step: decision.step, reason: error.message }, `${spec.name}: outcome of '${decision.step}' unknown; observing the node again`);
          break;
        }
        executed.add(decision.step);
        if (result?.next === "answer") known = { observed: result.observed, from: "answer" };
        else if (result?.next === "watch" && options.watch !== undefined) known = await waitForChange(observed);
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
        known = await waitForChange(observed);
        break;
      }
    }
  }
}
