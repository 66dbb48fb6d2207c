// Helpers shared by the harnesses that run real servers as child processes
// (Ironic, PostgreSQL): learn the pid, watch the exit, stop a process group.
import type { ChildProcess } from "node:child_process";

export interface TrackedChild {
  pid: number;
  /** Settles when the child has exited. */
  exited: Promise<void>;
  /** "exit code N" / "signal S" once exited, else undefined. */
  exitInfo(): string | undefined;
}

/** Waits for the spawn (or its failure) and starts watching the exit. */
export async function trackChild(child: ChildProcess, what: string): Promise<TrackedChild> {
  const pid = await new Promise<number>((resolve, reject) => {
    child.once("spawn", () => {
      if (child.pid === undefined) reject(new Error(`spawned ${what} has no pid`));
      else resolve(child.pid);
    });
    child.once("error", reject);
  });
  let info: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      info = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
      resolve();
    });
  });
  return { pid, exited, exitInfo: () => info };
}

/** Whether `exited` settles within `ms`; the timer is cleared either way so it
 * never holds the process open after a quick stop. */
export async function exitsWithin(exited: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  try {
    return await Promise.race([exited.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Signals a whole process group; a group that is already gone is fine. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error: unknown) {
    // ESRCH: the group is already gone, which is what we want.
    if (!(error instanceof Error && "code" in error && error.code === "ESRCH")) throw error;
  }
}
