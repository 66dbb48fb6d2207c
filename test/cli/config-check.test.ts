// Issue 19 #2: `ironic-compute config check FILE` through the real command (one
// process per outcome): a good file prints the effective configuration with its
// secrets masked, a bad one lists every problem and exits 1, and no secret
// value reaches stdout or stderr on either path.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CLI_BIN, envWithoutOurs } from "../support/cli-process.js";

const IRONIC_PASSWORD = "ironic-pw-7f3a91c2";
const DB_PASSWORD = "db-pw-55e1b0aa";
const ADMIN_PASSWORD = "bootstrap-admin-pw-c0ffee";
const ENV_TOKEN = "env-token-9d8c7b6a";

function check(text: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const file = join(mkdtempSync(join(tmpdir(), "ironic-compute-check-")), "config.yaml");
  writeFileSync(file, text);
  const result = spawnSync(process.execPath, [CLI_BIN, "config", "check", file], { env: envWithoutOurs(env), encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("ironic-compute config check", () => {
  it("a good file: exit 0, the effective configuration with defaults, secrets masked (file and env)", () => {
    const result = check(
      [
        "ironic:",
        "  url: https://ironic.example:6385",
        `  auth: {type: http_basic, username: svc, password: ${IRONIC_PASSWORD}}`,
        `database: {kind: postgres, url: "postgres://ic:${DB_PASSWORD}@db.example/ic"}`,
        "compute: {concurrency: 8}",
        "",
      ].join("\n"),
      { IRONIC_COMPUTE_BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD, IRONIC_COMPUTE_SECRETS_KEY_FILE: "/etc/ironic-compute/secrets.key" },
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const effective = parse(result.stdout) as Record<string, Record<string, unknown>>;
    expect(effective["ironic"]?.["auth"]).toEqual({ type: "http_basic", username: "svc", password: "[REDACTED]" });
    expect(effective["database"]).toEqual({ kind: "postgres", url: "postgres://ic:***@db.example/ic" });
    // Masked as every *key* setting is (redact.ts decides by name), though a path is no secret.
    expect(effective["secrets"]).toEqual({ keyFile: "[REDACTED]" });
    expect(effective["bootstrapAdmin"]).toEqual({ project: "admin", user: "admin", password: "[REDACTED]" });
    // Defaults are filled; numbers under "token"-ish keys are settings, shown as they are.
    expect(effective["compute"]).toMatchObject({ concurrency: 8, taskLeaseMs: 30_000, tokenTtlSeconds: 3_600 });
    expect(effective["api"]).toMatchObject({ host: "127.0.0.1", port: 8774, auth: "basic" });
    for (const secret of [IRONIC_PASSWORD, DB_PASSWORD, ADMIN_PASSWORD]) expect(result.stdout).not.toContain(secret);
  });

  it("a bad file: exit 1, one `path: message` line per problem, no secret even in the errors", () => {
    const result = check(
      [
        "ironic:",
        "  url: not-a-url",
        `  auth: {type: token, token: ${ENV_TOKEN}, password: ${IRONIC_PASSWORD}}`,
        `database: {kind: postgres, url: "mysql://ic:${DB_PASSWORD}@db/ic"}`,
        "api: {port: 70000, hots: x}",
        `bootstrapAdmin: {password: short}`,
        "",
      ].join("\n"),
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trim().split("\n");
    expect(lines[0]).toMatch(/invalid configuration, \d+ problem\(s\):$/);
    const problems = lines.slice(1);
    expect(problems.length).toBeGreaterThanOrEqual(5);
    for (const line of problems) expect(line).toMatch(/^[\w.]+: \S/);
    expect(problems.some((line) => line.startsWith("ironic.url: "))).toBe(true);
    expect(problems.some((line) => line.startsWith("ironic.auth: ") && line.includes("password"))).toBe(true);
    expect(problems.some((line) => line.startsWith("database.url: "))).toBe(true);
    expect(problems.some((line) => line.startsWith("api.port: "))).toBe(true);
    expect(problems.some((line) => line.startsWith("api: ") && line.includes("hots"))).toBe(true);
    expect(problems.some((line) => line.startsWith("bootstrapAdmin.password: ") && line.includes("12 characters"))).toBe(true);
    for (const secret of [IRONIC_PASSWORD, DB_PASSWORD, ENV_TOKEN]) expect(result.stderr).not.toContain(secret);
  });

  it("a file that is not YAML: exit 1 with the position, not the line (it may hold a secret)", () => {
    const result = check(`ironic:\n  auth: {type: token, token: "${ENV_TOKEN}\n  url: [\n`);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/is not valid YAML at line \d+, column \d+/);
    expect(result.stderr).not.toContain(ENV_TOKEN);
  });
});
