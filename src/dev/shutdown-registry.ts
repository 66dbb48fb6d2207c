// Stops the dev servers we spawned (local Ironic) when our process is asked to end,
// so Ctrl-C on a demo or a test run leaves nothing behind.
//
// Rules, so that callers' own handlers keep working:
// - listeners are installed only while something is registered, and removed
//   after the first SIGINT/SIGTERM (a second Ctrl-C then acts as usual);
// - after stopping everything we re-raise the signal only if nobody else listens
//   to it: with no listener left, Node's default action applies (terminate with
//   that signal), exactly as if we had never installed one. If the caller has its
//   own handler, ending the process is its decision.
// - on 'exit' (including a caller's process.exit() that cuts our async stop
//   short) we can only act synchronously: killNow() sends SIGKILL.
// PR_SET_PDEATHSIG in the child covers the remaining case: we are SIGKILLed.

export interface Stoppable {
  /** Graceful, asynchronous stop. */
  stop(): Promise<void>;
  /** Last resort from the 'exit' event: must be synchronous. */
  killNow(): void;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;
const registered = new Set<Stoppable>();
let signalsInstalled = false;
let exitInstalled = false;

function onSignal(signal: NodeJS.Signals): void {
  // Only the signal listeners go; 'exit' stays until everything has stopped.
  removeSignalListeners();
  const all = [...registered];
  void Promise.allSettled(all.map((entry) => entry.stop())).then(() => {
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function onExit(): void {
  for (const entry of registered) entry.killNow();
}

function removeSignalListeners(): void {
  if (!signalsInstalled) return;
  signalsInstalled = false;
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

/** Registers a running server; returns the function that unregisters it. */
export function registerForShutdown(entry: Stoppable): () => void {
  registered.add(entry);
  if (!signalsInstalled) {
    signalsInstalled = true;
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
  if (!exitInstalled) {
    exitInstalled = true;
    process.on("exit", onExit);
  }
  return () => {
    registered.delete(entry);
    if (registered.size > 0) return;
    removeSignalListeners();
    if (exitInstalled) {
      exitInstalled = false;
      process.off("exit", onExit);
    }
  };
}
