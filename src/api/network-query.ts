// Neutron's list query on documents: a filter by any attribute the document
// has (several values of one are alternatives; booleans in any case, as
// Python clients send "True"), `fixed_ips=ip_address=…` / `subnet_id=…` /
// `ip_address_substr=…` on ports, `fields=` to pick attributes, and
// `limit`/`marker` paging with a `<collection>_links` next link. Attributes a
// document lacks (unknown ones, or hidden from the caller) do not filter, as
// Neutron without its filter-validation extension.
import type { Doc } from "./network-views.js";

export type NeutronQuery = Record<string, string | string[] | undefined>;

const CONTROL = new Set(["fields", "limit", "marker", "page_reverse", "sort_key", "sort_dir"]);

function values(raw: string | string[] | undefined): string[] {
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
}

function matches(value: unknown, wanted: string): boolean {
  if (Array.isArray(value)) return value.some((item) => matches(item, wanted));
  if (typeof value === "boolean") return String(value) === wanted.toLowerCase();
  if (value === null) return wanted === "" || wanted === "None";
  if (typeof value === "string" || typeof value === "number") return String(value) === wanted;
  return false;
}

/** One `fixed_ips` filter ("ip_address=192.0.2.5", "subnet_id=…", "ip_address_substr=192.0.2.") on a port's fixed_ips. */
function fixedIpMatches(fixedIps: unknown, filter: string): boolean {
  const [key, ...rest] = filter.split("=");
  const wanted = rest.join("=");
  if (!Array.isArray(fixedIps)) return false;
  return fixedIps.some((ip: unknown) => {
    if (typeof ip !== "object" || ip === null) return false;
    const entry = ip as Record<string, unknown>;
    if (key === "ip_address_substr") return typeof entry["ip_address"] === "string" && entry["ip_address"].includes(wanted);
    return key !== undefined && (key === "ip_address" || key === "subnet_id") && entry[key] === wanted;
  });
}

function kept(doc: Doc, query: NeutronQuery): boolean {
  for (const [key, raw] of Object.entries(query)) {
    if (CONTROL.has(key)) continue;
    const wanted = values(raw);
    if (key === "fixed_ips") {
      if (!wanted.every((filter) => fixedIpMatches(doc["fixed_ips"], filter))) return false;
      continue;
    }
    if (!(key in doc) || wanted.length === 0) continue;
    if (!wanted.some((value) => matches(doc[key], value))) return false;
  }
  return true;
}

function picked(doc: Doc, fields: readonly string[]): Doc {
  return fields.length === 0 ? doc : Object.fromEntries(fields.filter((field) => field in doc).map((field) => [field, doc[field]]));
}

export interface NeutronPage {
  items: Doc[];
  /** The query of the next page, when `limit` filled this one. */
  nextMarker?: string;
}

/** Filters, pages (docs come oldest first, the order markers page in) and picks fields. */
export function neutronList(docs: readonly Doc[], query: NeutronQuery): NeutronPage {
  let selected = docs.filter((doc) => kept(doc, query));
  const marker = values(query["marker"])[0];
  if (marker !== undefined) {
    const at = selected.findIndex((doc) => doc["id"] === marker);
    selected = at < 0 ? [] : selected.slice(at + 1);
  }
  const limitText = values(query["limit"])[0];
  const limit = limitText === undefined ? undefined : Number(limitText);
  let nextMarker: string | undefined;
  if (limit !== undefined && Number.isInteger(limit) && limit > 0 && selected.length > limit) {
    selected = selected.slice(0, limit);
    const last = selected.at(-1)?.["id"];
    if (typeof last === "string") nextMarker = last;
  }
  const fields = values(query["fields"]);
  return { items: selected.map((doc) => picked(doc, fields)), ...(nextMarker === undefined ? {} : { nextMarker }) };
}
