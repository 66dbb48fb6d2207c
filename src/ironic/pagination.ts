// Ironic pages collections with a `next` link carrying `marker=`. We never follow
// that URL as given: its host comes from Ironic's own configuration and may point
// past the TLS front or to another host, which would send our credentials there.
// We take only the marker and ask our own endpoint for the next page.

import { z } from "zod";
import { InvalidResponseError } from "./errors.js";
import type { IronicHttp, QueryValue } from "./http.js";

export interface PageRequest {
  path: string;
  /** Key of the collection in the answer: "nodes", "ports" … */
  collection: string;
  query: Record<string, QueryValue>;
  pageSize: number;
  /** Stop after this many items (default: all). */
  limit?: number;
}

const pageEnvelope = z.object({ next: z.string().optional() }).loose();
const pageItems = z.array(z.record(z.string(), z.unknown()));

export function markerFromNext(next: string, label: string): string {
  let marker: string | null;
  try {
    marker = new URL(next, "http://ironic.invalid/").searchParams.get("marker");
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    marker = null;
  }
  if (marker === null || marker === "") {
    throw new InvalidResponseError("`next` link carries no marker", { request: label });
  }
  return marker;
}

/**
 * Yields each page's raw items (already checked to be objects); item schemas are
 * the caller's business so it can validate with the schema for its field set.
 */
export async function* pages(http: IronicHttp, request: PageRequest): AsyncGenerator<Record<string, unknown>[]> {
  const label = `GET ${request.path}`;
  const seen = new Set<string>();
  let marker: string | undefined;
  let total = 0;
  for (;;) {
    const remaining = request.limit === undefined ? request.pageSize : Math.min(request.pageSize, request.limit - total);
    const page = await http.json(
      { method: "GET", path: request.path, query: { ...request.query, limit: remaining, marker }, expect: [200] },
      pageEnvelope,
    );
    const parsedItems = pageItems.safeParse(page[request.collection]);
    if (!parsedItems.success) {
      throw new InvalidResponseError(`answer has no '${request.collection}' list of objects`, { request: label });
    }
    const items = parsedItems.data;
    total += items.length;
    yield items;
    if (page.next === undefined || items.length === 0) return;
    if (request.limit !== undefined && total >= request.limit) return;
    marker = markerFromNext(page.next, label);
    if (seen.has(marker)) throw new InvalidResponseError("pagination loops on the same marker", { request: label });
    seen.add(marker);
  }
}

/** Validates each item of every page with `item` and returns them all. */
export async function collectAll<T>(
  http: IronicHttp,
  request: PageRequest,
  item: (raw: Record<string, unknown>, label: string) => T,
): Promise<T[]> {
  const out: T[] = [];
  const label = `GET ${request.path}`;
  for await (const page of pages(http, request)) {
    for (const raw of page) out.push(item(raw, label));
  }
  return out;
}

/** Validates one item of a collection; a mismatch is an InvalidResponseError. */
export function parseItem<S extends z.ZodType>(schema: S, raw: unknown, label: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue === undefined ? "" : ` at '${issue.path.join(".")}': ${issue.message}`;
  throw new InvalidResponseError(`item does not match the expected shape${where}`, { request: label });
}
