// The one bounded polling loop of the driver (power settle, console state): poll,
// stop when the value is what we wait for, fail once the deadline has passed,
// else pause one interval. The clock and the pause are injectable, as in
// runOperation (which shares `WaitClock` and its defaults).

export interface WaitClock {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface WaitOptions extends WaitClock {
  timeoutMs: number;
  pollIntervalMs: number;
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `reached(value)`; throws `timedOut()` when the deadline passed first. */
export async function pollUntil<T>(
  poll: () => Promise<T>,
  reached: (value: T) => boolean,
  options: WaitOptions,
  timedOut: () => Error,
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const deadline = now() + options.timeoutMs;
  for (;;) {
    const value = await poll();
    if (reached(value)) return value;
    if (now() >= deadline) throw timedOut();
    await sleep(options.pollIntervalMs);
  }
}
