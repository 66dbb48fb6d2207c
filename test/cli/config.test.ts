// The serve configuration: one schema, env overrides, unknown keys and unsafe
// combinations refused (S10, S12), no secret defaults.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, isLoopback, loadServiceConfig, parseDatabaseUrl, parseListen, startupWarnings } from "../../src/cli/config.js";

const MINIMAL = { IRONIC_COMPUTE_IRONIC_URL: "https://ironic.example:6385", IRONIC_COMPUTE_DATABASE_URL: "/var/lib/ironic-compute/db.sqlite" };

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "ironic-compute-config-")), "config.yaml");
  writeFileSync(file, text);
  return file;
}

describe("service configuration", () => {
  it("env alone is enough; defaults are safe (basic auth on loopback, TLS verified)", () => {
    const config = loadServiceConfig({ env: MINIMAL });
    expect(config.api).toMatchObject({ host: "127.0.0.1", port: 8774, auth: "basic" });
    expect(config.database).toEqual({ kind: "sqlite", path: "/var/lib/ironic-compute/db.sqlite" });
    expect(config.ironic.auth).toEqual({ type: "none" });
    expect(config.ironic.tls.insecure).toBe(false);
    expect(config.bootstrapAdmin).toBeUndefined();
    expect(config.driver.pollIntervalMs).toBeGreaterThan(0);
    expect(config.compute.concurrency).toBeGreaterThan(0);
  });

  it("reads YAML and lets the environment override it", () => {
    const file = yamlFile(
      [
        "ironic:",
        "  url: http://ironic.local:6385",
        "  auth: {type: http_basic, username: svc, password: from-file-secret}",
        "database: {kind: postgres, url: 'postgres://ic:pw@db/ic'}",
        "secrets: {keyFile: /etc/ic/secrets.key}",
        "api: {host: 0.0.0.0, port: 9000, tls: {certFile: /etc/ic/cert.pem, keyFile: /etc/ic/key.pem}}",
        "compute: {concurrency: 8}",
        "log: {level: debug}",
      ].join("\n"),
    );
    const config = loadServiceConfig({
      file,
      env: { IRONIC_COMPUTE_LISTEN: "[::1]:8080", IRONIC_COMPUTE_IRONIC_TOKEN: "", IRONIC_COMPUTE_WORKER_ID: "w-1" },
    });
    expect(config.api).toMatchObject({ host: "::1", port: 8080, tls: { certFile: "/etc/ic/cert.pem" } });
    expect(config.database).toEqual({ kind: "postgres", url: "postgres://ic:pw@db/ic" });
    expect(config.secrets).toEqual({ keyFile: "/etc/ic/secrets.key" });
    expect(config.ironic.auth).toEqual({ type: "http_basic", username: "svc", password: "from-file-secret" });
    expect(config.compute).toMatchObject({ concurrency: 8, workerId: "w-1" });
    expect(config.log.level).toBe("debug");
    const withToken = loadServiceConfig({ file, env: { IRONIC_COMPUTE_IRONIC_TOKEN: "tok-123456" } });
    expect(withToken.ironic.auth).toEqual({ type: "token", token: "tok-123456" });
  });

  it("a PostgreSQL database needs secrets.keyFile (the same key on every worker); the environment can give it", () => {
    const file = yamlFile("ironic: {url: http://i:6385}\ndatabase: {kind: postgres, url: 'postgres://ic@db/ic'}\n");
    expect(() => loadServiceConfig({ file, env: {} })).toThrow(/secrets\.keyFile: a PostgreSQL database needs secrets\.keyFile/);
    expect(loadServiceConfig({ file, env: { IRONIC_COMPUTE_SECRETS_KEY_FILE: "/run/ic.key" } }).secrets).toEqual({ keyFile: "/run/ic.key" });
    // SQLite: the key beside the database unless set.
    const sqlite = yamlFile("ironic: {url: http://i:6385}\ndatabase: {kind: sqlite, path: /var/lib/ic/db.sqlite}\n");
    expect(loadServiceConfig({ file: sqlite, env: {} }).secrets).toEqual({});
  });

  it("tracing is off by default; an OTLP endpoint must be an http(s) URL (issue 17)", () => {
    expect(loadServiceConfig({ env: MINIMAL }).tracing).toEqual({ serviceName: "ironic-compute" });
    const on = loadServiceConfig({ env: MINIMAL, file: yamlFile("tracing: {otlpEndpoint: 'http://otel:4318', serviceName: compute-eu}\n") });
    expect(on.tracing).toEqual({ otlpEndpoint: "http://otel:4318", serviceName: "compute-eu" });
    expect(() => loadServiceConfig({ env: MINIMAL, file: yamlFile("tracing: {otlpEndpoint: 'grpc://otel:4317'}\n") })).toThrow(/tracing\.otlpEndpoint/);
  });

  it("refuses unknown keys", () => {
    const file = yamlFile("ironic: {url: http://i:6385}\ndatabase: {kind: sqlite, path: /tmp/x}\napi: {hots: 1.2.3.4}\n");
    expect(() => loadServiceConfig({ file, env: {} })).toThrow(/api: Unrecognized key.*hots/s);
  });

  it("refuses auth 'none' off loopback (S10/S12) and without a project", () => {
    // Off loopback, basic auth needs TLS or the explicit plaintext opt-in (issue 8 #18).
    expect(() => loadServiceConfig({ env: { ...MINIMAL, IRONIC_COMPUTE_LISTEN: "0.0.0.0:8774" }, file: yamlFile("api: {allowPlaintext: true}\n") })).not.toThrow();
    const open = yamlFile("api: {auth: none, host: 0.0.0.0, noAuth: {projectId: p}}\n");
    expect(() => loadServiceConfig({ file: open, env: MINIMAL })).toThrow(/auth "none" is only allowed on a loopback address/);
    const local = yamlFile("api: {auth: none, host: 127.0.0.1, noAuth: {projectId: p}}\n");
    expect(loadServiceConfig({ file: local, env: MINIMAL }).api.noAuth).toEqual({ projectId: "p", userName: "noauth", role: "admin" });
    const noProject = yamlFile("api: {auth: none}\n");
    expect(() => loadServiceConfig({ file: noProject, env: MINIMAL })).toThrow(/api.noAuth/);
  });

  it("refuses Basic auth on a non-loopback listener without TLS unless api.allowPlaintext, and warns then (issue 8 #18)", () => {
    expect(() => loadServiceConfig({ env: { ...MINIMAL, IRONIC_COMPUTE_LISTEN: "0.0.0.0:8774" } })).toThrow(
      /api.tls: .*Basic auth on a non-loopback address .*api.allowPlaintext/,
    );
    expect(() => loadServiceConfig({ env: { ...MINIMAL, IRONIC_COMPUTE_LISTEN: "192.0.2.7:8774" } })).toThrow(ConfigError);
    const tls = loadServiceConfig({ env: { ...MINIMAL, IRONIC_COMPUTE_LISTEN: "0.0.0.0:8774" }, file: yamlFile("api: {tls: {certFile: /c.pem, keyFile: /k.pem}}\n") });
    expect(startupWarnings(tls)).toEqual([]);
    const plain = loadServiceConfig({ env: { ...MINIMAL, IRONIC_COMPUTE_LISTEN: "0.0.0.0:8774" }, file: yamlFile("api: {allowPlaintext: true}\n") });
    expect(plain.api.allowPlaintext).toBe(true);
    expect(startupWarnings(plain)).toEqual([expect.stringMatching(/passwords cross the network in clear text \(api.allowPlaintext\)/)]);
    // Loopback needs neither; the default stays off.
    const local = loadServiceConfig({ env: MINIMAL });
    expect(local.api.allowPlaintext).toBe(false);
    expect(startupWarnings(local)).toEqual([]);
  });

  it("has no default secrets: Ironic credentials and the bootstrap password come only from the operator", () => {
    expect(() => loadServiceConfig({ env: { ...MINIMAL, IRONIC_COMPUTE_IRONIC_USERNAME: "svc" } })).toThrow(ConfigError);
    expect(() => loadServiceConfig({ env: { ...MINIMAL, IRONIC_COMPUTE_IRONIC_USERNAME: "svc", IRONIC_COMPUTE_IRONIC_PASSWORD: "p", IRONIC_COMPUTE_IRONIC_TOKEN: "t" } })).toThrow(
      /not both/,
    );
    const bootstrap = yamlFile("bootstrapAdmin: {user: root}\n");
    expect(() => loadServiceConfig({ file: bootstrap, env: MINIMAL })).toThrow(/bootstrapAdmin.password/);
    expect(() => loadServiceConfig({ env: { ...MINIMAL, IRONIC_COMPUTE_BOOTSTRAP_ADMIN_PASSWORD: "short" } })).toThrow(/at least 12/);
    expect(loadServiceConfig({ env: { ...MINIMAL, IRONIC_COMPUTE_BOOTSTRAP_ADMIN_PASSWORD: "a-long-enough-secret" } }).bootstrapAdmin).toEqual({
      project: "admin",
      user: "admin",
      password: "a-long-enough-secret",
    });
  });

  it("refuses a bootstrap password bcrypt would truncate (over 72 bytes)", () => {
    expect(() => loadServiceConfig({ env: { ...MINIMAL, IRONIC_COMPUTE_BOOTSTRAP_ADMIN_PASSWORD: "x".repeat(73) } })).toThrow(/at most 72 bytes/);
    expect(loadServiceConfig({ env: { ...MINIMAL, IRONIC_COMPUTE_BOOTSTRAP_ADMIN_PASSWORD: "x".repeat(72) } }).bootstrapAdmin?.password).toHaveLength(72);
  });

  it("says what is missing", () => {
    expect(() => loadServiceConfig({ env: {} })).toThrow(/IRONIC_COMPUTE_IRONIC_URL[\s\S]*IRONIC_COMPUTE_DATABASE_URL/);
  });

  it("error messages never contain secret values", () => {
    const file = yamlFile("ironic: {url: 'not a url', auth: {type: token, token: tok-secret-value}}\ndatabase: {kind: sqlite, path: /tmp/x}\n");
    let message = "";
    try {
      loadServiceConfig({ file, env: {} });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      message = error.message;
    }
    expect(message).toContain("ironic.url");
    expect(message).not.toContain("tok-secret-value");
  });

  it("parses listen addresses, database URLs and loopback hosts", () => {
    expect(parseListen("10.0.0.5:80")).toEqual({ host: "10.0.0.5", port: 80 });
    expect(parseListen("[::1]:8774")).toEqual({ host: "::1", port: 8774 });
    expect(() => parseListen("8774")).toThrow(ConfigError);
    expect(parseDatabaseUrl("postgresql://u@h/d")).toEqual({ kind: "postgres", url: "postgresql://u@h/d" });
    expect(parseDatabaseUrl("sqlite:///var/db.sqlite")).toEqual({ kind: "sqlite", path: "/var/db.sqlite" });
    expect(["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"].every(isLoopback)).toBe(true);
    expect(["0.0.0.0", "10.0.0.1", "::", "example.com", "128.0.0.1"].some(isLoopback)).toBe(false);
  });
});
