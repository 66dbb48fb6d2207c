// Runs a real client (the openstack CLI, a Go program, a Python script) as a
// child process with a clean environment: HOME is the test's temp dir, so no
// user clouds.yaml or OS_* variable of ours leaks in.
import { spawn } from "node:child_process";

export interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The environment of every client process: nothing from ours. */
export function cleanEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { HOME: home, PATH: "/usr/bin:/bin", LANG: "C.UTF-8", ...extra };
}

/** Runs `command`, killed (SIGKILL) after `timeoutMs`; resolves with its exit code and output. */
export function runClient(command: string, args: string[], options: { env: Record<string, string>; cwd: string; timeoutMs: number }): Promise<ClientRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}
