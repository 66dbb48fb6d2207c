// Issue 19 #1: the package as an operator installs it. `npm pack` (its prepack
// builds dist/), `npm install -g` of the tarball into a temp prefix (no git
// checkout, no tsx, no TypeScript), then the installed `ironic-compute`
// command: --version, `config check` and `serve` against the shared Ironic.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { beforeAll, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../src/dev/free-port.js";
import { sharedIronicUrl } from "../support/ironic.js";
import { waitUntil } from "../support/wait.js";

const ROOT = join(import.meta.dirname, "..", "..");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("IRONIC_COMPUTE_") && !key.startsWith("npm_")));
  return { ...base, ...extra };
}

describe("the installed package", () => {
  const work = mkdtempSync(join(tmpdir(), "ironic-compute-install-"));
  const prefix = join(work, "prefix");
  const command = join(prefix, "bin", "ironic-compute");
  const installed = join(prefix, "lib", "node_modules", "ironic-compute");

  beforeAll(() => {
    execFileSync("npm", ["pack", "--pack-destination", work], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
    const tarball = readdirSync(work).find((name) => name.startsWith("ironic-compute-") && name.endsWith(".tgz"));
    if (tarball === undefined) throw new Error(`npm pack left no tarball in ${work}`);
    // The warm npm cache (npm ci) serves the dependencies; better-sqlite3 still compiles.
    execFileSync("npm", ["install", "-g", "--prefer-offline", "--no-audit", "--no-fund", "--prefix", prefix, join(work, tarball)], {
      cwd: work,
      stdio: ["ignore", "ignore", "inherit"],
      env: cleanEnv({}),
    });
  });

  it("holds the compiled CLI and the packaging, and neither sources, tests nor tsx", () => {
    expect(existsSync(join(installed, "dist", "src", "cli", "main.js"))).toBe(true);
    expect(existsSync(join(installed, "packaging", "ironic-compute.service"))).toBe(true);
    expect(existsSync(join(installed, "docs", "configuration.md"))).toBe(true);
    expect(existsSync(join(installed, "src"))).toBe(false);
    expect(existsSync(join(installed, "test"))).toBe(false);
    expect(existsSync(join(installed, "node_modules", "tsx"))).toBe(false);
    expect(existsSync(join(installed, "node_modules", "typescript"))).toBe(false);
  });

  it("prints package.json's version", () => {
    expect(execFileSync(command, ["--version"], { env: cleanEnv({}), encoding: "utf8" }).trim()).toBe(VERSION);
  });

  it("checks and serves a config file against the real Ironic, and stops on SIGTERM", async () => {
    const port = await freeLoopbackPort();
    const password = `install-${randomUUID()}`;
    const configFile = join(work, "config.yaml");
    writeFileSync(
      configFile,
      [
        `ironic: {url: "${sharedIronicUrl()}"}`,
        `database: {kind: sqlite, path: "${join(work, "db.sqlite")}"}`,
        `api: {host: 127.0.0.1, port: ${port}}`,
        `driver: {cache: {shard: shard-install-${randomUUID().slice(0, 8)}}}`,
        `bootstrapAdmin: {password: "${password}"}`,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    const checked = spawnSync(command, ["config", "check", configFile], { env: cleanEnv({}), encoding: "utf8" });
    expect(checked.status).toBe(0);
    expect(checked.stdout).toContain(`port: ${port}`);
    expect(checked.stdout + checked.stderr).not.toContain(password);
    const child = spawn(command, ["serve", "--config", configFile], { env: cleanEnv({}), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => {
      child.once("exit", (code) => {
        resolve(code);
      });
    });
    try {
      await waitUntil("the installed serve to listen", () => Promise.resolve(output.includes("ironic-compute API listening") ? true : undefined), {
        timeoutMs: 60_000,
      });
      const health = await request(`http://127.0.0.1:${port}/healthz`);
      expect(await health.body.json()).toEqual({ status: "ok" });
      const authorization = `Basic ${Buffer.from(`admin:${password}`).toString("base64")}`;
      const projects = await request(`http://127.0.0.1:${port}/admin/v1/projects`, { headers: { authorization } });
      expect(projects.statusCode).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(output).not.toContain(password);
  });
});
