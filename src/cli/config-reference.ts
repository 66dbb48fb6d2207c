// The configuration reference (docs/configuration.md), generated from the one
// schema `serve` validates with (serviceConfigSchema) so that it cannot drift:
// `npm run docs:config` writes it, test/cli/config-reference.test.ts fails when
// the file differs from what this renders. Pure: schema in, Markdown out.
//
// It walks zod 4's JSON Schema of the INPUT side (what an operator writes;
// transforms such as compute's quota alias do not change the keys).
import { z } from "zod";
import { ENV_OVERRIDES, serviceConfigSchema } from "./config.js";

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
}

/** One documented key: a leaf of the configuration tree. */
export interface ConfigKey {
  path: string;
  type: string;
  required: boolean;
  default?: unknown;
  allowed: string;
  description: string;
  /** "when ironic.auth.type is http_basic": keys that exist in one variant only. */
  when: string[];
  env?: string;
}

function typeOf(node: JsonSchema): string {
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.enum !== undefined) return "enum";
  if (node.type === "array") return `list of ${node.items === undefined ? "any" : typeOf(node.items)}`;
  if (node.type === "object") return "map";
  if (node.anyOf !== undefined || node.oneOf !== undefined) return [...(node.anyOf ?? node.oneOf ?? [])].map(typeOf).join(" or ");
  if (Array.isArray(node.type)) return node.type.join(" or ");
  return node.type ?? "any";
}

function allowedOf(node: JsonSchema): string {
  const parts: string[] = [];
  if (node.enum !== undefined) parts.push(node.enum.map((value) => `\`${String(value)}\``).join(", "));
  if (node.minimum !== undefined || node.maximum !== undefined) parts.push(`${node.minimum ?? "…"}–${node.maximum ?? "…"}`);
  if (node.minLength !== undefined || node.maxLength !== undefined) parts.push(`${node.minLength ?? 0}–${node.maxLength ?? "…"} characters`);
  if (node.minItems !== undefined || node.maxItems !== undefined) parts.push(`${node.minItems ?? 0}–${node.maxItems ?? "…"} items`);
  if (node.format !== undefined) parts.push(node.format === "uri" ? "URL" : node.format);
  if (node.pattern !== undefined) parts.push(`matches \`${node.pattern}\``);
  if (node.type === "array" && node.items !== undefined) {
    const inner = allowedOf(node.items);
    if (inner !== "") parts.push(`each: ${inner}`);
  }
  if (node.type === "object" && node.propertyNames !== undefined) {
    const keys = allowedOf(node.propertyNames);
    if (keys !== "") parts.push(`keys: ${keys}`);
  }
  if (node.type === "object" && typeof node.additionalProperties === "object") {
    const values = allowedOf(node.additionalProperties);
    if (values !== "") parts.push(`values: ${values}`);
  }
  return parts.join("; ");
}

/** The variants of a discriminated union of objects, or undefined. */
function objectVariants(node: JsonSchema): JsonSchema[] | undefined {
  const variants = node.oneOf ?? node.anyOf;
  if (variants === undefined || !variants.every((variant) => variant.type === "object" && variant.properties !== undefined)) return undefined;
  return variants;
}

function collect(node: JsonSchema, path: string, required: boolean, when: string[], into: ConfigKey[]): void {
  const variants = objectVariants(node);
  if (variants !== undefined) {
    for (const variant of variants) {
      const discriminator = Object.entries(variant.properties ?? {}).find(([, property]) => property.const !== undefined);
      const condition = discriminator === undefined ? [] : [`${path}.${discriminator[0]} is \`${String(discriminator[1].const)}\``];
      collectObject(variant, path, [...when, ...condition], into, node.default);
    }
    return;
  }
  if (node.type === "object" && node.properties !== undefined) {
    collectObject(node, path, when, into, node.default);
    return;
  }
  into.push({
    path,
    type: typeOf(node),
    required: required && node.default === undefined,
    ...(node.default === undefined ? {} : { default: node.default }),
    allowed: allowedOf(node),
    description: node.description ?? "",
    when,
  });
}

