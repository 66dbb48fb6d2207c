// Node operations of the Ironic API: list, get, create, delete, JSON-patch update,
// validate, provision and power state changes, NMI, console, VIFs and traits.

import { z } from "zod";
import { processSecrets } from "../log/redact.js";
import { InvalidResponseError } from "./errors.js";
import { encodePath, parseBody, type IronicHttp } from "./http.js";
import { supports } from "./microversion.js";
import {
  ALL_NODE_FIELDS,
  NODE_FIELD_FEATURE,
  nodeViewSchema,
  toNodeView,
  UUID_PATTERN,
  type ListableNodeField,
  type Node,
  type NodeField,
  type NodeView,
  type SelectableNodeField,
} from "./node-schema.js";
import { collectAll, parseItem } from "./pagination.js";
import type { PowerTarget, ProvisionTarget } from "./states.js";

export type JsonPatchOp =
  | { op: "add" | "replace"; path: string; value: unknown }
  | { op: "remove"; path: string };

/** Server-side filters of `GET /v1/nodes` the driver uses. */
export interface NodeFilters {
  associated?: boolean;
  provision_state?: string;
  resource_class?: string;
  conductor_group?: string;
  owner?: string;
  lessee?: string;
  maintenance?: boolean;
  instance_uuid?: string;
  fault?: string;
  shard?: string;
  driver?: string;
}

export interface ListOptions {
  pageSize?: number;
  /** Stop after this many nodes. */
  limit?: number;
}

export interface NodeCreate {
  name?: string;
  driver: string;
  resource_class?: string;
  properties?: Record<string, unknown>;
  driver_info?: Record<string, unknown>;
  owner?: string;
  lessee?: string;
  conductor_group?: string;
  extra?: Record<string, unknown>;
  storage_interface?: string;
  console_interface?: string;
  rescue_interface?: string;
  network_interface?: string;
}

/** A config drive as a dict (API ≥ 1.56); Ironic builds the ISO itself. */
export interface ConfigDriveDict {
  meta_data?: Record<string, unknown>;
  network_data?: Record<string, unknown>;
  user_data?: string | Record<string, unknown> | unknown[];
  vendor_data?: Record<string, unknown>;
}

export interface ProvisionRequest {
  target: ProvisionTarget;
  configdrive?: ConfigDriveDict | string;
  rescue_password?: string;
  clean_steps?: Array<Record<string, unknown>>;
  deploy_steps?: Array<Record<string, unknown>>;
}

export interface PowerRequest {
  target: PowerTarget;
  /** Seconds Ironic waits for the power action (soft actions). */
  timeout?: number;
}

const validationEntry = z.object({ result: z.boolean().nullable(), reason: z.string().nullable().optional() }).loose();
export const validationSchema = z.record(z.string(), validationEntry);
export type NodeValidation = z.output<typeof validationSchema>;

export const consoleSchema = z.object({
  console_enabled: z.boolean(),
  console_info: z
    .object({ type: z.string().optional(), url: z.string().optional() })
    .loose()
    .nullable(),
});
export type NodeConsole = z.output<typeof consoleSchema>;

const vifsSchema = z.object({ vifs: z.array(z.object({ id: z.string() }).loose()) });
const traitsSchema = z.object({ traits: z.array(z.string()) });

/** Ironic looks a node up by UUID when the ident looks like one, else by name. */
function isUuid(ident: string): boolean {
  return UUID_PATTERN.test(ident);
}

/**
 * The answer to `GET /v1/nodes/<ident>` must be that node: a proxy, cache or
 * Ironic bug that hands back another node would otherwise have us act on (or
 * report) the wrong machine.
 */
function checkIdentity(node: { uuid?: unknown; name?: unknown }, ident: string, label: string): void {
  const matches = isUuid(ident)
    ? typeof node.uuid === "string" && node.uuid.toLowerCase() === ident.toLowerCase()
    : node.name === ident;
  if (!matches) {
    throw new InvalidResponseError(`answer is for another node than '${ident}'`, { request: label });
  }
}

