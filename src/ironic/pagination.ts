// Ironic pages collections with a `next` link carrying `marker=`. We never follow
// that URL as given: its host comes from Ironic's own configuration and may point
// past the TLS front or to another host, which would send our credentials there.
// We take only the marker and ask our own endpoint for the next page.
//
// Every listing ends, whatever Ironic sends (a refresh that never ends would
// hang every caller of the single-flight node cache). A repeated marker is a
// loop; fresh markers forever are caught by two bounds derived from
// `maxListItems` (config: the most items a listing can legitimately hold, as
// Ironic's answers carry no total) and the limit, if any:
//  - items: more than min(limit, maxListItems) items is a misbehaving server;
//  - pages: an honest Ironic fills every page but the last to the size it
//    serves (our page size, or its own lower max_limit), which the first page
//    shows. So ceil(bound / first page size) pages hold everything, plus
//    PAGE_SLACK: the empty page after an exactly full last one, and one spare.
//    Pages shorter than the first hit this long before the item bound.

import { z } from "zod";
import { InvalidResponseError } from "./errors.js";
import type { IronicHttp, QueryValue } from "./http.js";
import { jsonObjectSchema } from "./json-object.js";

export interface PageRequest {
  path: string;
  /** Key of the collection in the answer: "nodes", "ports" … */
  collection: string;
  query: Record<string, QueryValue>;
  pageSize: number;
  /** Stop after this many items (default: all). */
  limit?: number;
}

export const pageEnvelope = z.object({ next: z.string().optional() }).loose();
export const PAGE_SLACK = 2;
// Each item is only checked to be a JSON object here: the caller's item schema
// validates its fields. A z.record() would walk every key of every item, as
// costly as the item validation itself.
export const pageItems = z.array(jsonObjectSchema);

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
  const maxItems = Math.min(request.limit ?? Number.POSITIVE_INFINITY, http.options.maxListItems);
  let maxPages = Number.POSITIVE_INFINITY; // known once the first page shows Ironic's page size
  let marker: string | undefined;
  let total = 0;
  for (let pageNumber = 1; ; pageNumber++) {
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
    if (total > maxItems) {
      throw new InvalidResponseError(`listing holds more than ${maxItems} items (maxListItems)`, { request: label });
    }
    if (pageNumber === 1 && items.length > 0) maxPages = Math.ceil(maxItems / items.length) + PAGE_SLACK;
    yield items;
    if (page.next === undefined || items.length === 0) return;
    if (request.limit !== undefined && total >= request.limit) return;
    if (pageNumber >= maxPages) {
      throw new InvalidResponseError(`listing did not end within ${maxPages} pages (bound from ${maxItems} items)`, {
        request: label,
      });
    }
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
