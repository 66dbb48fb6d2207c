// The configuration of `ironic-compute serve`: a YAML file (--config FILE or
// IRONIC_COMPUTE_CONFIG) with environment overrides, validated by ONE schema.
// Unknown keys are errors; no secret has a default; unsafe combinations refuse
// to start (S10, S12): auth "none" off loopback, TLS half-configured.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { YAMLParseError, parse as parseYaml } from "yaml";
import { z } from "zod";
import { DEFAULT_LIST_CACHE_MIB } from "../api/answer-cache.js";
import { loginLimitsSchema } from "../api/login-limits.js";
import { computeConfigSchema } from "../compute/config.js";
import { HOST_ENTRY } from "../api/host-check.js";
import { driverConfigSchema } from "../driver/config.js";
import { ironicClientConfigSchema } from "../ironic/config.js";
import { tracingConfigSchema } from "./tracing-config.js";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const apiSchema = z
  .object({
    host: z.string().min(1).max(255).default("127.0.0.1").describe("Address the API listens on (non-loopback needs TLS or allowPlaintext with Basic auth)."),
    port: z.number().int().min(0).max(65_535).default(8774).describe("TCP port of the API (Nova's is 8774; 0 picks a free one)."),
    auth: z.enum(["basic", "none"]).default("basic").describe("How API callers authenticate: HTTP Basic / Keystone-style tokens, or none (loopback only)."),
    /** With auth "none": who every request acts as. */
    noAuth: z
      .object({
        projectId: z.string().min(1).max(255).describe("With auth none: the project every request acts in."),
        userName: z.string().min(1).max(64).default("noauth").describe("With auth none: the user name every request acts as."),
        role: z.enum(["admin", "member", "reader"]).default("admin").describe("With auth none: the role every request has."),
      })
      .strict()
      .optional(),
    tls: z.object({ certFile: z.string().min(1).describe("PEM certificate (chain) the API serves HTTPS with."), keyFile: z.string().min(1).describe("PEM private key of certFile (a secret file: keep it 0600).") }).strict().optional(),
    allowPlaintext: z.boolean().default(false).describe("Basic auth over plain HTTP on a non-loopback address (passwords in clear): refused unless set, e.g. behind a TLS-terminating proxy; warned at start."),
    authCacheTtlMs: z.number().int().min(0).max(300_000).default(10_000).describe("How long a successful Basic check is reused."),
    listCacheMiB: z.number().int().min(0).max(1_024).default(DEFAULT_LIST_CACHE_MIB).describe("Memory for whole server-list answers, kept while nothing they show changed (the database's view version); 0 turns it off."),
    login: loginLimitsSchema.prefault({}).describe("Failed Basic logins: limits per client and per user (429 + Retry-After), the negative cache."),
    metricsPublic: z.boolean().default(false).describe("GET /metrics without credentials (otherwise admin Basic auth); loopback listeners only."),
    /**
     * The URL clients reach the service at (e.g. behind a proxy). Links,
     * Location and /openapi.json are built from it instead of the Host header.
     */
    publicUrl: z
      .string()
      .max(2_048)
      .refine(isPublicUrl, "must be an http(s) URL without credentials, query or fragment, e.g. https://compute.example.com or https://proxy/compute")
      .optional()
      .describe("The URL clients reach the service at behind a proxy: links, Location and /openapi.json use it, not the Host header."),
    region: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be 1-64 letters, digits and ._-").default("RegionOne").describe("The region the identity API's service catalog names (clients that name a region must match it)."),
    allowedHosts: z.array(z.string().regex(HOST_ENTRY, "must be a host name or host:port")).max(64).optional().describe("Host names (\"name\", any port) or \"name:port\" accepted in the Host header besides the defaults (listen address, localhost, 127.0.0.1, [::1] with the port, publicUrl's host). The check runs when auth is \"none\" or metrics are public, i.e. whenever a request may need no credentials."),
  })
  .strict();

function isPublicUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.username === "" && url.password === "" && url.search === "" && url.hash === "" && !/[?#]/.test(text);
  } catch (error) {
    if (error instanceof TypeError) return false;
    throw error;
  }
}

const databaseSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("sqlite").describe("Which database: sqlite (one process) or postgres (one or more)."), path: z.string().min(1).describe("SQLite database file (created at first start; one process only).") }).strict(),
  z.object({ kind: z.literal("postgres"), url: z.string().regex(/^postgres(ql)?:\/\//, "a postgres:// URL").describe("PostgreSQL connection URL (several serve processes may share it); its password is a secret.") }).strict(),
]);

/** Creates this admin (and its project) on first start when it does not exist. */
const bootstrapSchema = z
  .object({
    project: z.string().min(1).max(64).default("admin").describe("The bootstrap admin's project, created with it."),
    user: z.string().min(1).max(64).default("admin").describe("The admin user created at first start when it does not exist."),
    password: z
      .string()
      .min(12, "the bootstrap admin password needs at least 12 characters").describe("Its password (a secret: prefer IRONIC_COMPUTE_BOOTSTRAP_ADMIN_PASSWORD); used only when the user is created.")
      .refine((password) => Buffer.byteLength(password, "utf8") <= 72, "the bootstrap admin password is at most 72 bytes (bcrypt ignores the rest)"),
  })
  .strict();

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) return bare === "::1" || bare === "0:0:0:0:0:0:0:1";
  return false;
}

/** Basic auth on plain HTTP that other hosts can reach. */
function exposesPlaintextPasswords(api: { auth: "basic" | "none"; host: string; tls?: unknown }): boolean {
  return api.auth === "basic" && api.tls === undefined && !isLoopback(api.host);
}

export const serviceConfigSchema = z
  .object({
    ironic: ironicClientConfigSchema,
    driver: driverConfigSchema.prefault({}),
    compute: computeConfigSchema.prefault({}),
    api: apiSchema.prefault({}),
    database: databaseSchema,
    log: z
      .object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info").describe("Least severe log level written (JSON lines on stdout).") })
      .strict()
      .prefault({}),
    tracing: tracingConfigSchema.prefault({}).describe("OpenTelemetry traces (docs/observability.md): off unless otlpEndpoint is set."),
    bootstrapAdmin: bootstrapSchema.optional(),
    secrets: z
      .object({
        keyFile: z
          .string()
          .min(1)
          .optional()
          .describe("File with the base64 32-byte key that seals the secrets the database keeps (CHAP secrets, a running task's passwords); owner-only (0600). Default for SQLite: secrets.key beside the database, created at first start; PostgreSQL: required, the same file on every worker."),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.database.kind === "postgres" && config.secrets.keyFile === undefined) {
      context.addIssue({
        code: "custom",
        path: ["secrets", "keyFile"],
        message: "a PostgreSQL database needs secrets.keyFile, the same key file on every worker (create one with: openssl rand -base64 32 > FILE; chmod 600 FILE)",
      });
    }
    if (config.api.auth === "none" && !isLoopback(config.api.host)) {
      context.addIssue({
        code: "custom",
        path: ["api", "auth"],
        message: `auth "none" is only allowed on a loopback address (127.0.0.1, ::1, localhost), not '${config.api.host}'`,
      });
    }
    if (config.api.metricsPublic && !isLoopback(config.api.host)) {
      context.addIssue({
        code: "custom",
        path: ["api", "metricsPublic"],
        message: `unauthenticated metrics are only allowed on a loopback address (127.0.0.1, ::1, localhost), not '${config.api.host}'`,
      });
    }
    if (exposesPlaintextPasswords(config.api) && !config.api.allowPlaintext) {
      context.addIssue({
        code: "custom",
        path: ["api", "tls"],
        message:
          `Basic auth on a non-loopback address ('${config.api.host}') without TLS would send passwords in clear text: ` +
          "set api.tls {certFile, keyFile}, or api.allowPlaintext: true if a TLS-terminating proxy is in front",
      });
    }
    if (config.api.auth === "none" && config.api.noAuth === undefined) {
      context.addIssue({ code: "custom", path: ["api", "noAuth"], message: 'auth "none" needs api.noAuth.projectId: the project every request acts in' });
    }
  });

export type ServiceConfig = z.output<typeof serviceConfigSchema>;

/** What `serve` warns about at start: allowed, but unsafe unless the operator knows why. */
export function startupWarnings(config: ServiceConfig): string[] {
  const warnings: string[] = [];
  if (config.ironic.tls.insecure) warnings.push("TLS certificate verification towards Ironic is DISABLED (ironic.tls.insecure)");
  if (config.api.auth === "none") warnings.push("the API has NO authentication (loopback only)");
  if (exposesPlaintextPasswords(config.api)) {
    warnings.push(`Basic auth on ${config.api.host} without TLS: passwords cross the network in clear text (api.allowPlaintext)`);
  }
  return warnings;
}

type Env = Readonly<Record<string, string | undefined>>;
type Tree = Record<string, unknown>;

function branch(tree: Tree, key: string): Tree {
  const existing = tree[key];
  if (typeof existing === "object" && existing !== null && !Array.isArray(existing)) return existing as Tree;
  const created: Tree = {};
  tree[key] = created;
  return created;
}

/** `host:port` or `[v6]:port`. */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[3]);
  const host = match?.[1] ?? match?.[2];
  if (host === undefined || !Number.isInteger(port) || port > 65_535) {
    throw new ConfigError(`IRONIC_COMPUTE_LISTEN must be host:port (e.g. 127.0.0.1:8774 or [::1]:8774), not '${value}'`);
  }
  return { host, port };
}

