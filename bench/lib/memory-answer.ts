// What bench/memory-child.ts reports to bench/memory.ts and bench/scale.ts: one stdout line,
// RESULT_PREFIX followed by a MemoryAnswer as JSON.
import { spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
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

const ROOT = join(BENCH_DIR, "..");
/** Inside the project, so that the compiled files find node_modules as the sources do. */
const BUILD_DIR = join(ROOT, "node_modules", ".cache", "ironic-compute-bench-memory");

let built: Promise<string> | undefined;

/**
 * Compiles memory-child.ts and the service modules it imports to plain
 * JavaScript (tsc, the project's own options), once per bench process: the
 * child runs under plain node, as the installed package does (`npm pack` ships
 * compiled JS). Under tsx the loader and its transpiled copies of every module
 * took about 50 MiB of the RSS the target is about.
 */
function buildMemoryChild(): Promise<string> {
  built ??= (async () => {
    await rm(BUILD_DIR, { recursive: true, force: true });
    await mkdir(BUILD_DIR, { recursive: true });
    const config = join(BUILD_DIR, "tsconfig.json");
    await writeFile(
      config,
      JSON.stringify({
        extends: join(ROOT, "tsconfig.json"),
        compilerOptions: { noEmit: false, outDir: join(BUILD_DIR, "out"), rootDir: ROOT, sourceMap: false },
        files: [join(BENCH_DIR, "memory-child.ts")],
        include: [],
      }),
    );
    await run(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", config]);
    return join(BUILD_DIR, "out", "bench", "memory-child.js");
  })();
  return built;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${args.join(" ")} ended with ${String(code)}`));
    });
  });
}

/** The node flags the installed command runs with: those of bin/ironic-compute.js's `#!/usr/bin/env -S node …` line. */
async function shippedNodeFlags(): Promise<string[]> {
  const first = (await readFile(join(ROOT, "bin", "ironic-compute.js"), "utf8")).split("\n")[0] ?? "";
  const words = first.replace(/^#!/, "").trim().split(/\s+/);
  const node = words.indexOf("node");
  if (node === -1) throw new Error(`bin/ironic-compute.js does not start node: ${first}`);
  return words.slice(node + 1);
}

/** Runs bench/memory-child.ts, compiled, against `url` with the installed command's node flags, and returns what it measured. */
export async function runMemoryChild(url: string): Promise<MemoryAnswer> {
  const script = await buildMemoryChild();
  const flags = await shippedNodeFlags();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, "--expose-gc", script, url], {
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
