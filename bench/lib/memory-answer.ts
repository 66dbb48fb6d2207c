// What bench/memory-child.ts reports to bench/memory.ts and bench/scale.ts: one stdout line,
// RESULT_PREFIX followed by a MemoryAnswer as JSON.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");

export const RESULT_PREFIX = "RESULT ";

/** process.memoryUsage() after a forced GC, at one named stage. */
export interface Stage {
  stage: string;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export interface MemoryAnswer {
  nodes: number;
  candidates: number;
  stages: Stage[];
  /** V8 heap space → bytes used, at the last stage. */
  spaces?: Record<string, number>;
}

/** Runs bench/memory-child.ts against `url` and returns what it measured. */
export function runMemoryChild(url: string): Promise<MemoryAnswer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", join(BENCH_DIR, "memory-child.ts"), url], {
      cwd: join(BENCH_DIR, ".."),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => (stdout += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split("\n").find((text) => text.startsWith(RESULT_PREFIX));
      if (code !== 0 || line === undefined) {
        reject(new Error(`memory child ended with ${signal ?? String(code)}; stdout: ${stdout.slice(0, 500)}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as MemoryAnswer);
    });
  });
}
