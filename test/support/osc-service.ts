// The preamble of a test file that runs the real `openstack` CLI against one
// started service: the client installed, a HOME of its own (a temp dir), the
// service started in beforeAll and both gone in afterAll.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { ensureOpenstackClientInstalled } from "../../harness/openstack-client-install.js";
import { startTestApi, type TestApi, type TestApiOptions } from "./api-service.js";

export interface OscService {
  /** The started service (inside tests and hooks only). */
  running: () => TestApi;
  /** The client's HOME (and working directory). */
  home: () => string;
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
  };
}
