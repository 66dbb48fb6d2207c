// Runs the real `ironic-compute` command (node bin/ironic-compute.js) as a child
// process. Its environment is ours without any IRONIC_COMPUTE_* variable, so a
// developer's or the run's own settings cannot leak into what a test asserts;
// the test passes the ones it means.
import { spawn } from "node:child_process";
import { join } from "node:path";

export const CLI_BIN = join(import.meta.dirname, "..", "..", "bin", "ironic-compute.js");

export interface CliRun {
  /** null when killed (the timeout) */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Our environment without IRONIC_COMPUTE_*, plus `extra`. */
export function envWithoutOurs(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("IRONIC_COMPUTE_")));
  return { ...base, ...extra };
}

/** Runs the CLI with `args` and `env` (on top of envWithoutOurs), killed after `timeoutMs`; its exit code and output. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { env: envWithoutOurs(env), stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}
