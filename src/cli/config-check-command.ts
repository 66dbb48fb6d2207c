// `ironic-compute config check FILE`: validates a configuration file as `serve`
// reads it (YAML or JSON, then the IRONIC_COMPUTE_* overrides) without starting
// anything. Valid: exit 0 and the effective configuration (defaults filled) as
// YAML with its secrets masked. Invalid: exit 1 and one `path: message` line per
// problem. No secret is printed on either path: values under a key the log's
// redaction calls sensitive (src/log/redact.ts), passwords inside URLs, and the
// IRONIC_COMPUTE_* secrets are registered and scrubbed from every line written.
import type { Command } from "commander";
import { stringify } from "yaml";
import { REDACTED, SecretRegistry, isSensitiveKey } from "../log/redact.js";
import { ConfigError, applyEnv, readConfigTree, validateServiceConfig } from "./config.js";

const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):([^@\s]+)@/i;

/** A URL's password replaced (postgres://user:***@host/db); other strings as they are. */
export function maskUrlPassword(text: string): string {
  return text.replace(URL_PASSWORD, "$1:***@");
}

/** Registers every secret the tree holds: strings under sensitive keys, URL passwords. */
function registerSecrets(value: unknown, registry: SecretRegistry, sensitive = false): void {
  if (typeof value === "string") {
    if (sensitive) registry.register(value);
    const password = URL_PASSWORD.exec(value)?.[2];
    if (password !== undefined) registry.register(password);
  } else if (Array.isArray(value)) {
    for (const item of value) registerSecrets(item, registry, sensitive);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, inner] of Object.entries(value)) registerSecrets(inner, registry, sensitive || isSensitiveKey(key));
  }
}

/**
 * The configuration safe to print. Only strings are masked: a number under a key
 * such as tokenTtlSeconds is a setting, not a secret.
 */
export function maskConfig(value: unknown, registry: SecretRegistry, sensitive = false): unknown {
  if (typeof value === "string") return sensitive ? REDACTED : registry.scrub(maskUrlPassword(value));
  if (Array.isArray(value)) return value.map((item: unknown) => maskConfig(item, registry, sensitive));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, maskConfig(inner, registry, sensitive || isSensitiveKey(key))]));
  }
  return value;
}

export interface CheckOutcome {
  ok: boolean;
  /** What goes to stdout (ok) or stderr (not ok), already masked. */
  text: string;
}

/** The check itself, pure but for reading `file`. */
export function checkConfigFile(file: string, env: Readonly<Record<string, string | undefined>>): CheckOutcome {
  const registry = new SecretRegistry();
  registerSecrets(env, registry);
  const safe = (text: string): string => registry.scrub(maskUrlPassword(text));
  let tree: Record<string, unknown>;
  try {
    const fromFile = readConfigTree(file);
    registerSecrets(fromFile, registry);
    tree = applyEnv(fromFile, env);
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, text: `${safe(error.message)}\n` };
    throw error;
  }
  registerSecrets(tree, registry);
  const result = validateServiceConfig(tree);
  if (result.problems !== undefined) {
    return { ok: false, text: `${file}: invalid configuration, ${result.problems.length} problem(s):\n${result.problems.map((line) => `${safe(line)}\n`).join("")}` };
  }
  return { ok: true, text: `# ${file}: valid; the effective configuration (defaults filled, secrets masked):\n${stringify(maskConfig(result.config, registry))}` };
}

export function registerConfigCommands(program: Command): void {
  program
    .command("config")
    .description("the service configuration")
    .command("check")
    .description("validate FILE as `serve` reads it (plus IRONIC_COMPUTE_* variables); print the effective configuration, secrets masked")
    .argument("<file>", "YAML or JSON configuration file")
    .action((file: string) => {
      const outcome = checkConfigFile(file, process.env);
      (outcome.ok ? process.stdout : process.stderr).write(outcome.text);
      if (!outcome.ok) process.exitCode = 1;
    });
}
