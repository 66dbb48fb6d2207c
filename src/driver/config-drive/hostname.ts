// Host names for the config drive (S4): whatever the user asked for becomes a
// single RFC 1123 DNS label (a-z, 0-9, '-', at most 63 characters, neither
// starting nor ending with '-').
//
// Like Nova we lower-case and turn separators into '-'. Unlike Nova we always
// produce ONE label: dots become '-' as well (a dotted name would smuggle a
// domain into `hostname`, and each label would need its own checks). Letters
// with diacritics are folded to their base letter ("Café" → "cafe"); every other
// run of characters outside [a-z0-9] becomes a single '-'. When nothing usable
// is left, the (sanitized) fallback is used, and as a last resort "server".

export const MAX_LABEL_LENGTH = 63;
const LAST_RESORT = "server";

function toLabel(text: string): string {
  const folded = text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "") // combining marks left over from NFKD: "é" → "e"
    .toLowerCase();
  const label = folded
    .replace(/[^a-z0-9]+/g, "-") // any run of other characters (incl. '-', '.', '_', spaces, NUL) → one '-'
    .replace(/^-+|-+$/g, "");
  return label.slice(0, MAX_LABEL_LENGTH).replace(/-+$/, "");
}

function asText(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/**
 * An RFC 1123 label for `requested`, or for `fallback` (e.g. `server-<first 8 of
 * uuid>`) when nothing of `requested` survives. Never throws.
 */
export function sanitizeHostname(requested: string, fallback: string): string {
  const label = toLabel(asText(requested));
  if (label !== "") return label;
  const fromFallback = toLabel(asText(fallback));
  return fromFallback !== "" ? fromFallback : LAST_RESORT;
}
