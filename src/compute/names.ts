// The one check for user-chosen names (servers, flavors, images): 1–255
// characters, none of them a control character.
export function isPrintableName(name: string, max = 255): boolean {
  if (name.length === 0 || name.length > max) return false;
  for (const char of name) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}
