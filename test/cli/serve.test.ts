// `ironic-compute serve` as operators run it: a YAML file plus IRONIC_COMPUTE_*
// variables, the bootstrap admin, a clean stop on SIGTERM, and refusal of an
// unsafe configuration. Its own shard keeps it away from other files' nodes.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { describe, expect, it } from "vitest";
import BetterSqlite3 from "better-sqlite3";
import { buildVersion } from "../../src/api/build-info.js";
import { freeLoopbackPort } from "../../src/dev/free-port.js";
import { LATEST_MIGRATION } from "../../src/store/migrations.js";
import { openStore } from "../../src/store/open.js";
import { generateTlsMaterial } from "../../harness/tls-front.js";
import { CLI_BIN, envWithoutOurs, runCli } from "../support/cli-process.js";
import { sharedIronicUrl } from "../support/ironic.js";
import { waitUntil } from "../support/wait.js";

describe("ironic-compute serve", () => {
  it("starts from file + env, bootstraps the admin, serves, and stops on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ironic-compute-serve-"));
    const configFile = join(dir, "config.yaml");
    writeFileSync(configFile, `driver:\n  cache: {shard: shard-serve-${randomUUID().slice(0, 8)}}\nlog: {level: info}\n`);
    const port = await freeLoopbackPort();
    const password = `bootstrap-${randomUUID()}`;
    const child = spawn(process.execPath, [CLI_BIN, "serve", "--config", configFile], {
      env: envWithoutOurs({
        IRONIC_COMPUTE_IRONIC_URL: sharedIronicUrl(),
        IRONIC_COMPUTE_DATABASE_URL: join(dir, "db.sqlite"),
        IRONIC_COMPUTE_LISTEN: `127.0.0.1:${port}`,
        IRONIC_COMPUTE_BOOTSTRAP_ADMIN_PASSWORD: password,
      }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => {
      child.once("exit", (code) => {
        resolve(code);
      });
    });
    try {
      await waitUntil("serve to listen", () => Promise.resolve(output.includes("ironic-compute API listening") ? true : undefined), { timeoutMs: 60_000 });
      const health = await request(`http://127.0.0.1:${port}/healthz`);
      expect(await health.body.json()).toEqual({ status: "ok" });
      const authorization = `Basic ${Buffer.from(`admin:${password}`).toString("base64")}`;
      const projects = await request(`http://127.0.0.1:${port}/admin/v1/projects`, { headers: { authorization } });
      expect(projects.statusCode).toBe(200);
      expect(await projects.body.json()).toMatchObject({ projects: [{ name: "admin" }] });
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(output).toContain("compute service stopped");
    expect(output).not.toContain(password);
  });

  it("serves HTTPS with api.tls, also on a non-loopback listener (issue 8 #18)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ironic-compute-serve-"));
    const tls = await generateTlsMaterial(join(dir));
    const configFile = join(dir, "config.yaml");
    writeFileSync(
      configFile,
      `api: {tls: {certFile: ${tls.serverCertFile}, keyFile: ${tls.serverKeyFile}}}\ndriver:\n  cache: {shard: shard-serve-${randomUUID().slice(0, 8)}}\n`,
    );
    const port = await freeLoopbackPort();
    const password = `bootstrap-${randomUUID()}`;
    const child = spawn(process.execPath, [CLI_BIN, "serve", "--config", configFile], {
      env: envWithoutOurs({
        IRONIC_COMPUTE_IRONIC_URL: sharedIronicUrl(),
        IRONIC_COMPUTE_DATABASE_URL: join(dir, "db.sqlite"),
        // All interfaces: allowed without api.allowPlaintext because of TLS. Reached on loopback only.
        IRONIC_COMPUTE_LISTEN: `0.0.0.0:${port}`,
        IRONIC_COMPUTE_BOOTSTRAP_ADMIN_PASSWORD: password,
      }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => {
      child.once("exit", (code) => {
        resolve(code);
      });
    });
    const dispatcher = new Agent({ connect: { ca: tls.caCertPem } });
    try {
      await waitUntil("serve to listen", () => Promise.resolve(output.includes("ironic-compute API listening") ? true : undefined), { timeoutMs: 60_000 });
      expect(output).toContain(`"url":"https://0.0.0.0:${port}"`);
      const authorization = `Basic ${Buffer.from(`admin:${password}`).toString("base64")}`;
      const projects = await request(`https://127.0.0.1:${port}/admin/v1/projects`, { headers: { authorization }, dispatcher });
      expect(projects.statusCode).toBe(200);
      expect(await projects.body.json()).toMatchObject({ projects: [{ name: "admin" }] });
      // Plain HTTP on the TLS port gets no API answer.
      await expect(request(`http://127.0.0.1:${port}/healthz`).then((response) => response.body.text())).rejects.toThrow();
    } finally {
      child.kill("SIGTERM");
      await dispatcher.close();
    }
    expect(await exited).toBe(0);
    expect(output).not.toMatch(/in clear text/);
  });

  it("refuses Basic auth on a non-loopback address without TLS, naming both ways out (issue 8 #18)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ironic-compute-serve-"));
    // Should it start after all (the defect), it is not left running.
    const { code, stderr } = await runCli(["serve"], { IRONIC_COMPUTE_IRONIC_URL: sharedIronicUrl(), IRONIC_COMPUTE_DATABASE_URL: join(dir, "db.sqlite"), IRONIC_COMPUTE_LISTEN: "0.0.0.0:8774" }, 30_000);
    expect(code).toBe(1);
    expect(stderr).toMatch(/refusing to start[\s\S]*without TLS[\s\S]*api.tls[\s\S]*api.allowPlaintext/);
  });

  it("refuses auth 'none' on a non-loopback address, with a clear message", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ironic-compute-serve-"));
    const configFile = join(dir, "config.yaml");
    writeFileSync(configFile, "api: {auth: none, host: 0.0.0.0, noAuth: {projectId: p}}\n");
    const { code, stderr } = await runCli(["serve", "--config", configFile], { IRONIC_COMPUTE_IRONIC_URL: sharedIronicUrl(), IRONIC_COMPUTE_DATABASE_URL: join(dir, "db.sqlite") }, 30_000);
    expect(code).toBe(1);
    expect(stderr).toMatch(/refusing to start[\s\S]*auth "none" is only allowed on a loopback address/);
  });

  it("refuses a database written by a newer version, naming both versions, and exits 1 (issue 19 #3)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ironic-compute-serve-"));
    const path = join(dir, "db.sqlite");
    await (await openStore({ kind: "sqlite", path })).close();
    const raw = new BetterSqlite3(path);
    raw.prepare("INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)").run("9999_from_a_newer_release", new Date().toISOString());
    raw.close();
    const { code, stderr } = await runCli(["serve"], { IRONIC_COMPUTE_IRONIC_URL: sharedIronicUrl(), IRONIC_COMPUTE_DATABASE_URL: path, IRONIC_COMPUTE_LISTEN: `127.0.0.1:${await freeLoopbackPort()}` }, 30_000);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `error: ironic-compute ${buildVersion()}: the database's schema version 9999_from_a_newer_release is newer than this ironic-compute's ${LATEST_MIGRATION} ` +
        "(unknown migrations: 9999_from_a_newer_release); run the ironic-compute that wrote it, or restore a backup taken by this version",
    );
  });
});
