// One Ironic resource collection with the same three calls (ports, port groups,
// volume connectors, volume targets): list a node's items, create one, delete
// one by UUID. Each answer is validated with the resource's schema (S7).

import type { z } from "zod";
import { encodePath, type IronicHttp, type QueryValue } from "./http.js";
import { collectAll, parseItem } from "./pagination.js";

export interface CollectionSpec<S extends z.ZodType> {
  /** Where items are created and deleted, e.g. "/v1/ports". */
  path: string;
  /** Where they are listed, when not `path` (e.g. "/v1/ports/detail"). */
  listPath?: string;
  /** Key of the list in the answer: "ports", "targets" … */
  collection: string;
  schema: S;
}

export class IronicCollection<S extends z.ZodType, Create> {
  constructor(
    private readonly http: IronicHttp,
    private readonly spec: CollectionSpec<S>,
  ) {}

  async list(query: Record<string, QueryValue>): Promise<Array<z.output<S>>> {
    const { path, listPath, collection, schema } = this.spec;
    return collectAll(
      this.http,
      { path: listPath ?? path, collection, query, pageSize: this.http.options.pageSize },
      (raw, label) => parseItem(schema, raw, label),
    );
  }

  async create(body: Create): Promise<z.output<S>> {
    return this.http.json({ method: "POST", path: this.spec.path, body, expect: [201] }, this.spec.schema);
  }

  async delete(uuid: string): Promise<void> {
    await this.http.send({ method: "DELETE", path: `${this.spec.path}/${encodePath(uuid)}`, expect: [204] });
  }
}
