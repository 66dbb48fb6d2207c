// What a node offers the scheduler (S5): one unit of its resource class, its
// traits, and its parsed properties.
//
// Ironic stores `properties` as free JSON and older tooling writes numbers as
// strings, so every value is parsed strictly here. A value we cannot read is
// never guessed (no NaN, no float, no negative): it becomes 0, is logged, and
// makes the node unschedulable until an operator fixes it.

import type { Logger } from "../log/logger.js";
import { availability, isUsed, type CachedNode } from "./availability.js";

/** int32 max: Placement stores inventory in 32-bit integer columns. */
const MAX_PROPERTY = 2 ** 31 - 1;

/**
 * Placement's custom resource class name for Ironic's `resource_class`: every run
 * of characters outside [0-9A-Za-z] becomes one `_`, then upper-case (in that
 * order, as Nova does), then the `CUSTOM_` prefix.
 *
 * Deliberate difference from Nova: Nova prefixes unconditionally, so an operator
 * who already wrote `CUSTOM_GOLD` gets `CUSTOM_CUSTOM_GOLD`, a classic trap. We do
 * not add the prefix to a name that already starts with `CUSTOM_` after
 * normalization. (A deployment migrating flavors from Nova that relied on the
 * doubled name must drop one prefix.) A name with nothing left after the prefix
 * (`""`) is not a valid Placement name and gives null, like no class at all.
 */
export function normalizeResourceClass(rc: string | null): string | null {
  if (rc === null) return null;
  const upper = rc.replace(/[^0-9A-Za-z]+/g, "_").toUpperCase();
  const name = upper.startsWith("CUSTOM_") ? upper : `CUSTOM_${upper}`;
  return name === "CUSTOM_" ? null : name;
}

export interface NodeProperties {
  cpus: number;
  memoryMb: number;
  localGb: number;
  /** Canonical architecture name, or null when missing or unusable. */
  cpuArch: string | null;
  capabilities: Record<string, string>;
  /** One entry per rejected numeric property; non-empty = not schedulable. */
  problems: string[];
}

const NUMERIC_PROPERTIES = [
  ["cpus", "cpus"],
  ["memory_mb", "memoryMb"],
  ["local_gb", "localGb"],
] as const;

/** Parses the properties the driver uses; `node` is the node's UUID, for logs. */
export function parseProperties(properties: Record<string, unknown>, log: Logger, node: string): NodeProperties {
  const out: NodeProperties = { cpus: 0, memoryMb: 0, localGb: 0, cpuArch: null, capabilities: {}, problems: [] };
  for (const [key, field] of NUMERIC_PROPERTIES) {
    // A missing property is normal (scheduling uses the resource class), so 0
    // without complaint; a present but unreadable one is an operator error.
    if (!Object.hasOwn(properties, key)) continue;
    const value = properties[key];
    const parsed = parseCount(value);
    if (parsed === null) {
      const problem = `${key} must be an integer from 0 to ${MAX_PROPERTY}, got ${preview(value)}`;
      log.warn({ node, property: key, value: preview(value) }, `node property ${problem}; using 0`);
      out.problems.push(problem);
    } else {
      out[field] = parsed;
    }
  }
  out.cpuArch = canonicalArch(properties["cpu_arch"], log, node);
  out.capabilities = parseCapabilities(properties["capabilities"], log, node);
  return out;
}

/**
 * A non-negative int32 given as a JSON integer or a string of decimal digits.
 * Refused: signs, blanks, decimals, exponents, hex, booleans, NaN/Infinity. Python's
 * `int()` (Nova) would take " 8 ", "+8" and `True`; we do not guess. Leading zeros
 * ("08") are plain decimal and accepted. A JSON `1e3` is the number 1000 once
 * parsed and cannot be told apart, so only the string form is refused.
 */
function parseCount(value: unknown): number | null {
  let n: number;
  if (typeof value === "number") {
    n = value;
  } else if (typeof value === "string" && /^[0-9]+$/.test(value)) {
    n = Number(value);
  } else {
    return null;
  }
  if (!Number.isInteger(n) || n < 0 || n > MAX_PROPERTY) return null;
  return n === 0 ? 0 : n; // folds -0 into 0
}