function collectObject(node: JsonSchema, path: string, when: string[], into: ConfigKey[], parentDefault: unknown): void {
  const required = new Set(parentDefault === undefined ? (node.required ?? []) : []);
  for (const [key, property] of Object.entries(node.properties ?? {})) {
    // A key without a default of its own takes its part of the parent's (ironic.auth's { type: none }).
    const inherited = typeof parentDefault === "object" && parentDefault !== null ? (parentDefault as Record<string, unknown>)[key] : undefined;
    const withDefault = property.default === undefined && inherited !== undefined ? { ...property, default: inherited } : property;
    collect(withDefault, path === "" ? key : `${path}.${key}`, required.has(key), when, into);
  }
}

/** Every leaf key of the service configuration, variants merged (a key in several variants is one row). */
export function configKeys(): ConfigKey[] {
  const json = z.toJSONSchema(serviceConfigSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const keys: ConfigKey[] = [];
  collect(json, "", true, [], keys);
  const merged = new Map<string, ConfigKey>();
  for (const key of keys) {
    const seen = merged.get(key.path);
    if (seen === undefined) {
      const env = ENV_OVERRIDES[key.path];
      merged.set(key.path, { ...key, ...(env === undefined ? {} : { env }) });
    } else {
      // The discriminator itself (e.g. database.kind) appears in every variant.
      seen.type = seen.type === key.type ? seen.type : `${seen.type} or ${key.type}`;
      seen.when = seen.when.length === 0 || key.when.length === 0 ? [] : [...seen.when, ...key.when];
    }
  }
  for (const key of merged.values()) {
    // A key present in every variant (the discriminator) is not conditional.
    if (key.type.includes(" or ") && key.type.startsWith('"')) key.when = [];
  }
  return [...merged.values()];
}

function envRows(): string[] {
  const byVariable = new Map<string, string[]>();
  for (const [path, env] of Object.entries(ENV_OVERRIDES)) byVariable.set(env, [...(byVariable.get(env) ?? []), path]);
  return [...byVariable].map(([env, paths]) => `| \`${env}\` | ${paths.map((path) => `\`${path}\``).join(", ")} |`);
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function defaultText(key: ConfigKey): string {
  if (key.default === undefined) return key.required ? "**required**" : "—";
  return `\`${JSON.stringify(key.default)}\``;
}

/** docs/configuration.md. */
export function renderConfigReference(): string {
  const keys = configKeys();
  const sections = new Map<string, ConfigKey[]>();
  for (const key of keys) {
    const top = key.path.split(".")[0] ?? key.path;
    sections.set(top, [...(sections.get(top) ?? []), key]);
  }
  const lines = [
    "# Configuration reference",
    "",
    "<!-- Generated by `npm run docs:config` from src/cli/config.ts's schema (src/cli/config-reference.ts); do not edit. -->",
    "",
    "`ironic-compute serve` reads one YAML (or JSON) file, `--config FILE` or `$IRONIC_COMPUTE_CONFIG`,",
    "then applies the environment overrides below, and validates the result against one schema:",
    "unknown keys, values out of range and unsafe combinations refuse to start.",
    "`ironic-compute config check FILE` does the same and prints the effective configuration with",
    "its secrets masked. Durations are in the unit their name ends with (`Ms`: milliseconds, `Seconds`).",
    "",
    "## Environment overrides",
    "",
    "| variable | sets |",
    "|---|---|",
    ...envRows(),
    "",
    "`IRONIC_COMPUTE_LISTEN` is `host:port` or `[v6]:port`. `IRONIC_COMPUTE_DATABASE_URL` is a `postgres://` URL",
    "(`kind: postgres`) or a SQLite file path, optionally `sqlite://PATH` (`kind: sqlite`); it replaces the whole `database`.",
    "IRONIC_COMPUTE_IRONIC_USERNAME and _PASSWORD set `ironic.auth` to `http_basic` together; `IRONIC_COMPUTE_IRONIC_TOKEN`",
    "sets it to `token`; both at once are refused.",
    "",
  ];
  for (const [section, rows] of sections) {
    lines.push(`## \`${section}\``, "", "| key | type | default | allowed | env | description |", "|---|---|---|---|---|---|");
    for (const key of rows) {
      const description = [key.description, ...(key.when.length === 0 ? [] : [`(only when ${key.when.join(" or ")})`])].filter((part) => part !== "").join(" ");
      lines.push(
        `| \`${key.path}\` | ${cell(key.type)} | ${cell(defaultText(key))} | ${cell(key.allowed)} | ${key.env === undefined ? "" : `\`${key.env}\``} | ${cell(description)} |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}
