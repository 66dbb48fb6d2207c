// The node as ironic-compute sees it: Ironic's own field names (so a reader can
// match them with Ironic's API reference and with JSON-patch paths), each field
// validated, states turned into closed types (S6, S7).
//
// Callers ask for the fields they read (`fields=`), and get a type with exactly
// those fields: `NodeView<"uuid" | "power_state">`. A requested field missing
// from the answer is an invalid response, never a silent `undefined`.

import { z } from "zod";
import { jsonObjectSchema } from "./json-object.js";
import type { Feature } from "./microversion.js";
import {
  toPowerState,
  toProvisionState,
  toTargetPowerState,
  toTargetProvisionState,
  type PowerState,
  type ProvisionState,
  type TargetPowerState,
} from "./states.js";

/** 8-4-4-4-12 hex; Ironic and we only ever produce this form. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const uuidSchema = z.string().regex(UUID_PATTERN, "not a UUID");

const jsonObject = jsonObjectSchema;
/** Ironic answers `{}` for an empty dict but older records may hold null. */
const dictOrEmpty = jsonObject.nullable().transform((value) => value ?? {});
const nullableString = z.string().nullable();

/** One schema per node field. Key order is the order of `ALL_NODE_FIELDS`. */
const nodeFieldSchemas = {
  uuid: uuidSchema,
  name: nullableString,
  instance_uuid: nullableString,
  instance_info: dictOrEmpty,
  properties: dictOrEmpty,
  extra: dictOrEmpty,
  driver: z.string(),
  power_state: nullableString,
  target_power_state: nullableString,
  provision_state: z.string(),
  target_provision_state: nullableString,
  provision_updated_at: nullableString,
  last_error: nullableString,
  maintenance: z.boolean(),
  maintenance_reason: nullableString,
  fault: nullableString,
  console_enabled: z.boolean(),
  resource_class: nullableString,
  traits: z.array(z.string()).nullable().transform((value) => value ?? []),
  conductor_group: z.string().nullable().transform((value) => value ?? ""),
  conductor: nullableString,
  owner: nullableString,
  lessee: nullableString,
  description: nullableString,
  allocation_uuid: nullableString,
  protected: z.boolean(),
  retired: z.boolean().nullable().transform((value) => value ?? false),
  network_interface: nullableString,
  storage_interface: nullableString,
  rescue_interface: nullableString,
  deploy_interface: nullableString,
  /** The deploy step running now (`{interface, step, priority, args}`), `{}` when none. */
  deploy_step: jsonObject.nullable().transform((value) => value ?? {}),
  shard: nullableString,
  created_at: nullableString,
  updated_at: nullableString,
} as const;

type NodeFieldSchemas = typeof nodeFieldSchemas;
export type NodeField = keyof NodeFieldSchemas;

/** Fields that only exist from some microversion on. */
export const NODE_FIELD_FEATURE: Partial<Record<NodeField, Feature>> = {
  lessee: "lessee",
  retired: "retired",
  shard: "shard",
};

export const ALL_NODE_FIELDS = Object.keys(nodeFieldSchemas) as NodeField[];

/**
 * Ironic 21.4 quirks, checked against a real server: `created_at`/`updated_at`
 * are refused in `fields=` (400) and only come with a full GET; `conductor` and
 * `allocation_uuid` work in a single-node GET but make the list endpoint fail
 * with 500. The types below keep callers from asking for them where they break.
 */
export type UnselectableNodeField = "created_at" | "updated_at";
export type UnlistableNodeField = UnselectableNodeField | "conductor" | "allocation_uuid";
export type SelectableNodeField = Exclude<NodeField, UnselectableNodeField>;
export type ListableNodeField = Exclude<NodeField, UnlistableNodeField>;

type StateField = "power_state" | "target_power_state" | "provision_state" | "target_provision_state";
interface TypedStates {
  power_state: PowerState;
  target_power_state: TargetPowerState;
  provision_state: ProvisionState;
  target_provision_state: ProvisionState | null;
}

type RawNode = { [K in NodeField]: z.output<NodeFieldSchemas[K]> };

/** A node with every field. */
export type Node = Omit<RawNode, StateField> &
  TypedStates & {
    /** Raw text of states that were not recognized, for logs (S6). */
    unknown_states?: Partial<Record<StateField, string>>;
  };

/** A node with only the fields `F` (plus `uuid`, always sent by Ironic). */
export type NodeView<F extends NodeField> = Pick<Node, F | "uuid" | "unknown_states">;

const viewSchemas = new Map<string, z.ZodType<Record<string, unknown>>>();

/** A schema for a node answer carrying exactly `fields` (cached per field set). */
export function nodeViewSchema(fields: readonly NodeField[]): z.ZodType<Record<string, unknown>> {
  const key = fields.join(",");
  let schema = viewSchemas.get(key);
  if (schema === undefined) {
    const shape: Record<string, z.ZodType> = {};
    for (const field of fields) shape[field] = nodeFieldSchemas[field];
    // Strip, not loose: the unrequested keys Ironic adds (`links`) are dropped
    // here instead of being copied through a catchall for every node of a
    // listing (the catchall was a third of the validation's CPU on 1,000 nodes).
    schema = z.object(shape);
    viewSchemas.set(key, schema);
  }
  return schema;
}

function noteUnknown(node: Record<string, unknown>, field: StateField, raw: unknown): void {
  const unknown = (node["unknown_states"] ??= {}) as Record<string, unknown>;
  unknown[field] = raw;
}

/** Replaces the raw state strings of a validated node by their typed forms. */
export function typeStates(node: Record<string, unknown>): void {
  const conversions: Array<[StateField, (raw: never) => unknown]> = [
    ["power_state", toPowerState],
    ["target_power_state", toTargetPowerState],
    ["provision_state", toProvisionState],
    ["target_provision_state", toTargetProvisionState],
  ];
  for (const [field, convert] of conversions) {
    if (!(field in node)) continue;
    const raw = node[field];
    const typed = convert(raw as never);
    if (typed === "unknown") noteUnknown(node, field, raw);
    node[field] = typed;
  }
}

/**
 * Drops the fields nobody asked for (Ironic adds `links`) so views stay small in
 * the cache, then types the states. `node` is a fresh object from JSON.parse.
 */
export function toNodeView<F extends NodeField>(node: Record<string, unknown>, fields: readonly F[]): NodeView<F> {
  const out: Record<string, unknown> = {};
  for (const field of fields) out[field] = node[field];
  out["uuid"] = node["uuid"];
  typeStates(out);
  return out as NodeView<F>;
}