/** A postgres:// URL, or a SQLite file path (optionally as sqlite:///path). */
export function parseDatabaseUrl(value: string): { kind: "postgres"; url: string } | { kind: "sqlite"; path: string } {
  if (/^postgres(ql)?:\/\//.test(value)) return { kind: "postgres", url: value };
  const path = value.replace(/^sqlite:\/\//, "");
  if (path === "") throw new ConfigError("IRONIC_COMPUTE_DATABASE_URL is empty");
  return { kind: "sqlite", path };
}

/** Which IRONIC_COMPUTE_* variable overrides which key (applyEnv; docs/configuration.md lists them). */
export const ENV_OVERRIDES: Readonly<Record<string, string>> = {
  "ironic.url": "IRONIC_COMPUTE_IRONIC_URL",
  "ironic.auth.username": "IRONIC_COMPUTE_IRONIC_USERNAME",
  "ironic.auth.password": "IRONIC_COMPUTE_IRONIC_PASSWORD",
  "ironic.auth.token": "IRONIC_COMPUTE_IRONIC_TOKEN",
  "api.host": "IRONIC_COMPUTE_LISTEN",
  "api.port": "IRONIC_COMPUTE_LISTEN",
  "database.path": "IRONIC_COMPUTE_DATABASE_URL",
  "database.url": "IRONIC_COMPUTE_DATABASE_URL",
  "compute.workerId": "IRONIC_COMPUTE_WORKER_ID",
  "log.level": "IRONIC_COMPUTE_LOG_LEVEL",
  "bootstrapAdmin.password": "IRONIC_COMPUTE_BOOTSTRAP_ADMIN_PASSWORD",
  "secrets.keyFile": "IRONIC_COMPUTE_SECRETS_KEY_FILE",
};

/** Applies the IRONIC_COMPUTE_* environment variables over the file's tree. */
export function applyEnv(tree: Tree, env: Env): Tree {
  const set = (value: string | undefined, apply: (value: string) => void): void => {
    if (value !== undefined && value !== "") apply(value);
  };
  set(env["IRONIC_COMPUTE_DATABASE_URL"], (value) => {
    tree["database"] = parseDatabaseUrl(value);
  });
  set(env["IRONIC_COMPUTE_IRONIC_URL"], (value) => {
    branch(tree, "ironic")["url"] = value;
  });
  const user = env["IRONIC_COMPUTE_IRONIC_USERNAME"];
  const password = env["IRONIC_COMPUTE_IRONIC_PASSWORD"];
  const token = env["IRONIC_COMPUTE_IRONIC_TOKEN"];
  if ((user ?? "") !== "" || (password ?? "") !== "") {
    if ((token ?? "") !== "") throw new ConfigError("set either IRONIC_COMPUTE_IRONIC_USERNAME/PASSWORD or IRONIC_COMPUTE_IRONIC_TOKEN, not both");
    if ((user ?? "") === "" || (password ?? "") === "") {
      throw new ConfigError("IRONIC_COMPUTE_IRONIC_USERNAME and IRONIC_COMPUTE_IRONIC_PASSWORD go together");
    }
    branch(tree, "ironic")["auth"] = { type: "http_basic", username: user, password };
  } else {
    set(token, (value) => {
      branch(tree, "ironic")["auth"] = { type: "token", token: value };
    });
  }
  set(env["IRONIC_COMPUTE_LISTEN"], (value) => {
    const { host, port } = parseListen(value);
    Object.assign(branch(tree, "api"), { host, port });
  });
  set(env["IRONIC_COMPUTE_WORKER_ID"], (value) => {
    branch(tree, "compute")["workerId"] = value;
  });
  set(env["IRONIC_COMPUTE_LOG_LEVEL"], (value) => {
    branch(tree, "log")["level"] = value;
  });
  set(env["IRONIC_COMPUTE_BOOTSTRAP_ADMIN_PASSWORD"], (value) => {
    branch(tree, "bootstrapAdmin")["password"] = value;
  });
  set(env["IRONIC_COMPUTE_SECRETS_KEY_FILE"], (value) => {
    branch(tree, "secrets")["keyFile"] = value;
  });
  return tree;
}

/** The file's tree, unvalidated (YAML, so JSON too). */
export function readConfigTree(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error) throw new ConfigError(`cannot read the config file ${file}: ${String(error.code)}`);
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    // Only the position: yaml's message quotes the offending line, which may hold a secret.
    if (error instanceof YAMLParseError) {
      const at = error.linePos?.[0];
      throw new ConfigError(`${file} is not valid YAML${at === undefined ? "" : ` at line ${at.line}, column ${at.col}`} (${error.code})`);
    }
    throw error;
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) throw new ConfigError(`${file} must hold a YAML mapping`);
  return parsed as Tree;
}

