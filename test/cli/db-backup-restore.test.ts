// `ironic-compute db backup` / `db restore` (issue 19 #4) against the real
// Ironic: server A, a backup taken while the service runs, server B, a restore
// refused while the service runs and done once it stopped, a start on the
// restored database. A is fine; B's node is reported (log, `node list
// --unknown-claims`, the reconcile report) and left deployed with its
// instance_uuid untouched.
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import BetterSqlite3 from "better-sqlite3";
import { join, dirname } from "node:path";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { computeConfigSchema } from "../../src/compute/config.js";
import { startService, type RunningService } from "../../src/cli/service-runtime.js";
import { driverConfig } from "../../src/driver/config.js";
import { ironicClientOptions } from "../../src/ironic/config.js";
import { LATEST_MIGRATION } from "../../src/store/migrations.js";
import { openStore } from "../../src/store/open.js";
import { startTestApi } from "../support/api-service.js";
import { runCli, type CliRun } from "../support/cli-process.js";
import { newClient, sharedIronicUrl } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";
import { testSecrets } from "../support/secrets.js";
import { waitUntil } from "../support/wait.js";

/** Runs the CLI on the service's database; its exit code and output. */
function cli(storePath: string, args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { IRONIC_COMPUTE_IRONIC_URL: sharedIronicUrl(), IRONIC_COMPUTE_DATABASE_URL: storePath, ...extraEnv });
}