export class NodesApi {
  constructor(private readonly http: IronicHttp) {}

  /** All node fields the negotiated microversion has. */
  async allFields(): Promise<NodeField[]> {
    const version = await this.http.microversion();
    return ALL_NODE_FIELDS.filter((field) => {
      const feature = NODE_FIELD_FEATURE[field];
      return feature === undefined || supports(version, feature);
    });
  }

  private async checkFields(fields: readonly NodeField[]): Promise<NodeField[]> {
    for (const field of fields) {
      const feature = NODE_FIELD_FEATURE[field];
      if (feature !== undefined) await this.http.requireFeature(feature, `node field '${field}'`);
    }
    return fields.includes("uuid") ? [...fields] : ["uuid", ...fields];
  }

  private async checkFilters(filters: NodeFilters): Promise<void> {
    if (filters.lessee !== undefined) await this.http.requireFeature("lessee", "the lessee filter");
    if (filters.shard !== undefined) await this.http.requireFeature("shard", "the shard filter");
  }

  /** Lists nodes with only `fields`, following pages until done. */
  async list<F extends ListableNodeField>(
    fields: readonly F[],
    filters: NodeFilters = {},
    options: ListOptions = {},
  ): Promise<Array<NodeView<F>>> {
    const wanted = await this.checkFields(fields);
    await this.checkFilters(filters);
    const schema = nodeViewSchema(wanted);
    return collectAll(
      this.http,
      {
        path: "/v1/nodes",
        collection: "nodes",
        query: { ...filters, fields: wanted.join(",") },
        pageSize: options.pageSize ?? this.http.options.pageSize,
        limit: options.limit,
      },
      (raw, label) => toNodeView(parseItem(schema, raw, label), fields),
    );
  }

  /** One node by UUID or name, with only `fields`. */
  async get<F extends SelectableNodeField>(ident: string, fields: readonly F[]): Promise<NodeView<F>> {
    // Asked by name: fetch the name too, to check the answer is that node.
    const wanted = await this.checkFields(isUuid(ident) ? fields : [...new Set([...fields, "name" as const])]);
    const path = `/v1/nodes/${encodePath(ident)}`;
    const raw = await this.http.json(
      { method: "GET", path, query: { fields: wanted.join(",") }, expect: [200] },
      nodeViewSchema(wanted),
    );
    checkIdentity(raw, ident, `GET ${path}`);
    return toNodeView(raw, fields);
  }

  /** One node by UUID or name with every field (incl. timestamps). */
  async getFull(ident: string): Promise<Node> {
    const path = `/v1/nodes/${encodePath(ident)}`;
    const response = await this.http.send({ method: "GET", path, expect: [200] });
    const node = await this.fullNode(response.text, `GET ${path}`, response.status);
    checkIdentity(node, ident, `GET ${path}`);
    return node;
  }

  private async fullNode(text: string, label: string, status: number): Promise<Node> {
    const fields = await this.allFields();
    const raw = parseBody(nodeViewSchema(fields), { status, text }, label);
    return toNodeView(raw, fields);
  }

  async create(body: NodeCreate): Promise<Node> {
    const response = await this.http.send({ method: "POST", path: "/v1/nodes", body, expect: [201] });
    return this.fullNode(response.text, "POST /v1/nodes", response.status);
  }

  async delete(ident: string): Promise<void> {
    await this.http.send({ method: "DELETE", path: `/v1/nodes/${encodePath(ident)}`, expect: [204] });
  }

  /**
   * Applies a JSON patch. `retry: "none"` is for the claim: a 409 must reach the
   * caller at once as NodeAssociatedError (or NodeLockedError).
   */
  async update(ident: string, patch: readonly JsonPatchOp[], options: { retry?: "default" | "none" } = {}): Promise<Node> {
    const path = `/v1/nodes/${encodePath(ident)}`;
    const response = await this.http.send({
      method: "PATCH",
      path,
      body: patch,
      expect: [200],
      retry: options.retry ?? "default",
    });
    return this.fullNode(response.text, `PATCH ${path}`, response.status);
  }

