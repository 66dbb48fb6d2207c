// Nova's user_data, in one home for every layer (the driver writes it into the
// config drive; compute re-exports these for the API schemas; the CLI reads a
// file against the same limit). The limit is on the decoded bytes at the API
// and on the text the driver receives.
//
// The base64 shape check's accepted language is the old pattern's,
// /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/: base64 characters and line breaks, up to two
// "=", then any white space. That pattern is quadratic (the line breaks match
// both the class and \s*, so a run of them followed by a bad character is tried
// at every split: 90,000 newlines and a "!" held the event loop for seconds).
// Trimming the trailing white space first leaves a pattern with no overlap,
// which a backtracking engine runs in linear time, and accepts exactly the same
// strings: a match of the old pattern minus its trailing white space is a match
// of the new one, and back.

import { InvalidInputError } from "../errors.js";
import { checkText } from "./text.js";

const BASE64_BODY = /^[A-Za-z0-9+/\r\n]*={0,2}$/;

/** user_data bigger than this is refused (Nova's limit, 64 KiB − 1). */
export const MAX_USER_DATA_BYTES = 65_535;

/** True when `text` has the shape Nova accepts as base64 user_data (linear time). */
export function isBase64UserData(text: string): boolean {
  // String#trimEnd removes exactly what \s matches (white space and line terminators).
  return BASE64_BODY.test(text.trimEnd());
}

/** user_data as given, at most 65,535 bytes of UTF-8. */
export function validateUserData(userData: unknown): string {
  if (typeof userData !== "string") throw new InvalidInputError("user_data must be a string");
  const limit = MAX_USER_DATA_BYTES;
  // Every UTF-16 unit is at least one UTF-8 byte: no need to measure a longer string.
  const bytes = userData.length > limit ? userData.length : Buffer.byteLength(userData, "utf8");
  if (bytes > limit) throw new InvalidInputError(`user_data is larger than ${limit} bytes`);
  checkText(userData, "user_data", { maxChars: limit });
  return userData;
}
