// Periodic work that must never overlap itself (the reconcile pass): a tick that
// finds a pass still running is skipped and counted, never queued, so a pass
// that takes long does not leave a pile of passes to run back to back after it.
export class OnePassAtATime<T> {
  private running: Promise<T> | undefined;
  private skippedTicks = 0;

  constructor(private readonly work: () => Promise<T>) {}

  /** Ticks skipped because a pass was still running. */
  get skipped(): number {
    return this.skippedTicks;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** A periodic tick: starts a pass, or (one running) counts a skip and returns undefined. */
  tick(): Promise<T> | undefined {
    if (this.running !== undefined) {
      this.skippedTicks++;
      return undefined;
    }
    return this.start();
  }

  /** An explicit request: waits for the running pass, then runs one of its own. */
  async run(): Promise<T> {
    while (this.running !== undefined) await this.running.catch(() => undefined);
    return this.start();
  }

  /** Resolves once no pass runs (a failed pass included). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running.catch(() => undefined);
  }

  private start(): Promise<T> {
    const pass = this.work().finally(() => {
      if (this.running === pass) this.running = undefined;
    });
    this.running = pass;
    return pass;
  }
}