const MISSING_HINTS: Readonly<Record<string, string>> = {
  ironic: "missing: set ironic.url in the file or IRONIC_COMPUTE_IRONIC_URL",
  "ironic.url": "missing: set ironic.url in the file or IRONIC_COMPUTE_IRONIC_URL",
  database: "missing: set database in the file or IRONIC_COMPUTE_DATABASE_URL (postgres://… or a SQLite file path)",
};

/** Validates a merged tree: the configuration, or one `path: message` line per problem. */
export function validateServiceConfig(tree: Tree): { config: ServiceConfig; problems?: undefined } | { config?: undefined; problems: string[] } {
  const result = serviceConfigSchema.safeParse(tree);
  if (result.success) return { config: result.data };
  return {
    problems: result.error.issues.map((issue) => {
      const path = issue.path.join(".");
      const hint = issue.code === "invalid_type" && issue.input === undefined ? MISSING_HINTS[path] : undefined;
      return `${path || "(top level)"}: ${hint ?? issue.message}`;
    }),
  };
}

/** Loads, merges and validates; throws ConfigError with every problem listed. */
export function loadServiceConfig(options: { file?: string; env?: Env }): ServiceConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env["IRONIC_COMPUTE_CONFIG"];
  const tree = applyEnv(file === undefined || file === "" ? {} : readConfigTree(file), env);
  const result = validateServiceConfig(tree);
  if (result.problems !== undefined) {
    const lines = result.problems.map((problem) => `  - ${problem}`);
    throw new ConfigError(`invalid configuration${file === undefined ? "" : ` (${file})`}; refusing to start:\n${lines.join("\n")}`);
  }
  return result.config;
}
