// Server groups on bare metal (issue 11 #4): every server is its own host, so
// the policies act on failure domains — the node itself by default, or what
// an operator names: a node `properties` key (a rack), the conductor group, or
// a trait prefix (CUSTOM_RACK_). Pure decisions, tested as tables; the store
// makes a reservation atomic (store.serverGroups.reserveDomain) and the
// scheduler tries nodes in the order `arrange` gives.
import { z } from "zod";
import type { CachedNode } from "../driver/availability.js";
import type { ServerGroupPolicy, ServerGroupRecord } from "../store/records.js";

export type FailureDomainKey =
  | { kind: "node" }
  | { kind: "conductor_group" }
  | { kind: "property"; key: string }
  | { kind: "trait"; prefix: string };

/** The config's spelling: `node`, `conductor_group`, `property:<key>`, `trait:<PREFIX>`. */
export const failureDomainSetting = z
  .string()
  .regex(
    /^(node|conductor_group|property:[A-Za-z0-9_.-]{1,255}|trait:[A-Z0-9_]{1,255})$/,
    "node, conductor_group, property:<properties key> or trait:<trait prefix>",
  );

/** The key a (validated) setting names. */
export function failureDomainKey(setting: string): FailureDomainKey {
  const text = failureDomainSetting.parse(setting);
  if (text === "node" || text === "conductor_group") return { kind: text };
  const colon = text.indexOf(":");
  const rest = text.slice(colon + 1);
  return text.startsWith("property:") ? { kind: "property", key: rest } : { kind: "trait", prefix: rest };
}

export function describeKey(key: FailureDomainKey): string {
  switch (key.kind) {
    case "node":
      return "the node";
    case "conductor_group":
      return "the conductor group";
    case "property":
      return `node property '${key.key}'`;
    case "trait":
      return `the node's ${key.prefix}* trait`;
  }
}

/**
 * The failure domain of `node` under `key`; null when the node does not say
 * (no such property, no trait or two of them): such a node cannot take a group
 * member, since nothing tells which members it would share a domain with.
 */
export function failureDomainOf(node: Pick<CachedNode, "uuid" | "conductor_group" | "properties" | "traits">, key: FailureDomainKey): string | null {
  switch (key.kind) {
    case "node":
      return node.uuid;
    case "conductor_group":
      return node.conductor_group;
    case "property": {
      const value = node.properties[key.key];
      return typeof value === "string" && value !== "" ? value : typeof value === "number" ? String(value) : null;
    }
    case "trait": {
      const matches = node.traits.filter((trait) => trait.startsWith(key.prefix));
      return matches.length === 1 ? (matches[0] ?? null) : null;
    }
  }
}

export type GroupRules = Pick<ServerGroupRecord, "policy" | "maxServerPerHost">;

const isHard = (policy: ServerGroupPolicy): boolean => policy === "affinity" || policy === "anti-affinity";

/** Whether a member may take `domain` while the other members hold `held` (one entry per member). */
export function admits(rules: GroupRules, held: readonly string[], domain: string): boolean {
  switch (rules.policy) {
    case "affinity":
      return held.every((other) => other === domain);
    case "anti-affinity":
      return held.filter((other) => other === domain).length < (rules.maxServerPerHost ?? 1);
    case "soft-affinity":
    case "soft-anti-affinity":
      return true;
  }
}

/**
 * The options to try, in order: those a hard policy refuses are left out; a
 * soft policy orders by how many members share the domain (most first for
 * soft-affinity, fewest for soft-anti-affinity), keeping the given order
 * (random, from the scheduler) among equals.
 */
export function arrange<T extends { domain: string }>(rules: GroupRules, held: readonly string[], options: readonly T[]): T[] {
  if (isHard(rules.policy)) return options.filter((option) => admits(rules, held, option.domain));
  const sharing = (option: T) => held.filter((other) => other === option.domain).length;
  const sign = rules.policy === "soft-affinity" ? -1 : 1;
  return options
    .map((option, index) => ({ option, index, weight: sign * sharing(option) }))
    .sort((a, b) => a.weight - b.weight || a.index - b.index)
    .map(({ option }) => option);
}
