// Nova's user_data: base64 text, at most 64 KiB once decoded, UTF-8 inside.
// The one home of the base64 shape check, used by the API schemas and by the
// compute layer alike.
//
// The accepted language is the old pattern's, /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/:
// base64 characters and line breaks, up to two "=", then any white space. That
// pattern is quadratic (the line breaks match both the class and \s*, so a run
// of them followed by a bad character is tried at every split: 90,000 newlines
// and a "!" held the event loop for seconds). Trimming the trailing white space
// first leaves a pattern with no overlap, which a backtracking engine runs in
// linear time, and accepts exactly the same strings: a match of the old pattern
// minus its trailing white space is a match of the new one, and back.

const BASE64_BODY = /^[A-Za-z0-9+/\r\n]*={0,2}$/;

/** Decoded user_data bigger than this is refused (Nova's limit). */
export const MAX_USER_DATA_BYTES = 65_535;

/** True when `text` has the shape Nova accepts as base64 user_data (linear time). */
export function isBase64UserData(text: string): boolean {
  // String#trimEnd removes exactly what \s matches (white space and line terminators).
  return BASE64_BODY.test(text.trimEnd());
}