describe("db backup and restore", () => {
  it("restores an older backup; the servers created after it are reported and left alone", async () => {
    const log = captureLog("debug");
    const api = await startTestApi("restore", { nodes: 2, log: log.logger });
    let restarted: RunningService | undefined;
    try {
      const serverA = await api.createServer("restore-a");
      const backup = join(dirname(api.storePath), "backup.sqlite");

      // Taken while the service runs (and writes: its heartbeat, every 500 ms).
      const backedUp = await cli(api.storePath, ["db", "backup", backup]);
      expect(backedUp.stderr).toBe("");
      expect(backedUp.code).toBe(0);
      expect(backedUp.stdout).toContain(`schema version ${LATEST_MIGRATION}`);
      expect((await stat(backup)).mode & 0o777).toBe(0o600);
      expect(await cli(api.storePath, ["db", "backup", backup])).toMatchObject({ code: 1, stderr: expect.stringContaining("exists; refusing to overwrite") as unknown });

      const serverB = await api.createServer("restore-b");
      const ironic = newClient();
      const nodeOf = async (server: string): Promise<string> => {
        const body = await api.call("GET", `/v2.1/servers/${server}`);
        return (body.json["server"] as Record<string, string>)["OS-EXT-SRV-ATTR:hypervisor_hostname"] ?? "";
      };
      const nodeB = await nodeOf(serverB);
      expect(api.nodes).toContain(nodeB);

      // Refused while the service runs, naming its worker.
      const refused = await cli(api.storePath, ["db", "restore", backup]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("the service is running on this database (live workers: api-restore");

      // Refused: not a database at all.
      const junk = join(dirname(api.storePath), "junk.sqlite");
      await writeFile(junk, "not a database", { mode: 0o600 });
      const notDb = await cli(api.storePath, ["db", "restore", junk]);
      expect(notDb.code).toBe(1);
      expect(notDb.stderr).toContain("is not a usable ironic-compute backup");

      await api.running.stop();
      const restored = await cli(api.storePath, ["db", "restore", backup]);
      expect(restored.stderr).toBe("");
      expect(restored.code).toBe(0);
      expect((await stat(api.storePath)).mode & 0o777).toBe(0o600);

      restarted = await startService({
        database: { kind: "sqlite", path: api.storePath },
        secrets: testSecrets(),
        ironic: ironicClientOptions({ url: sharedIronicUrl() }),
        driver: driverConfig({ pollIntervalMs: 100, cache: { maxAgeMs: 0, shard: api.shard } }),
        compute: computeConfigSchema.parse({ workerId: "api-restore", taskPollIntervalMs: 50, heartbeatIntervalMs: 500, reconcileIntervalMs: 600_000 }),
        api: { host: "127.0.0.1", port: 0, auth: "basic" },
        log: log.logger,
      });
      const report = await restarted.compute.reconcile();
      expect(report.leftAlone.unknown_instance).toBe(1);
      expect(report.releasesQueued).toBe(0);
      expect(report.sweepSkipped).toBeNull(); // the sweep ran: the restored store holds server A
      expect(log.records().some((line) => line["msg"] === "a node is claimed by an instance this service has no record of; leaving it alone" && line["node"] === nodeB && line["instance"] === serverB)).toBe(true);

      const url = restarted.api.url;
      const get = async (path: string): Promise<Record<string, unknown>> => {
        const response = await request(`${url}${path}`, { headers: { authorization: api.basic("admin") } });
        return (await response.body.json()) as Record<string, unknown>;
      };
      // A is fine.
      expect((await get(`/v2.1/servers/${serverA}`))["server"]).toMatchObject({ status: "ACTIVE" });
      // B is not in the restored database; its node is listed for the operator.
      expect((await get(`/v2.1/servers/${serverB}`))["itemNotFound"]).toBeDefined();
      const nodes = (await get("/admin/v1/nodes"))["nodes"] as Array<Record<string, unknown>>;
      expect(nodes.find((node) => node["uuid"] === nodeB)).toMatchObject({ claim: "unknown", instance_uuid: serverB, server_id: null });
      const listed = await cli(api.storePath, ["node", "list", "--unknown-claims", "-f", "json"], {
        IRONIC_COMPUTE_URL: url,
        IRONIC_COMPUTE_USERNAME: "admin",
        IRONIC_COMPUTE_PASSWORD: api.passwords.admin,
      });
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ UUID: nodeB, Instance: serverB, Server: null })]);

      // Left alone, also after a while of the service running (its task runner, its passes).
      await restarted.compute.reconcile();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const seen = await ironic.nodes.get(nodeB, ["instance_uuid", "provision_state"]);
      expect(seen).toMatchObject({ instance_uuid: serverB, provision_state: "active" });
      await waitUntil("server A to stay ACTIVE", async () => ((await get(`/v2.1/servers/${serverA}`))["server"] as { status?: string }).status === "ACTIVE" ? true : undefined);
      await ironic.close();
    } finally {
      await restarted?.stop();
      await api.stop();
    }
  }, 240_000);

  it("refuses PostgreSQL naming pg_dump / pg_restore, and a backup of a newer schema version", async () => {
    const postgresUrl = "postgres://ironic-compute@127.0.0.1:1/ironic_compute";
    // A PostgreSQL configuration names its secrets key file (never read here).
    const keyFile = { IRONIC_COMPUTE_SECRETS_KEY_FILE: "/etc/ironic-compute/secrets.key" };
    const backup = await cli(postgresUrl, ["db", "backup", "/tmp/never-written.dump"], keyFile);
    expect(backup.code).toBe(1);
    expect(backup.stderr).toContain("the database is PostgreSQL: back it up with `pg_dump --format=custom");
    const restore = await cli(postgresUrl, ["db", "restore", "/tmp/never-read.dump"], keyFile);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain("`pg_restore --clean --if-exists");

    const dir = await mkdtemp(join(tmpdir(), "ironic-compute-restore-"));
    try {
      const newer = join(dir, "newer.sqlite");
      await (await openStore({ kind: "sqlite", path: newer })).close();
      const raw = new BetterSqlite3(newer);
      raw.prepare("INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)").run("9999_from_a_newer_release", new Date().toISOString());
      raw.close();
      const target = join(dir, "target.sqlite");
      const refused = await cli(target, ["db", "restore", newer]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`is not a usable ironic-compute backup: its schema version 9999_from_a_newer_release is newer than this ironic-compute's ${LATEST_MIGRATION}`);
      await expect(stat(target)).rejects.toThrow(); // nothing was written
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
