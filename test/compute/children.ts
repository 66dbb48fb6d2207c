// Starting and killing compute-service child processes for crash tests.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("../support/compute-child.ts", import.meta.url));

export interface ChildConfig {
  ironicUrl: string;
  store: { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };
  workerId: string;
  shard: string;
  reconcileIntervalMs: number;
}

export interface ComputeChild {
  process: ChildProcess;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function startChild(config: ChildConfig, logFile: string): Promise<ComputeChild> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    env: { ...process.env, IRONIC_COMPUTE_TEST_CHILD: JSON.stringify(config) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = createWriteStream(logFile, { flags: "a" });
  child.stderr.pipe(log);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`compute child ${config.workerId} did not start; see ${logFile}`)); }, 60_000);
    child.stdout.on("data", (chunk: Buffer) => {
      log.write(chunk);
      if (chunk.toString().includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`compute child ${config.workerId} exited with ${code ?? "a signal"}; see ${logFile}`));
    });
  });
  child.stdout.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => { resolve(); }));
  return {
    process: child,
    kill9: async () => {
      child.kill("SIGKILL");
      await exited;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}