  async validate(ident: string): Promise<NodeValidation> {
    return this.http.json(
      { method: "GET", path: `/v1/nodes/${encodePath(ident)}/validate`, expect: [200] },
      validationSchema,
    );
  }

  async setProvisionState(ident: string, request: ProvisionRequest): Promise<void> {
    if (request.deploy_steps !== undefined) await this.http.requireFeature("deploySteps", "deploy_steps");
    processSecrets.register(request.rescue_password);
    await this.http.send({
      method: "PUT",
      path: `/v1/nodes/${encodePath(ident)}/states/provision`,
      body: request,
      expect: [202],
    });
  }

  async setPowerState(ident: string, request: PowerRequest): Promise<void> {
    await this.http.send({
      method: "PUT",
      path: `/v1/nodes/${encodePath(ident)}/states/power`,
      body: request,
      expect: [202],
    });
  }

  async injectNmi(ident: string): Promise<void> {
    await this.http.send({
      method: "PUT",
      path: `/v1/nodes/${encodePath(ident)}/management/inject_nmi`,
      body: {},
      expect: [204],
    });
  }

  async getConsole(ident: string): Promise<NodeConsole> {
    return this.http.json(
      { method: "GET", path: `/v1/nodes/${encodePath(ident)}/states/console`, expect: [200] },
      consoleSchema,
    );
  }

  async setConsole(ident: string, enabled: boolean): Promise<void> {
    await this.http.send({
      method: "PUT",
      path: `/v1/nodes/${encodePath(ident)}/states/console`,
      body: { enabled },
      expect: [202],
      idempotent: true, // enabling (disabling) twice leaves it enabled (disabled)
    });
  }

  async listVifs(ident: string): Promise<string[]> {
    const answer = await this.http.json(
      { method: "GET", path: `/v1/nodes/${encodePath(ident)}/vifs`, expect: [200] },
      vifsSchema,
    );
    return answer.vifs.map((vif) => vif.id);
  }

  async attachVif(ident: string, vifId: string, extra: Record<string, unknown> = {}): Promise<void> {
    await this.http.send({
      method: "POST",
      path: `/v1/nodes/${encodePath(ident)}/vifs`,
      body: { ...extra, id: vifId },
      expect: [204],
    });
  }

  async detachVif(ident: string, vifId: string): Promise<void> {
    await this.http.send({
      method: "DELETE",
      path: `/v1/nodes/${encodePath(ident)}/vifs/${encodePath(vifId)}`,
      expect: [204],
    });
  }

  async getTraits(ident: string): Promise<string[]> {
    const answer = await this.http.json(
      { method: "GET", path: `/v1/nodes/${encodePath(ident)}/traits`, expect: [200] },
      traitsSchema,
    );
    return answer.traits;
  }

  async setTraits(ident: string, traits: readonly string[]): Promise<void> {
    await this.http.send({
      method: "PUT",
      path: `/v1/nodes/${encodePath(ident)}/traits`,
      body: { traits },
      expect: [204],
      idempotent: true, // replaces the whole set
    });
  }

  async addTrait(ident: string, trait: string): Promise<void> {
    await this.http.send({
      method: "PUT",
      path: `/v1/nodes/${encodePath(ident)}/traits/${encodePath(trait)}`,
      expect: [204],
      idempotent: true, // adding a trait the node has is a no-op
    });
  }

  async removeTrait(ident: string, trait: string): Promise<void> {
    await this.http.send({
      method: "DELETE",
      path: `/v1/nodes/${encodePath(ident)}/traits/${encodePath(trait)}`,
      expect: [204],
    });
  }
}