const ARCH_ALIASES: Readonly<Record<string, string>> = {
  i386: "i686",
  i486: "i686",
  i586: "i686",
  x86_32: "i686",
  x86_32p: "i686",
  amd64: "x86_64",
};

/** Lower-cased, aliases folded; anything but [a-z0-9_] is unusable (null). */
function canonicalArch(value: unknown, log: Logger, node: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") {
    const lower = value.toLowerCase();
    const arch = Object.hasOwn(ARCH_ALIASES, lower) ? ARCH_ALIASES[lower] ?? lower : lower;
    if (/^[a-z0-9_]{1,32}$/.test(arch)) return arch;
  }
  // Only informational for the scheduler, so a warning, not a problem.
  log.warn({ node, property: "cpu_arch", value: preview(value) }, "node property cpu_arch is not a valid architecture name; ignored");
  return null;
}

/**
 * `capabilities` as Ironic writes it, `"k:v,k2:v2"`, or as a JSON object of
 * strings. An item counts only with exactly one `:` and both sides non-empty; the
 * key is trimmed, the value kept as is (both like Nova). Empty items (a trailing
 * comma) are skipped quietly; other malformed items are logged and ignored.
 * The result is built with `Object.fromEntries` so a key like `__proto__` is an
 * ordinary own key, not a prototype change.
 */
function parseCapabilities(value: unknown, log: Logger, node: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const entries = new Map<string, string>();
  const malformed = (item: unknown): void => {
    log.warn({ node, capability: preview(item) }, "ignoring malformed node capability; the format is key:value");
  };
  if (typeof value === "string") {
    for (const item of value.split(",")) {
      if (item.trim() === "") continue;
      const parts = item.split(":");
      const [rawKey, val] = parts;
      const key = rawKey?.trim();
      if (parts.length !== 2 || key === undefined || key === "" || val === undefined || val === "") {
        malformed(item);
        continue;
      }
      entries.set(key, val);
    }
  } else if (typeof value === "object" && !Array.isArray(value)) {
    for (const [rawKey, val] of Object.entries(value as Record<string, unknown>)) {
      const key = rawKey.trim();
      if (key === "" || typeof val !== "string" || val === "") {
        malformed({ [rawKey]: val });
        continue;
      }
      entries.set(key, val);
    }
  } else {
    malformed(value);
  }
  return Object.fromEntries(entries);
}

/** A short, escaped rendering of a property value for logs and reasons. */
function preview(value: unknown): string {
  let text: string;
  if (value === undefined) text = "undefined";
  else if (typeof value === "number" && !Number.isFinite(value)) text = String(value);
  else text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

export interface NodeInventory {
  resourceClass: string | null;
  total: 1;
  /** 1 while the node is unavailable or has an instance (Nova 27+ rule). */
  reserved: 0 | 1;
  traits: string[];
  properties: NodeProperties;
  schedulable: boolean;
  /** Why the node is not schedulable (set exactly when `schedulable` is false). */
  reason?: string;
}

/**
 * The inventory of one cached node. Reserved while unavailable or used, so the
 * node stays out of Placement between the end of an instance and the end of
 * cleaning (Nova bug 1974070). Not schedulable when reserved, without a resource
 * class, or with unreadable properties; the reason is returned and logged by the
 * caller's periodic report, except unknown states, which are logged here (S6).
 */
export function nodeInventory(node: CachedNode, log: Logger): NodeInventory {
  const properties = parseProperties(node.properties, log, node.uuid);
  const resourceClass = normalizeResourceClass(node.resource_class);
  const state = availability(node);
  const used = isUsed(node);
  if (node.unknown_states !== undefined) {
    log.warn({ node: node.uuid, unknown_states: node.unknown_states }, "node reports a state this service does not know; treated as unavailable");
  }

  let reason: string | undefined;
  if (!state.available) reason = state.reason;
  else if (used) reason = "the node has an instance";
  else if (resourceClass === null) reason = "the node has no resource class";
  else if (properties.problems.length > 0) reason = `invalid node properties: ${properties.problems.join("; ")}`;

  const inventory: NodeInventory = {
    resourceClass,
    total: 1,
    reserved: !state.available || used ? 1 : 0,
    traits: [...node.traits],
    properties,
    schedulable: reason === undefined,
  };
  if (reason !== undefined) inventory.reason = reason;
  return inventory;
}
