// --wait: polls GET /v2.1/servers/{id} every second until the server reaches the
// wanted status with no task running, showing live progress on stderr. ERROR
// ends the wait with the server's fault; for delete the end is a 404 (an ERROR
// server being deleted is waited for; ERROR with no task left is a failure).
import { setTimeout as sleep } from "node:timers/promises";
import { segment, type ApiClient } from "./api-client.js";
import { CliError } from "./errors.js";
import { serverBody, type Server } from "./shapes.js";

export type WaitTarget = "ACTIVE" | "SHUTOFF" | "RESCUE" | "deleted";

export interface WaitOptions {
  intervalMs?: number;
  timeoutMs?: number;
  /** Where progress goes (default stderr). */
  progress?: NodeJS.WriteStream;
}

function describe(server: Server, elapsedMs: number): string {
  const step = server["OS-EXT-STS:task_state"] ?? "-";
  const progress = server.progress === undefined ? "" : ` progress=${server.progress}%`;
  return `${server.name}: ${server.status} step=${step}${progress} elapsed=${Math.round(elapsedMs / 1000)}s`;
}

/** Returns the final server (undefined once deleted). */
export async function waitForServer(client: ApiClient, id: string, target: WaitTarget, options: WaitOptions = {}): Promise<Server | undefined> {
  const out = options.progress ?? process.stderr;
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 3_600_000);
  let last = "";
  const show = (line: string): void => {
    if (out.isTTY) out.write(`\r\x1b[K${line}`);
    else if (line !== last) out.write(`${line}\n`);
    last = line;
  };
  const finish = (): void => {
    if (out.isTTY && last !== "") out.write("\n");
  };
  for (;;) {
    const response = await client.call("GET", `/v2.1/servers/${segment(id)}`);
    if (response.status === 404 && target === "deleted") {
      show(`${id}: deleted elapsed=${Math.round((Date.now() - started) / 1000)}s`);
      finish();
      return undefined;
    }
    const parsed = serverBody.safeParse(response.body);
    if (response.status !== 200 || !parsed.success) {
      finish();
      throw new CliError(`polling server ${id} failed (HTTP ${response.status})`);
    }
    const server = parsed.data.server;
    show(describe(server, Date.now() - started));
    const idle = (server["OS-EXT-STS:task_state"] ?? null) === null;
    // A server being deleted may stay ERROR meanwhile; ERROR with no task left means the delete failed.
    if (server.status === "ERROR" && (target !== "deleted" || idle)) {
      finish();
      throw new CliError(`server ${server.name} (${server.id}) is in ERROR: ${server.fault?.message ?? "no fault recorded"}`);
    }
    if (target !== "deleted" && server.status === target && idle) {
      finish();
      return server;
    }
    if (Date.now() > deadline) {
      finish();
      throw new CliError(`timed out waiting for server ${server.name} to become ${target} (it is ${server.status})`);
    }
    await sleep(options.intervalMs ?? 1_000);
  }
}
