// Ironic wraps its error text twice: the body is `{"error_message": "<JSON string>"}`
// and that inner string is `{"faultcode", "faultstring", "debuginfo"}`. Some
// paths (and proxies in front of Ironic) send a plain string or HTML instead.
// This module extracts the human message from all of those shapes, bounded in
// size and stripped of control characters so it is safe to log and to show.

import { z } from "zod";

const MAX_MESSAGE_CHARS = 1_000;

const innerFault = z.object({ faultstring: z.string() }).loose();
const outerBody = z.object({ error_message: z.union([z.string(), innerFault]) }).loose();

function clean(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we remove
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return flat.length > MAX_MESSAGE_CHARS ? `${flat.slice(0, MAX_MESSAGE_CHARS)}…` : flat;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** The message Ironic meant, from whatever error body it sent; "" when none. */
export function ironicErrorMessage(body: string): string {
  const outer = outerBody.safeParse(parseJson(body));
  if (!outer.success) return clean(body.startsWith("<") ? "" : body);
  const message = outer.data.error_message;
  if (typeof message !== "string") return clean(message.faultstring);
  const inner = innerFault.safeParse(parseJson(message));
  return clean(inner.success ? inner.data.faultstring : message);
}
