// Nova's regular-expression list filters (`name`, `node`): Nova hands them to
// the database's REGEXP / `~`, a search anywhere in the value. Here they run on
// RE2 (re2js): linear time in the text, no backreferences or lookaround, so no
// pattern can backtrack catastrophically; and they are at most
// MAX_SEARCH_PATTERN characters, so compiling one is bounded too.
import { RE2JS } from "re2js";
import { BadRequestError } from "./contract.js";

export const MAX_SEARCH_PATTERN = 255;

/** A test "does `pattern` occur in the text", or BadRequestError (400) for a pattern too long or invalid. */
export function searchPattern(filter: string, pattern: string): (text: string) => boolean {
  if (pattern.length > MAX_SEARCH_PATTERN) {
    throw new BadRequestError(`Invalid filter field: ${filter}. A regular expression of at most ${MAX_SEARCH_PATTERN} characters is expected.`);
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BadRequestError(`Invalid filter field: ${filter}. ${reason.slice(0, 300)}`);
  }
  return (text) => compiled.matcher(text).find();
}

/** `text` as a pattern that matches exactly it (what a lookup by exact name sends). */
export function exactPattern(text: string): string {
  return `^${RE2JS.quote(text)}$`;
}
