// The preamble of the files that drive the REAL `openstack` CLI against a
// started service: the client installed, a clean HOME for it, the service
// started in the file's beforeAll and stopped (HOME removed) in its afterAll.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { runOpenstack } from "../../harness/openstack-cli.js";
import { ensureOpenstackClientInstalled } from "../../harness/openstack-client-install.js";
import { startTestApi, type TestApi, type TestApiOptions } from "./api-service.js";
import { cleanEnv, type ClientRun } from "./client-process.js";

export interface OscService {
  /** The started service (throws before the beforeAll ran). */
  running: () => TestApi;
  /** The clean HOME (and cwd) of the file's clients. */
  home: () => string;
  /** Runs `openstack <args>` with HOME and cwd in the file's temp dir. */
  run: (args: string[], timeoutMs: number) => Promise<ClientRun>;
}

export function oscServiceForFile(label: string, options: TestApiOptions): OscService {
  let api: TestApi | undefined;
  let home = "";
  beforeAll(async () => {
    await ensureOpenstackClientInstalled();
    home = mkdtempSync(join(tmpdir(), `ironic-compute-${label}-`));
    api = await startTestApi(label, options);
  }, 300_000);
  afterAll(async () => {
    await api?.stop();
    if (home !== "") rmSync(home, { recursive: true, force: true });
  });
  return {
    running: () => {
      if (api === undefined) throw new Error("the service did not start");
      return api;
    },
    home: () => home,
    run: (args, timeoutMs) => runOpenstack(args, { env: cleanEnv(home), cwd: home, timeoutMs }),
  };
}
