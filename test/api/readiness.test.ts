// GET /readyz and `ironic-compute status` (issue 19 #5), on the real Ironic,
// reached through the fault proxy (harness/fault-proxy.ts, a hand-made fake used
// only for what the real Ironic cannot do on demand: stop answering, answer
// slowly, announce a microversion range outside ours).
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { Readiness } from "../../src/compute/readiness.js";
import { IronicClient } from "../../src/ironic/client.js";
import { ironicClientOptions } from "../../src/ironic/config.js";
import { silentLogger } from "../../src/log/logger.js";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { runCli, type CliRun } from "../support/cli-process.js";
import { sharedIronicUrl } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";

const ALL_OK = { database: "ok", migrations: "ok", ironic: "ok", lease_loop: "ok" };

let proxy: FaultProxy;
let api: TestApi;
const log = captureLog("info");

beforeAll(async () => {
  proxy = await startFaultProxy(sharedIronicUrl());
  api = await startTestApi("readyz", { nodes: 1, log: log.logger, ironicUrl: proxy.url });
}, 120_000);

afterAll(async () => {
  await api.stop();
  await proxy.stop();
});

/** Lets the service's last readiness answer age out (it is reused for 1 s). */
async function afterReuse(): Promise<void> {
  await sleep(1_100);
}

async function readyz(): Promise<{ status: number; body: unknown; ms: number }> {
  const started = Date.now();
  const response = await request(`${api.url}/readyz`); // no credentials
  return { status: response.statusCode, body: await response.body.json(), ms: Date.now() - started };
}

function status(): Promise<CliRun> {
  return runCli(["status"], { IRONIC_COMPUTE_URL: api.url, IRONIC_COMPUTE_USERNAME: "admin", IRONIC_COMPUTE_PASSWORD: api.passwords.admin });
}

describe("GET /readyz", () => {
  it("is 200 with every check named ok when the database, Ironic and the lease loop are fine; nothing else in the body", async () => {
    expect(await readyz()).toMatchObject({ status: 200, body: { status: "ready", checks: ALL_OK } });
    const { body } = await readyz();
    expect(Object.keys(body as object)).toEqual(["status", "checks"]);
  });

  it("is 503 naming ironic when Ironic does not answer, within its bound, and says nothing of why", async () => {
    proxy.add({ path: "/", action: { kind: "reset" } });
    await afterReuse();
    try {
      const answer = await readyz();
      expect(answer).toMatchObject({ status: 503, body: { status: "not ready", checks: { ...ALL_OK, ironic: "failing" } } });
      expect(JSON.stringify(answer.body)).not.toContain("127.0.0.1");
    } finally {
      proxy.clear();
    }
    await afterReuse();
    expect((await readyz()).status).toBe(200);
  });

  it("does not hang on a slow Ironic: 503 naming ironic after its 3 s bound", async () => {
    proxy.add({ path: "/", action: { kind: "delay", ms: 20_000 } });
    await afterReuse();
    try {
      const answer = await readyz();
      expect(answer).toMatchObject({ status: 503, body: { checks: { ironic: "failing" } } });
      expect(answer.ms).toBeGreaterThanOrEqual(2_900);
      expect(answer.ms).toBeLessThan(6_000);
    } finally {
      proxy.clear();
      await afterReuse();
    }
  }, 30_000);

  it("is 503 naming ironic when Ironic's microversion range does not meet ours", async () => {
    proxy.add({
      path: "/",
      action: {
        kind: "rewrite",
        rewrite: ({ body }) => {
          const root = JSON.parse(body) as { default_version: Record<string, unknown> };
          root.default_version = { ...root.default_version, version: "1.40", min_version: "1.1" };
          return { status: 200, body: JSON.stringify(root) };
        },
      },
    });
    await afterReuse();
    try {
      expect(await readyz()).toMatchObject({ status: 503, body: { checks: { ...ALL_OK, ironic: "failing" } } });
    } finally {
      proxy.clear();
      await afterReuse();
    }
  });

  it("is one run for probes that arrive together: 20 anonymous calls, at most one request to Ironic", async () => {
    await afterReuse();
    proxy.requests.length = 0;
    const answers = await Promise.all(Array.from({ length: 20 }, () => readyz()));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(proxy.requests.filter((seen) => seen.path === "/")).toHaveLength(1);
  });

  it("names lease_loop when this worker's lease loop has not gone round within the worker timeout", async () => {
    const ironic = new IronicClient(ironicClientOptions({ url: sharedIronicUrl() }));
    try {
      const stale = Date.now() - 60_000;
      const readiness = new Readiness({
        store: api.running.store,
        ironic,
        workerTimeoutMs: 20_000,
        lastLeaseLoopAt: () => stale,
        lastHeartbeatAt: () => Date.now(),
        log: silentLogger,
      });
      const report = await readiness.check();
      expect(report.ready).toBe(false);
      expect(report.checks.filter((check) => !check.ok).map((check) => check.name)).toEqual(["lease_loop"]);
      expect(report.checks.find((check) => check.name === "lease_loop")?.detail).toMatch(/^the task lease loop last ran \d+ ms ago \(limit 20000 ms\)$/);
    } finally {
      await ironic.close();
    }
  });
});

describe("ironic-compute status", () => {
  it("prints the checks and the node and server counts, exit 0 when ready", async () => {
    const run = await status();
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    for (const check of ["database", "migrations", "ironic", "lease_loop"]) expect(run.stdout).toMatch(new RegExp(`${check}\\s*\\|\\s*ok`));
    expect(run.stdout).toMatch(/nodes\s*\|\s*1\b/);
    expect(run.stdout).toMatch(/servers\s*\|\s*0\b/);
  });

  it("names the failing check with its reason and exits 1 when Ironic does not answer", async () => {
    proxy.add({ path: "/", action: { kind: "reset" } });
    await afterReuse();
    try {
      const run = await status();
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/ironic\s*\|\s*failing\s*\|\s*cannot reach Ironic/);
      expect(run.stdout).toMatch(/ready\s*\|\s*false/);
    } finally {
      proxy.clear();
    }
  });
});
