// SecretBox as a table: what opens and what is refused.
import { describe, expect, it } from "vitest";
import { SecretBox, SecretBoxError } from "../../src/store/secret-box.js";

const box = SecretBox.fromKey(Buffer.alloc(32, 1));
const other = SecretBox.fromKey(Buffer.alloc(32, 2));
const sealed = box.seal("s3cret", "volume v1 CHAP secret");

describe("SecretBox", () => {
  it("seals to a fresh, prefixed value each time, without the secret in it", () => {
    expect(sealed.startsWith("sealed:v1:")).toBe(true);
    expect(sealed).not.toContain("s3cret");
    expect(box.seal("s3cret", "volume v1 CHAP secret")).not.toBe(sealed);
  });

  it.each([
    ["its own key and context", () => box.open(sealed, "volume v1 CHAP secret"), "s3cret"],
    ["a value stored before sealing", () => box.open("plain-legacy", "volume v1 CHAP secret"), "plain-legacy"],
    ["an empty secret", () => box.open(box.seal("", "c"), "c"), ""],
    ["unicode", () => box.open(box.seal("pässwörd ✓", "c"), "c"), "pässwörd ✓"],
  ])("opens: %s", (_case, open, expected) => {
    expect(open()).toBe(expected);
  });

  it.each([
    ["another key", () => other.open(sealed, "volume v1 CHAP secret")],
    ["another row", () => box.open(sealed, "volume v2 CHAP secret")],
    ["a flipped byte", () => box.open(`${sealed.slice(0, -4)}AAA=`, "volume v1 CHAP secret")],
    ["too short to be sealed", () => box.open("sealed:v1:AAAA", "volume v1 CHAP secret")],
  ])("refuses: %s", (_case, open) => {
    expect(open).toThrow(SecretBoxError);
  });

  it("takes only a 32-byte key", () => {
    expect(() => SecretBox.fromKey(Buffer.alloc(16))).toThrow(/a secrets key is 32 bytes, not 16/);
  });
});
