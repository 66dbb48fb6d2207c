// The one base64 check for user_data (issue 8 #6): linear, and it accepts
// exactly what the old (quadratic) pattern accepted.
import { describe, expect, it } from "vitest";
import { isBase64UserData } from "../../src/compute/user-data.js";

// The pattern before the fix, as the oracle: fine on short strings.
const OLD_PATTERN = /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/;
const ALPHABET = ["A", "z", "9", "+", "/", "=", "\n", "\r", " ", "\t", "\u00a0", "\u2028", "!", "-", "_"];

function* allStrings(maxLength: number): Generator<string> {
  yield "";
  let layer = [""];
  for (let length = 1; length <= maxLength; length += 1) {
    const next: string[] = [];
    for (const prefix of layer) for (const char of ALPHABET) next.push(prefix + char);
    yield* next;
    layer = next;
  }
}

describe("isBase64UserData", () => {
  it("accepts exactly what the old pattern accepted (every string of up to 5 characters over a tricky alphabet)", () => {
    const disagreements: string[] = [];
    for (const text of allStrings(5)) {
      if (isBase64UserData(text) !== OLD_PATTERN.test(text)) disagreements.push(JSON.stringify(text));
    }
    expect(disagreements).toEqual([]);
  });

  it("takes real base64 with line breaks and padding, refuses the rest", () => {
    const encoded = Buffer.from("#cloud-config\npackages: [htop]\n".repeat(20)).toString("base64");
    const wrapped = (encoded.match(/.{1,76}/g) ?? []).join("\r\n");
    expect(isBase64UserData(`${wrapped}\n`)).toBe(true);
    expect(isBase64UserData("aGk=\n\n")).toBe(true);
    expect(isBase64UserData("aGk===")).toBe(false);
    expect(isBase64UserData("aG=k")).toBe(false);
    expect(isBase64UserData(`${"\n".repeat(90_000)}!`)).toBe(false);
    expect(isBase64UserData(`${"\r\n".repeat(500_000)}=`)).toBe(true);
  });
});
