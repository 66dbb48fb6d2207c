// Allocations: Ironic's own node reservation (API ≥ 1.52), an alternative to
// claiming by `instance_uuid` that lets Ironic pick among candidate nodes.

import { z } from "zod";
import { encodePath, type IronicHttp } from "./http.js";
import { uuidSchema } from "./node-schema.js";

export const ALLOCATION_STATES = ["allocating", "active", "error"] as const;
export type AllocationState = (typeof ALLOCATION_STATES)[number] | "unknown";

export const allocationSchema = z
  .object({
    uuid: uuidSchema,
    name: z.string().nullable(),
    state: z.string().transform((raw): AllocationState =>
      (ALLOCATION_STATES as readonly string[]).includes(raw) ? (raw as AllocationState) : "unknown",
    ),
    last_error: z.string().nullable(),
    resource_class: z.string().nullable(),
    node_uuid: z.string().nullable(),
    traits: z.array(z.string()).nullable().transform((value) => value ?? []),
    candidate_nodes: z.array(z.string()).nullable().transform((value) => value ?? []),
    owner: z.string().nullable().optional().transform((value) => value ?? null),
    extra: z.record(z.string(), z.unknown()).nullable().transform((value) => value ?? {}),
  })
  .loose();
export type Allocation = z.output<typeof allocationSchema>;

export interface AllocationCreate {
  resource_class: string;
  name?: string;
  uuid?: string;
  traits?: string[];
  candidate_nodes?: string[];
  owner?: string;
  extra?: Record<string, unknown>;
}

export class AllocationsApi {
  constructor(private readonly http: IronicHttp) {}

  async create(body: AllocationCreate): Promise<Allocation> {
    return this.http.json({ method: "POST", path: "/v1/allocations", body, expect: [201] }, allocationSchema);
  }

  async get(ident: string): Promise<Allocation> {
    return this.http.json({ method: "GET", path: `/v1/allocations/${encodePath(ident)}`, expect: [200] }, allocationSchema);
  }

  async delete(ident: string): Promise<void> {
    await this.http.send({ method: "DELETE", path: `/v1/allocations/${encodePath(ident)}`, expect: [204] });
  }
}
